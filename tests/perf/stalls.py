"""A Parley server's garbage collections and event-loop stalls during a benchmark step, read from the file its
``PARLEY_BENCH_STALL_LOG`` names (server/stall_log.py), summed up per step as a table."""

from __future__ import annotations

import gc
import math
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .report import Table, fmt


@dataclass(frozen=True)
class Event:
    """One line of the log: a collection (``kind`` "gc") or a stall ("stall")."""

    kind: str
    at: float  # time.time() when it began (stalls) or ended (collections)
    ms: float
    generation: int = -1  # collections only
    frozen: int = -1  # collections only: gc.get_freeze_count() after it
    where: str = ""  # stalls only


def parse(lines: Iterable[str]) -> list[Event]:
    """The events of the log's lines (unknown or torn lines are skipped)."""
    events = []
    for line in lines:
        words = line.split()
        try:
            if words[0] == "gc" and len(words) == 6:
                events.append(Event("gc", float(words[1]), float(words[3]), int(words[2]), frozen=int(words[5])))
            elif words[0] == "stall" and len(words) == 5:
                ms, gc_ms = float(words[2]), float(words[3])
                events.append(Event("stall", float(words[1]), ms, where=cause(words[4], ms, gc_ms)))
        except (IndexError, ValueError):
            continue
    return events


def cause(where: str, ms: float, gc_ms: float) -> str:
    """A stall's cause: "gc" when collections took at least half of it, else the sampled stack (no Python frame
    above the loop's own: uvloop's C code, a C call that keeps the GIL, or the process not scheduled)."""
    if gc_ms >= ms / 2:
        return "gc"
    if where.startswith("runners.py:") and ":run|" in where:
        return "no-python-frame(uvloop/C/unscheduled)"
    return where


@dataclass
class Stalls:
    """What one server did between two instants: its collections per generation and its loop stalls."""

    gc_count: list[int] = field(default_factory=lambda: [0, 0, 0])
    gc_max_ms: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    gc_total_ms: float = 0.0
    frozen: int = -1  # the freeze count at the last collection seen
    stalls: int = 0
    stall_max_ms: float = 0.0
    stall_total_ms: float = 0.0
    causes: Counter[str] = field(default_factory=Counter)  # where -> ms stalled
    generator_gc_ms: float = math.nan  # the load generator's longest collection meanwhile

    @property
    def worst_cause(self) -> str:
        return self.causes.most_common(1)[0][0] if self.causes else "-"


def summarize(events: Sequence[Event], start: float, end: float) -> Stalls:
    """The events with start <= at < end."""
    out = Stalls()
    for e in events:
        if not start <= e.at < end:
            continue
        if e.kind == "gc":
            out.gc_count[e.generation] += 1
            out.gc_max_ms[e.generation] = max(out.gc_max_ms[e.generation], e.ms)
            out.gc_total_ms += e.ms
            if e.frozen >= 0:
                out.frozen = e.frozen
        else:
            out.stalls += 1
            out.stall_max_ms = max(out.stall_max_ms, e.ms)
            out.stall_total_ms += e.ms
            out.causes[e.where] += e.ms
    return out


class StallReader:
    """Reads a growing log file; ``window(start, end)`` sums up the events read so far in that window."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.events: list[Event] = []
        self._offset = 0

    def read(self) -> None:
        if not self.path.exists():
            return
        with open(self.path) as f:
            f.seek(self._offset)
            text = f.read()
        complete = text.rfind("\n") + 1
        self._offset += complete
        self.events += parse(text[:complete].splitlines())

    def window(self, start: float, end: float) -> Stalls:
        self.read()
        return summarize(self.events, start, end)


class OwnGc:
    """This process's own collections (the load generator's: a pause there delays the deliveries it reads)."""

    def __init__(self) -> None:
        self.max_ms = 0.0
        self._started = 0.0

    def __enter__(self) -> OwnGc:
        gc.callbacks.append(self._on_gc)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._on_gc)

    def take(self) -> float:
        """The longest collection since the last take, ms."""
        out, self.max_ms = self.max_ms, 0.0
        return out

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.max_ms = max(self.max_ms, (time.perf_counter() - self._started) * 1e3)


def short(where: str, frames: int = 2) -> str:
    """The innermost frames of a sampled stack, for a table cell."""
    return "|".join(where.split("|")[:frames])


def stall_table(title: str, rows: Sequence[tuple[str, str, Stalls | None]]) -> Table:
    """One row per (label, sends/s, stalls) step."""
    table = Table(title, ["step", "sends/s", "gen0/1/2 GCs", "gen1 max ms", "gen2 max ms", "GC ms total",
                          "stalls >= 20 ms", "stall max ms", "stalled ms total", "most time stalled in",
                          "generator GC max ms"])
    causes: Counter[str] = Counter()
    for label, rate, s in rows:
        if s is None:
            table.add(label, rate, *["-"] * 9)
            continue
        causes.update(s.causes)
        table.add(label, rate, "/".join(str(n) for n in s.gc_count), fmt(s.gc_max_ms[1], 1),
                  fmt(s.gc_max_ms[2], 1) if s.gc_count[2] else "-", fmt(s.gc_total_ms, 1), s.stalls,
                  fmt(s.stall_max_ms, 1) if s.stalls else "-", fmt(s.stall_total_ms, 1) if s.stalls else "-",
                  short(s.worst_cause), fmt(s.generator_gc_ms, 1))
    table.notes += [
        "From the server's PARLEY_BENCH_STALL_LOG (server/stall_log.py): every collection (gc.callbacks, its",
        "  duration) and every time the event loop answered a wake-up >= 20 ms late (a monitor thread pings it every",
        "  5 ms and samples the main thread's stack while it is late: 'gc' = a collection was running).",
    ]
    total = sum(causes.values())
    for where, ms in causes.most_common(4):
        share = ms / total if total and not math.isnan(total) else math.nan
        table.notes.append(f"  stalled {fmt(ms, 0)} ms ({share:.0%}) in: {where}")
    return table
