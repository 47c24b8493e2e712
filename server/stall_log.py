"""Benchmark instrumentation (``Settings.bench_stall_log``, set by tests/perf): garbage collections and
event-loop stalls of this process, one line each, appended to a file. Not used unless that setting names one.

Lines (times are ``time.time()`` seconds, durations ms):
- ``gc AT GEN MS COLLECTED FROZEN``: one collection of generation GEN (0-2), from ``gc.callbacks``; FROZEN is
  ``gc.get_freeze_count()`` after a generation-2 one (objects the collector no longer scans), else -1 (the
  count walks the whole frozen list: after every collection it cost ms per collection at 700,000 objects).
- ``stall AT MS GCMS WHERE``: the loop answered a wake-up MS after it was due (MS >= the threshold: the loop
  was busy, or the process was not running, or the GIL was not handed to the monitor), GCMS of it spent in
  collections; WHERE is what the main thread ran most often when a monitor thread sampled it during the stall,
  the innermost frames first, ``|``-separated (``-``: no sample). A collection holds the GIL, so the monitor
  cannot sample during one: GCMS tells.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import sys
import threading
import time
from collections import Counter
from types import FrameType
from typing import Any

THRESHOLD_MS = 20.0  # loop lateness logged as a stall from this on
PROBE_S = 0.005  # the monitor wakes the loop this often
SAMPLE_S = 0.02  # and samples the main thread this often while an answer is late (each sample takes the GIL)
FRAMES = 6  # frames of the main thread's stack kept per sample


class StallLog:
    """Logs collections (``gc.callbacks``) and loop stalls (a monitor thread pinging the loop) to ``path``."""

    def __init__(self, path: str, threshold_ms: float = THRESHOLD_MS) -> None:
        self.path = path
        self.threshold_ms = threshold_ms
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._gc_started = 0.0
        self._in_gc = False
        self._gc_ms = 0.0  # collections' time so far
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main = threading.main_thread().ident

    def start(self) -> None:
        """Begin logging (from the running loop's thread)."""
        self._loop = asyncio.get_running_loop()
        self._main = threading.get_ident()
        gc.callbacks.append(self._on_gc)
        self._thread = threading.Thread(target=self._monitor, name="parley-stall-log", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop logging and write what is left."""
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._on_gc)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)
        self._flush()

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._in_gc = True
            self._gc_started = time.perf_counter()
            return
        self._in_gc = False
        ms = (time.perf_counter() - self._gc_started) * 1e3
        self._gc_ms += ms
        generation = info["generation"]
        frozen = gc.get_freeze_count() if generation == 2 else -1  # it walks the frozen list: not every time
        self._add(f"gc {time.time():.3f} {generation} {ms:.3f} {info['collected']} {frozen}\n")

    def _add(self, line: str) -> None:
        with self._lock:
            self._lines.append(line)

    def _monitor(self) -> None:
        """Ping the loop every PROBE_S; while an answer is late, sample the main thread's stack. Lateness counts
        from when the ping was due, so a process not scheduled (or a GIL not handed over) meanwhile counts too."""
        assert self._loop is not None
        answered = threading.Event()
        last_flush = time.monotonic()
        while not self._stop.is_set():
            gc_before = self._gc_ms
            sent = time.perf_counter() + PROBE_S  # when this ping is due
            time.sleep(PROBE_S)
            answered.clear()
            try:
                self._loop.call_soon_threadsafe(answered.set)
            except RuntimeError:  # the loop is closed
                return
            samples: Counter[str] = Counter()
            while not answered.wait(SAMPLE_S):
                samples[self._sample()] += 1
                if self._stop.is_set():
                    return
            late_ms = (time.perf_counter() - sent) * 1e3
            if late_ms >= self.threshold_ms:
                where = samples.most_common(1)[0][0] if samples else "-"
                gc_ms = self._gc_ms - gc_before
                self._add(f"stall {time.time() - late_ms / 1e3:.3f} {late_ms:.1f} {gc_ms:.1f} {where}\n")
            if time.monotonic() - last_flush > 0.5:
                last_flush = time.monotonic()
                self._flush()

    def _sample(self) -> str:
        if self._in_gc:
            return "gc"
        frame: FrameType | None = sys._current_frames().get(self._main or 0)
        parts: list[str] = []
        while frame is not None and len(parts) < FRAMES:
            code = frame.f_code
            parts.append(f"{os.path.basename(code.co_filename)}:{frame.f_lineno}:{code.co_name}")
            frame = frame.f_back
        return "|".join(parts) or "-"

    def _flush(self) -> None:
        with self._lock:
            lines, self._lines = self._lines, []
        if lines:
            with open(self.path, "a") as out:
                out.writelines(lines)
