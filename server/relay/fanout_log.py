"""Benchmark instrumentation (``Settings.bench_fanout_log``, set by tests/perf): a ``FanoutProbe`` that
appends, per committed batch, "frames pushed, seconds from the commit until the last frame was queued on a
local socket" to a file. Not used unless that setting names a file."""

from __future__ import annotations

import asyncio
import time

WRITE_DELAY_S = 0.01  # lines are written this long after the first unwritten one


class FanoutLog:
    """Counts local pushes per committed batch and writes one line per batch, a little later."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._pushes = 0
        self._last = 0.0
        self._lines: list[str] = []

    def pushed(self, frames: int) -> None:
        self._pushes += frames
        self._last = time.perf_counter()

    def committed(self, started: float) -> None:
        pushes, self._pushes = self._pushes, 0
        if pushes:  # written in a batch a little later: no file I/O right before the next delivery
            if not self._lines:
                asyncio.get_running_loop().call_later(WRITE_DELAY_S, self._flush)
            self._lines.append(f"{pushes} {self._last - started:.9f}\n")

    def _flush(self) -> None:
        lines, self._lines = self._lines, []
        with open(self.path, "a") as out:
            out.writelines(lines)
