"""The scale run's peers: the bare room relay and python-socketio (one process each, in memory) under the same
idle sockets and the same open-loop ramp as Parley's scale run (bench_scale.py), in the same run.

Each peer gets as many idle sockets as Parley had, each behaving like an idle client of that server
(idle_holder.py: a Socket.IO client answers the server's Engine.IO pings; a bare relay socket stays silent, that
relay has no heartbeat), then the ramp with them connected: server RSS per idle socket, the saturation rate and
p99 send->delivery at half of it, against the same 50 ms budget.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from . import fastclient
from .bench_scale import BUDGET_P99_MS, SETTLE_S, Holders, Plan, Ramp, Scale, _ms, ramp, step
from .bench_server import run_target
from .measure import CpuMeter
from .relay_targets import BareRoom, SocketIO, Target, rss_kib
from .report import Table, fmt
from .saturation import within_budget
from .stalls import OwnGc, StallReader

DIALECTS = {"bare Starlette room relay": "bare", "python-socketio": "socketio"}


@dataclass
class PeerScale:
    """What one peer's scale run measured (with its idle sockets connected)."""

    name: str
    idle: int = 0
    failed: int = 0
    still_open: int = -1
    connect_s: float = math.nan
    rss_before_kib: int = 0
    rss_after_kib: int = 0
    with_idle: Ramp = field(default_factory=Ramp)
    skipped: str = ""

    @property
    def bytes_per_idle(self) -> float:
        return (self.rss_after_kib - self.rss_before_kib) * 1024 / self.idle if self.idle else math.nan


def peers() -> list[Target]:
    """The peers of the scale run: one process each, in memory (Parley's scale run is one process)."""
    return [BareRoom(), SocketIO()]


async def peer_load(target: Target, plan: Plan, idle: int, log: Callable[[str], None]) -> PeerScale:
    """`idle` idle sockets on the peer, then the rising ramp with them (as bench_scale.scale_load does for
    Parley, without its second ramp: the peers' latency without idle sockets is the curve section's)."""
    result = PeerScale(target.name)
    rooms = {f"p{p}": [2 * p, 2 * p + 1] for p in range(plan.pairs)}
    conns = await fastclient.open_fast(target, 2 * plan.pairs, rooms)
    senders = [(i, target.room_id(name)) for name, members in rooms.items() for i in members]
    meter = CpuMeter(target.pids)
    holders = Holders(DIALECTS[target.name])
    no_log = StallReader(holders.folder / "no-stall-log")  # the peers have no stall log: their stall rows stay empty
    try:
        await asyncio.sleep(1.0)
        result.rss_before_kib = sum(rss_kib(pid) for pid in target.pids)
        started = time.perf_counter()
        result.idle, result.failed = await holders.open(target.ports[0], [None] * idle)
        result.connect_s = time.perf_counter() - started
        await asyncio.sleep(2.0)
        result.rss_after_kib = sum(rss_kib(pid) for pid in target.pids)
        log(f"  {target.name}: {result.idle:,} idle sockets in {result.connect_s:.1f} s ({result.failed} failed), "
            f"{result.bytes_per_idle / 1024:.1f} KiB each")
        await asyncio.sleep(SETTLE_S)
        await step(conns, senders, 300, 0.5, meter, 1.0)  # warm-up
        label = f"{target.name} with {result.idle:,} idle"
        with OwnGc() as own_gc:
            result.with_idle = await ramp(conns, senders, plan, meter, label, log, no_log, own_gc)
        result.still_open = await holders.count_open()
    finally:
        holders.close()
        await fastclient.close_all(conns)
    return result


def run_peers(plan: Plan, idle: int, server_cores: set[int] | None, log: Callable[[str], None]) -> list[PeerScale]:
    """Each peer in turn, pinned like Parley was; a peer that cannot run here is listed with the reason."""
    out = []
    for target in peers():
        reason = target.pending_reason()
        if reason:
            out.append(PeerScale(target.name, skipped=reason))
            continue
        out.append(run_target(target, server_cores, lambda t: peer_load(t, plan, idle, log)))
    return out


def peer_table(parley: Scale, found: Sequence[PeerScale]) -> Table:
    """Parley's row (with its idle sockets) beside each peer's, with the budget verdict."""
    table = Table(
        "Scale run: Parley and its peers, each one process with as many idle sockets (same run)",
        ["target", "idle sockets", "KiB per idle socket", "server idle CPU", "saturation, sends/s",
         "p99 at half, ms", "p99 < 50 ms?"],
    )

    def add(name: str, idle: int, per: float, r: Ramp) -> None:
        p99 = r.half.delivery.p99_ms if r.half and r.half.delivery else math.nan
        table.add(name, f"{idle:,}", fmt(per / 1024), f"{r.idle_cpu * 100:.0f}%", fmt(r.saturation), _ms(p99),
                  "yes" if within_budget(p99, BUDGET_P99_MS) else "NO")

    add("Parley (1 proc, SQLite, memory broker)", parley.idle, parley.bytes_per_idle, parley.with_idle)
    for peer in found:
        if peer.skipped:
            table.add(peer.name, peer.skipped[:60], "", "", "", "", "")
            continue
        add(peer.name, peer.idle, peer.bytes_per_idle, peer.with_idle)
    table.notes += [
        "Peers: idle sockets held like their own idle clients (Socket.IO answers the server's Engine.IO pings every",
        "  25 s; the bare relay has no heartbeat); Parley's ping every 20 s. Same ramp, same 100 two-person",
        "  conversations, latency from the intended send time. The peers store and check nothing.",
    ]
    table.notes += [f"  {p.name}: {p.idle:,} idle sockets ({p.failed} failed) in {p.connect_s:.1f} s; "
                    f"{p.still_open:,} still open after the ramp." for p in found if not p.skipped]
    return table
