"""Pure helpers of the server-side loads (bench_server.py): open-loop schedules, latency measured from the
intended send time (no coordinated omission), and the CPU time of server processes read from /proc.

Kept free of I/O beyond /proc so tests/perf/test_measure.py can check them under plain CPython.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .report import percentile

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def stat_cpu_seconds(stat: str, clk_tck: int = CLK_TCK) -> float:
    """utime + stime of one process, in seconds, from the text of /proc/PID/stat.

    The command name (field 2) is in parentheses and may hold spaces or ')', so fields are counted from the
    last ')': after it come state (field 3) ... utime (field 14) and stime (field 15)."""
    fields = stat[stat.rindex(")") + 1 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / clk_tck


def cpu_seconds(pids: Iterable[int], proc: Path = Path("/proc")) -> float:
    """CPU seconds (user + system) used so far by these processes, summed."""
    return sum(stat_cpu_seconds((proc / str(pid) / "stat").read_text()) for pid in pids)


class CpuMeter:
    """CPU seconds the given processes spend between start() and stop() (a process must live through both)."""

    def __init__(self, pids: Sequence[int], proc: Path = Path("/proc")) -> None:
        self.pids = list(pids)
        self.proc = proc
        self.started = math.nan

    def start(self) -> None:
        self.started = cpu_seconds(self.pids, self.proc)

    def stop(self) -> float:
        return cpu_seconds(self.pids, self.proc) - self.started


def per_cpu_second(count: int, cpu: float) -> float:
    """Events per CPU-second (NaN for no CPU measured: a resolution of 1/CLK_TCK s means a tiny run reads 0)."""
    return count / cpu if cpu > 0 else math.nan


def intended_times(rate: float, count: int, start: float) -> list[float]:
    """When each of `count` messages is meant to be sent at a fixed `rate` per second from `start`."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    return [start + k / rate for k in range(count)]


def due(rate: float, start: float, now: float, sent: int, count: int) -> int:
    """How many more messages are due by `now` on the fixed schedule (sent so far: `sent`, at most `count`).

    An open-loop generator sends these at once when it wakes late instead of shifting the schedule: a
    stalled server then shows as latency, not as a lower offered rate."""
    if now < start:
        return 0
    return max(0, min(count, math.floor((now - start) * rate) + 1) - sent)


@dataclass
class LatencySummary:
    """Latency percentiles in ms over every expected event, lost ones counted as infinitely late."""

    expected: int
    arrived: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def lost(self) -> int:
        return self.expected - self.arrived


def summarize(intended: Mapping[str, float], arrivals: Mapping[str, Sequence[float]],
              expected_each: Mapping[str, int] | int) -> LatencySummary:
    """Latencies from each message's INTENDED send time to each of its arrivals (deliveries or acks).

    `expected_each` is how many arrivals each message should have (per message id, or one number for all).
    Missing arrivals are infinitely late, so a load that loses or stalls past its drain time cannot show a good
    p99; arrivals beyond the expected count (duplicates) are ignored here and must be checked by the caller."""
    values: list[float] = []
    expected = 0
    for key, sent_at in intended.items():
        want = expected_each if isinstance(expected_each, int) else expected_each[key]
        expected += want
        got = sorted(at - sent_at for at in arrivals.get(key, ()))[:want]
        values += [v * 1e3 for v in got]
        values += [math.inf] * (want - len(got))
    arrived = sum(1 for v in values if v != math.inf)
    if not values:
        return LatencySummary(0, 0, math.nan, math.nan, math.nan, math.nan)
    return LatencySummary(expected, arrived, percentile(values, 50), percentile(values, 90),
                          percentile(values, 99), max(values))


def saturated(offered_per_s: float, achieved_per_s: float, summary: LatencySummary, *,
              min_share: float = 0.9, max_p99_ms: float = 1000.0) -> bool:
    """Whether a fixed-rate step went past what the target sustains: it delivered less than `min_share` of
    the offered rate, lost something, or its p99 from the intended send time exceeds `max_p99_ms`."""
    return (summary.lost > 0 or achieved_per_s < min_share * offered_per_s
            or not summary.p99_ms <= max_p99_ms)
