"""Pure helpers of the scale run (bench_scale.py): where a rising-rate ramp saturates, which rate to try next,
how many idle sockets fit under the open-files limit, and the budget's verdict. No I/O: unit-tested in
tests/perf/test_saturation.py."""

from __future__ import annotations

import math
from collections.abc import Sequence

Probe = tuple[float, bool]  # (offered rate per second, saturated at that rate?)


def saturation_rate(probes: Sequence[Probe]) -> float:
    """The highest rate that kept up below every rate that did not (steps above a failure do not count:
    one lucky step past the knee is noise); NaN when no rate kept up."""
    ceiling = min((rate for rate, saturated in probes if saturated), default=math.inf)
    kept = [rate for rate, saturated in probes if not saturated and rate < ceiling]
    return max(kept) if kept else math.nan


def next_probe(probes: Sequence[Probe], resolution: float = 0.15) -> float | None:
    """The rate to try next to find the knee more finely: halfway (geometrically) between the saturation rate
    and the lowest saturated rate above it, while they are more than `resolution` (a share) apart. None
    when nothing saturated yet (raise the ramp instead), nothing kept up, or the knee is found closely enough."""
    ceiling = min((rate for rate, saturated in probes if saturated), default=math.inf)
    kept = saturation_rate(probes)
    if math.isinf(ceiling) or math.isnan(kept) or ceiling <= kept * (1 + resolution):
        return None
    return round(math.sqrt(kept * ceiling))


def idle_capacity(wanted: int, nofile_limit: int, other_sockets: int, reserve: int = 100) -> int:
    """How many idle sockets one server process can hold beside `other_sockets`, under its open-files limit
    (every socket is a descriptor; `reserve` for the listener, the database files, pipes, the event loop)."""
    return max(0, min(wanted, nofile_limit - other_sockets - reserve))


def within_budget(p99_ms: float, limit_ms: float = 50.0) -> bool:
    """The scale budget: p99 send -> delivery under `limit_ms` (NaN or infinite, i.e. lost: not within)."""
    return math.isfinite(p99_ms) and p99_ms < limit_ms
