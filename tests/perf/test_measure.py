"""Unit tests of the benchmarks' pure helpers (tests/perf/measure.py): CPU accounting from /proc, the
open-loop schedule, and latency percentiles from the intended send time (no coordinated omission)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from tests.perf.measure import (
    CpuMeter,
    cpu_seconds,
    due,
    intended_times,
    per_cpu_second,
    saturated,
    stat_cpu_seconds,
    summarize,
)

# /proc/PID/stat of a process whose command name holds a space and a ')': utime 250, stime 50 ticks.
STAT = "4242 (uvi corn) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 3 0 100 0 0"


def test_stat_cpu_seconds_counts_fields_after_the_last_parenthesis() -> None:
    assert stat_cpu_seconds(STAT, clk_tck=100) == pytest.approx(3.0)
    assert stat_cpu_seconds(STAT, clk_tck=50) == pytest.approx(6.0)


def test_cpu_meter_sums_processes_between_start_and_stop(tmp_path: Path) -> None:
    def write(pid: int, utime: int, stime: int) -> None:
        (tmp_path / str(pid)).mkdir(exist_ok=True)
        stat = f"{pid} (python) S 1 1 1 0 -1 4194560 1000 0 0 0 {utime} {stime} 0 0 20 0 3 0 100 0 0"
        (tmp_path / str(pid) / "stat").write_text(stat)

    write(1, 100, 0)
    write(2, 0, 100)
    meter = CpuMeter([1, 2], proc=tmp_path)
    meter.start()
    write(1, 150, 10)
    write(2, 0, 140)
    ticks = os.sysconf("SC_CLK_TCK")
    assert meter.stop() == pytest.approx(100 / ticks)


def test_cpu_seconds_of_this_process_grows_with_work() -> None:
    before = cpu_seconds([os.getpid()])
    deadline = before + 0.05
    while cpu_seconds([os.getpid()]) < deadline:
        sum(range(10_000))
    assert cpu_seconds([os.getpid()]) >= deadline


def test_per_cpu_second() -> None:
    assert per_cpu_second(1000, 0.5) == 2000
    assert math.isnan(per_cpu_second(1000, 0.0))


def test_schedule_is_fixed_and_a_late_wakeup_sends_everything_due() -> None:
    assert intended_times(4, 3, 10.0) == [10.0, 10.25, 10.5]
    assert due(rate=100, start=0.0, now=-0.1, sent=0, count=50) == 0
    assert due(rate=100, start=0.0, now=0.0, sent=0, count=50) == 1
    assert due(rate=100, start=0.0, now=0.1, sent=1, count=50) == 10  # woke 100 ms late: 11 due in all
    assert due(rate=100, start=0.0, now=5.0, sent=40, count=50) == 10  # never more than the count
    with pytest.raises(ValueError):
        intended_times(0, 1, 0.0)


def test_latency_is_measured_from_the_intended_send_time() -> None:
    # Three messages meant for t=0, 1, 2 s; a stall made all arrive at 3.0 s. Measured from the intended
    # times they are 3, 2 and 1 s late (a closed-loop client timing from its actual sends would show ~0).
    intended = {"a": 0.0, "b": 1.0, "c": 2.0}
    arrivals = {"a": [3.0], "b": [3.0], "c": [3.0]}
    summary = summarize(intended, arrivals, 1)
    assert summary.p50_ms == pytest.approx(2000.0)
    assert summary.max_ms == pytest.approx(3000.0)
    assert summary.lost == 0


def test_lost_arrivals_count_as_infinitely_late_and_duplicates_are_not_counted_twice() -> None:
    intended = {f"m{i}": float(i) for i in range(100)}
    arrivals = {f"m{i}": [i + 0.001] for i in range(99)}  # m99 never arrives
    arrivals["m0"].append(0.5)  # a doubled delivery must not hide the lost one
    summary = summarize(intended, arrivals, 1)
    assert summary.expected == 100 and summary.arrived == 99 and summary.lost == 1
    assert summary.p50_ms == pytest.approx(1.0)
    assert math.isinf(summary.p99_ms) is False  # 99 of 100 arrived: the 99th percentile is still finite
    assert math.isinf(summary.max_ms)


def test_per_message_expected_counts_for_groups() -> None:
    summary = summarize({"g": 0.0, "p": 0.0}, {"g": [0.001] * 23, "p": [0.002]}, {"g": 24, "p": 1})
    assert (summary.expected, summary.lost) == (25, 1)
    assert math.isinf(summary.max_ms)


def test_saturated() -> None:
    ok = summarize({"a": 0.0}, {"a": [0.010]}, 1)
    assert not saturated(1000, 990, ok)
    assert saturated(1000, 800, ok)  # fell behind the offered rate
    assert saturated(1000, 1000, summarize({"a": 0.0}, {}, 1))  # lost one
    assert saturated(1000, 1000, summarize({"a": 0.0}, {"a": [2.0]}, 1))  # p99 above 1 s
