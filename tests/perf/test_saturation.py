"""Unit tests of the scale run's pure helpers (tests/perf/saturation.py) and of the bulk account rows."""

from __future__ import annotations

import math

from tests.perf.bulk import chunks, pair_edges
from tests.perf.saturation import idle_capacity, next_probe, saturation_rate, within_budget


def test_saturation_rate_is_the_highest_rate_kept_below_the_first_failure() -> None:
    assert saturation_rate([(250, False), (500, False), (1000, True)]) == 500
    # a lucky step above a saturated one does not count
    assert saturation_rate([(250, False), (500, True), (1000, False)]) == 250
    # order of the probes does not matter (refinements come last)
    assert saturation_rate([(1000, True), (250, False), (707, False), (500, False)]) == 707
    assert saturation_rate([(250, False), (500, False)]) == 500  # never saturated: the highest tried
    assert math.isnan(saturation_rate([(250, True)]))
    assert math.isnan(saturation_rate([]))


def test_next_probe_halves_the_gap_until_the_resolution() -> None:
    assert next_probe([(1000, False), (4000, True)]) == 2000  # geometric middle
    assert next_probe([(1000, False), (2000, False), (4000, True), (2828, True)]) == round(math.sqrt(2000 * 2828))
    assert next_probe([(1000, False), (1100, True)]) is None  # within 15%
    assert next_probe([(1000, False), (2000, False)]) is None  # nothing saturated: the ramp goes on
    assert next_probe([(1000, True)]) is None  # nothing kept up
    assert next_probe([(1000, False), (1100, True)], resolution=0.05) == 1049


def test_idle_capacity_keeps_under_the_open_files_limit() -> None:
    assert idle_capacity(20_000, 1_048_576, 200) == 20_000
    assert idle_capacity(20_000, 20_000, 200) == 19_700
    assert idle_capacity(5_000, 20_000, 200) == 5_000
    assert idle_capacity(20_000, 100, 200) == 0


def test_within_budget_needs_a_finite_p99_under_the_limit() -> None:
    assert within_budget(49.9)
    assert not within_budget(50.0)
    assert not within_budget(math.inf)  # something lost
    assert not within_budget(math.nan)  # nothing measured
    assert within_budget(80, limit_ms=100)


def test_pair_edges_befriend_neighbours_both_ways() -> None:
    rows = pair_edges([10, 11, 12, 13, 14], created_at=7)
    edges = {(r["user_id"], r["other_id"]) for r in rows}
    assert edges == {(10, 11), (11, 10), (12, 13), (13, 12)}  # the odd last user has no friend
    assert all(r["state"] == "accepted" and r["created_at"] == 7 for r in rows)


def test_chunks_cover_every_row_once_in_order() -> None:
    parts = chunks(list(range(1201)), 500)
    assert [len(p) for p in parts] == [500, 500, 201]
    assert [x for p in parts for x in p] == list(range(1201))
    assert chunks([], 500) == []
