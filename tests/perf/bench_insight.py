"""What counting costs the relay: send -> ack with the insight and metrics counting as shipped vs with those
hooks replaced by no-ops, two relays side by side in one run (SQLite, in-process broker, loopback sockets).

`python -m tests.perf --only insight`: alternating rounds of sequential sends on each relay (alice to bob, bob
connected on the same site: a rendezvous, so every hook runs), median per round, median of the rounds, ratio.
The counting relay also flushes its counts to its store every 0.5 s during the run (10x the default rate).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from server.relay.site_counts import SiteCounts
from server.relay.stats import ACK_BUCKETS, Histogram, RelayStats
from server.store import open_store
from tests.relay.harness import Relay, World, join, running

from .report import Table


class NoHistogram(Histogram):
    def observe(self, value: float) -> None:
        return None


class NoStats(RelayStats):
    """Operators' counts switched off."""

    def __init__(self) -> None:
        super().__init__()
        self.ack_latency = NoHistogram(ACK_BUCKETS)

    def received(self, kind: str) -> None:
        return None

    def sent(self, kind: str, count: int = 1) -> None:
        return None

    def error(self, code: str) -> None:
        return None

    def closed(self, code: int) -> None:
        return None


class NoCounts(SiteCounts):
    """Insight counting switched off."""

    def arrived(self, site: int, user: int, visible: bool, presence: Iterable[Mapping[str, Any]]) -> None:
        return None

    def stored(self, site: int, kind: str, data: Mapping[str, Any] | None, origins: Iterable[str],
               last: bool) -> None:
        return None


def switch_off(relay: Relay) -> None:
    hub = relay.hub
    hub.stats = hub.fanout.stats = NoStats()
    hub.site_counts = hub.fanout.site_counts = NoCounts()


async def round_trips(relay: Relay, world: World, sends: int) -> list[float]:
    """Sequential send -> ack times (seconds) of alice's messages to bob."""
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob))
    times = []
    for n in range(sends + 20):
        started = time.perf_counter()
        cid = await a.send_text(world.conv, f"bench {n}")
        await a.expect("ack", cid=cid)
        if n >= 20:  # warm-up sends are not measured
            times.append(time.perf_counter() - started)
    await a.close()
    await b.close()
    return times


async def measure(quick: bool, runs: int, log: Callable[[str], None]) -> Table:
    sends = 200 if quick else 500
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.sqlite3"
        store = await open_store(f"sqlite+aiosqlite:///{template}")
        await store.close()
        medians: dict[str, list[float]] = {"counting (as shipped)": [], "hooks off": []}
        limits = {"max_frames_per_second": 1e6}
        async with running(Path(tmp), template, insight_flush_s=0.5, **limits) as counting, \
                running(Path(tmp), template, **limits) as plain:
            switch_off(plain)
            worlds = {counting: await World(counting.store).build(), plain: await World(plain.store).build()}
            names = {counting: "counting (as shipped)", plain: "hooks off"}
            for run in range(runs):
                order = (counting, plain) if run % 2 == 0 else (plain, counting)
                for relay in order:
                    median = statistics.median(await round_trips(relay, worlds[relay], sends))
                    medians[names[relay]].append(median)
                    log(f"insight: run {run + 1}/{runs} {names[relay]}: median {median * 1e6:.0f} µs")
            await counting.app.state.insight.flush()
            counted = await counting.store.site_days(worlds[counting].site, 0, 10**6)
    table = Table(f"Send -> ack with and without counting ({runs} rounds x {sends} sequential sends, SQLite)",
                  ["relay", "median of round medians (µs)", "rounds (µs)", "ratio"])
    base = statistics.median(medians["hooks off"])
    for name, values in medians.items():
        table.add(name, f"{statistics.median(values) * 1e6:.0f}", " ".join(f"{v * 1e6:.0f}" for v in values),
                  f"{statistics.median(values) / base:.3f}")
    table.notes.append(f"counted by the counting relay: {counted[-1] if counted else 'nothing'}")
    return table


def run(quick: bool, runs: int, log: Callable[[str], None]) -> list[Table]:
    return [asyncio.run(measure(quick, runs, log))]
