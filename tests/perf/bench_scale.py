"""scale: tens of thousands of idle authenticated sockets on ONE Parley process, then a load on top of them.

`python -m tests.perf --only scale [--quick]`:
1. One Parley server process (SQLite + the in-process broker, started as `parley serve` runs), pinned to one
   core; the load's sockets (two-person conversations, the compiled client of fastclient.py) connect first.
2. On that fresh server, IDLE authenticated sockets are opened (users, friendships in pairs and tokens made in
   bulk: bulk.py) by helper processes on the generator's core (idle_holder.py: each from its own loopback
   source address, pinging like an idle widget): server RSS before and after, per socket.
3. A ramp with them connected: open-loop sends at rising rates, p50/p99 send -> delivery from each message's
   INTENDED send time (measure.py: no coordinated omission, a lost delivery is infinitely late), until a step
   saturates; the knee narrowed (saturation.next_probe); a step at half the saturation rate on its own.
   Budget: p99 < 50 ms at that half rate.
4. The idle sockets close; the same ramp without them (same server, load sockets and users: ratios of one run).
5. The peers (scale_peers.py): the bare room relay and python-socketio, one process each, with as many idle
   sockets of their own kind and the same ramp with them connected: memory per socket, saturation, p99 at half.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import fastclient
from .bench_server import Step, pinned, run_target
from .bulk import bulk_accounts
from .fastclient import FastConn
from .measure import CpuMeter, due, summarize
from .relay_targets import ROOT, ParleyTarget, Target, rss_kib
from .report import Table, fmt, fmt_ratio, ratio
from .saturation import idle_capacity, next_probe, saturation_rate, within_budget
from .stalls import OwnGc, StallReader, Stalls, stall_table

BUDGET_P99_MS = 50.0
TEXT = "a short message in a busy hour"
DRAIN_LIMIT = 10.0  # seconds to wait for a step's deliveries after its last send
SOCKETS_PER_HOLDER = 5_000  # idle sockets per helper process (and per loopback source address)
SETTLE_S = 20.0  # after the idle sockets are open, before the ramp: one presence poll and upkeep cycle
RESERVED_FDS = 300  # the server's descriptors besides sockets: listener, SQLite files of its connections, pipes


@dataclass
class Plan:
    """How big the scale run is."""

    idle: int  # idle sockets wanted
    pairs: int  # two-person conversations of the load
    rates: tuple[float, ...]  # sends/s, rising
    seconds: float  # per step
    refine: int  # extra steps to narrow the knee
    half_seconds: float  # the step at half the saturation rate

    @classmethod
    def pick(cls, quick: bool) -> Plan:
        idle = int(os.environ.get("PARLEY_BENCH_SCALE_IDLE", "0")) or (5_000 if quick else 20_000)
        if quick:
            return cls(idle, 50, (500, 1000, 2000, 4000, 8000), 1.5, 1, 3.0)
        return cls(idle, 100, (250, 500, 1000, 2000, 3000, 4000, 6000, 8000), 2.5, 2, 5.0)


@dataclass
class Ramp:
    """One rising-rate ramp: every step (rate -> step), the saturation rate and the half-rate step."""

    steps: list[Step] = field(default_factory=list)
    saturation: float = math.nan
    half: Step | None = None
    idle_cpu: float = math.nan  # share of a core the server used with no load (heartbeats, upkeep)
    stalls: dict[int, Stalls] = field(default_factory=dict)  # id(step) -> the server's GCs and loop stalls in it

    def probes(self) -> list[tuple[float, bool]]:
        return [(s.rate, s.is_saturated) for s in self.steps]


@dataclass
class Scale:
    """What the scale run measured."""

    plan: Plan
    wanted: int = 0
    idle: int = 0  # idle sockets connected
    failed: int = 0
    still_open: int = -1  # idle sockets still open after the loaded ramp
    connect_s: float = math.nan
    rss_before_kib: int = 0
    rss_after_kib: int = 0
    nofile: int = 0
    without: Ramp = field(default_factory=Ramp)
    with_idle: Ramp = field(default_factory=Ramp)
    phases: list[tuple[str, Stalls]] = field(default_factory=list)  # GCs and stalls outside the steps

    @property
    def bytes_per_idle(self) -> float:
        return (self.rss_after_kib - self.rss_before_kib) * 1024 / self.idle if self.idle else math.nan


# -- the load ---------------------------------------------------------------------------------------


async def quiet(meter: CpuMeter, floor: float, limit: float = 15.0) -> None:
    """Wait (at most `limit` s) until the server's CPU over 0.25 s is within 10% of a core of `floor` (its
    idle share: heartbeats and upkeep of the idle sockets), so a step's backlog is not billed to the next."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        meter.start()
        await asyncio.sleep(0.25)
        if meter.stop() / 0.25 < floor + 0.1:
            return


async def idle_share(meter: CpuMeter, seconds: float = 2.0) -> float:
    """The server's CPU over `seconds` with no load, as a share of one core."""
    meter.start()
    await asyncio.sleep(seconds)
    return meter.stop() / seconds


async def step(conns: Sequence[FastConn], senders: Sequence[tuple[int, str]], rate: float, seconds: float,
               meter: CpuMeter, floor: float) -> Step:
    """Send at a fixed `rate` (round-robin over senders: (connection, conversation)), open loop; wait for every
    delivery (bounded); latencies from the intended send times. Like bench_server.open_loop, with a settle
    that allows for the idle sockets' own CPU."""
    tag = f"z{secrets.token_hex(3)}"
    result = Step(rate)
    count = max(1, int(rate * seconds))
    intended: dict[str, float] = {}
    deliveries: dict[str, list[float]] = defaultdict(list)
    seen = {"msg": 0, "last": 0.0}

    def on_text(conn: FastConn, text: str, at: float) -> None:
        if tag not in text:
            return
        kind, cid = conn.dialect.classify(text)
        if kind == "msg" and cid is not None and cid.startswith(tag):
            deliveries[cid].append(at)
            seen["msg"] += 1
            seen["last"] = at

    for conn in conns:
        conn.ready(on_text)
    await quiet(meter, floor)
    meter.start()
    cpu0 = time.process_time()
    start = time.perf_counter() + 0.02
    sent = 0
    while sent < count:
        now = time.perf_counter()
        n = min(due(rate, start, now, sent, count), 500)
        if n == 0:
            await asyncio.sleep(start + sent / rate - now)
            continue
        for _ in range(n):
            index, conv = senders[sent % len(senders)]
            cid = f"{tag}-{sent}"
            intended[cid] = start + sent / rate
            conns[index].send_now(conns[index].dialect.send(conv, cid, TEXT))
            sent += 1
        result.lag_ms = max(result.lag_ms, (time.perf_counter() - (start + (sent - 1) / rate)) * 1e3)
        await asyncio.sleep(0)
    deadline = time.perf_counter() + DRAIN_LIMIT
    while seen["msg"] < count and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    result.server_cpu = meter.stop()
    result.wall = time.perf_counter() - start
    result.generator_cpu = (time.process_time() - cpu0) / result.wall
    await asyncio.sleep(0.05)  # a doubled delivery shows up now
    result.sent = result.expected = count
    result.delivered = min(seen["msg"], count)
    result.duplicates = sum(max(0, len(d) - 1) for d in deliveries.values())
    result.achieved = seen["msg"] / (seen["last"] - start) if seen["last"] > start else 0.0
    result.delivery = summarize(intended, deliveries, 1)
    return result


async def ramp(conns: Sequence[FastConn], senders: Sequence[tuple[int, str]], plan: Plan, meter: CpuMeter,
               label: str, log: Callable[[str], None], stalls: StallReader, own_gc: OwnGc) -> Ramp:
    """Rising rates until one saturates, `plan.refine` steps narrowing the knee, then half the saturation rate."""
    out = Ramp()
    out.idle_cpu = await idle_share(meter)
    log(f"  {label}: server idle at {out.idle_cpu:.0%} of a core")

    async def run(rate: float, seconds: float) -> Step:
        own_gc.take()
        s = await step(conns, senders, rate, seconds, meter, out.idle_cpu)
        end = time.time()
        out.stalls[id(s)] = found = stalls.window(end - s.wall - 0.05, end)
        found.generator_gc_ms = own_gc.take()
        p50, p99 = (s.delivery.p50_ms, s.delivery.p99_ms) if s.delivery else (math.nan, math.nan)
        mark = " saturated" if s.is_saturated else ""
        log(f"  {label} {rate:g}/s: p50 {p50:.2f} p99 {p99:.2f} ms, {s.achieved:.0f} delivered/s, "
            f"server CPU {s.server_cpu / s.wall:.0%}{mark}, generator late {s.lag_ms:.0f} ms; GCs {found.gc_count}, "
            f"gen2 max {found.gc_max_ms[2]:.0f} ms, {found.stalls} stalls, max {found.stall_max_ms:.0f} ms; "
            f"generator GC max {found.generator_gc_ms:.0f} ms")
        return s

    for rate in plan.rates:
        out.steps.append(await run(rate, plan.seconds))
        if out.steps[-1].is_saturated:
            break
    for _ in range(plan.refine):
        rate = next_probe(out.probes())
        if rate is None:
            break
        out.steps.append(await run(rate, plan.seconds))
    out.saturation = saturation_rate(out.probes())
    if not math.isnan(out.saturation):
        out.half = await run(round(out.saturation / 2), plan.half_seconds)
    return out


# -- idle sockets -----------------------------------------------------------------------------------


class Holders:
    """The helper processes holding the idle sockets (idle_holder.py), pinned to the generator's core(s)."""

    def __init__(self, dialect: str = "parley") -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        self.folder = Path(tempfile.mkdtemp(prefix="bench-scale-"))
        self.dialect = dialect  # what an idle client of the target does (idle_holder.py)

    async def open(self, port: int, tokens: Sequence[str | None]) -> tuple[int, int]:
        """Start one helper per SOCKETS_PER_HOLDER tokens (source addresses 127.0.0.2, ...); (opened, failed)."""
        cores = sorted(os.sched_getaffinity(0))
        for k, first in enumerate(range(0, len(tokens), SOCKETS_PER_HOLDER)):
            path = self.folder / f"tokens-{k}.json"
            path.write_text(json.dumps(list(tokens[first : first + SOCKETS_PER_HOLDER])))
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.perf.idle_holder", str(port), str(path), f"127.0.0.{2 + k}",
                 self.dialect],
                cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            os.sched_setaffinity(process.pid, cores)
            self.processes.append(process)
        opened = failed = 0
        for process in self.processes:
            assert process.stdout is not None
            line = await asyncio.to_thread(process.stdout.readline)
            words = line.split()
            if len(words) != 4 or words[0] != b"ready":
                raise RuntimeError(f"idle holder: {line!r}")
            opened, failed = opened + int(words[1]), failed + int(words[2])
        return opened, failed

    async def count_open(self) -> int:
        total = 0
        for process in self.processes:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(b"count\n")
            process.stdin.flush()
            line = await asyncio.to_thread(process.stdout.readline)
            total += int(line.split()[1])
        return total

    def close(self) -> None:
        """End the helpers (they close their sockets); idempotent."""
        if not self.folder.exists():
            return
        for process in self.processes:
            with contextlib.suppress(OSError):
                assert process.stdin is not None
                process.stdin.close()
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        for path in self.folder.iterdir():
            path.unlink()
        self.folder.rmdir()


async def make_idle_tokens(target: ParleyTarget, n: int) -> list[str]:
    from server.passwords import Passwords
    from server.store import open_store

    store = await open_store(target.database_url, passwords=Passwords.fast(), migrate=False)
    try:
        return await bulk_accounts(store, n)
    finally:
        await store.close()


async def keepalive(conns: Sequence[FastConn], every: float = 20.0) -> None:
    """Ping the load's sockets like a widget does: the relay closes a socket silent for two heartbeats (50 s),
    and opening the idle sockets takes longer than that."""
    ping = json.dumps({"t": "ping"})
    while True:
        await asyncio.sleep(every)
        for conn in conns:
            with contextlib.suppress(Exception):
                conn.send_now(ping)


async def scale_load(target: Target, plan: Plan, log: Callable[[str], None]) -> Scale:
    """Memory first (a fresh server: the load's garbage would be reused by the idle sockets and hide their
    cost), then the ramp with the idle sockets, then, once they are closed, the same ramp without them."""
    assert isinstance(target, ParleyTarget)
    result = Scale(plan)
    rooms = {f"p{p}": [2 * p, 2 * p + 1] for p in range(plan.pairs)}
    conns = await fastclient.open_fast(target, 2 * plan.pairs, rooms)
    senders = [(i, target.room_id(name)) for name, members in rooms.items() for i in members]
    meter = CpuMeter(target.pids)
    holders = Holders()
    stalls = StallReader(target.stall_log) if target.stall_log else StallReader(target.data_dir / "none")
    own_gc = OwnGc()
    phase = {"at": time.time()}

    def ended(name: str) -> None:
        now = time.time()
        result.phases.append((name, stalls.window(phase["at"], now)))
        phase["at"] = now

    pinger = asyncio.get_running_loop().create_task(keepalive(conns))
    try:
        own_gc.__enter__()
        result.nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]  # the server raises its soft limit to it
        result.wanted = plan.idle
        n = idle_capacity(plan.idle, result.nofile, len(conns), reserve=RESERVED_FDS)
        started = time.perf_counter()
        tokens = await make_idle_tokens(target, n)
        log(f"  {n:,} users, friendships and tokens made in {time.perf_counter() - started:.1f} s")
        await asyncio.sleep(1.0)
        result.rss_before_kib = sum(rss_kib(pid) for pid in target.pids)
        started = time.perf_counter()
        ended("start-up, accounts made")
        result.idle, result.failed = await holders.open(target.ports[0], tokens)
        result.connect_s = time.perf_counter() - started
        ended("idle sockets connecting")
        await asyncio.sleep(2.0)
        result.rss_after_kib = sum(rss_kib(pid) for pid in target.pids)
        log(f"  {result.idle:,} idle sockets in {result.connect_s:.1f} s ({result.failed} failed), "
            f"{result.bytes_per_idle / 1024:.1f} KiB each")
        await asyncio.sleep(SETTLE_S)  # connecting left garbage collections and a first presence poll due
        ended(f"{SETTLE_S:g} s settling, no load")
        await step(conns, senders, 300, 0.5, meter, 1.0)  # warm-up
        label = f"with {result.idle:,} idle sockets"
        result.with_idle = await ramp(conns, senders, plan, meter, label, log, stalls, own_gc)
        phase["at"] = time.time()
        result.still_open = await holders.count_open()
        holders.close()
        started = time.perf_counter()
        await asyncio.sleep(2.0)
        await quiet(meter, -0.05, limit=120.0)  # under 5% of a core: the server has forgotten them
        log(f"  idle sockets closed; the server was done with them {time.perf_counter() - started:.0f} s later")
        ended("idle sockets closing")
        result.without = await ramp(conns, senders, plan, meter, "without idle sockets", log, stalls, own_gc)
    finally:
        own_gc.__exit__()
        pinger.cancel()
        holders.close()
        await fastclient.close_all(conns)
    return result


# -- the tables -------------------------------------------------------------------------------------


def _ms(value: float) -> str:
    if math.isinf(value):
        return "inf"
    return fmt(value, 2 if value < 10 else 1)


def tables(scale: Scale, note: str) -> list[Table]:
    plan = scale.plan
    steps = Table(
        f"Scale run: one Parley process (SQLite, memory broker), {plan.pairs} two-person conversations open-loop, "
        f"without and with {scale.idle:,} idle sockets",
        ["idle sockets", "sends/s", "delivered/s", "p50 ms", "p99 ms", "lost", "server CPU", "saturated?"],
    )
    for label, r in ((0, scale.without), (scale.idle, scale.with_idle)):
        ordered = sorted(r.steps, key=lambda s: s.rate)
        for s in ordered + ([r.half] if r.half else []):
            d = s.delivery
            half = " (half sat.)" if s is r.half else ""
            steps.add(f"{label:,}", f"{fmt(s.rate)}{half}", fmt(s.achieved), _ms(d.p50_ms) if d else "-",
                      _ms(d.p99_ms) if d else "-", d.lost if d else "-", f"{s.server_cpu / s.wall * 100:.0f}%",
                      "yes" if s.is_saturated else "no")
    steps.notes += [
        "Latency from each message's intended send time (a late generator or a stalled server both show); a lost",
        "  delivery counts as infinite. saturated: delivered < 90% of the offered rate, something lost, or p99 > 1 s.",
        "Rates rise until one saturates; then steps between the highest kept and the lowest saturated rate narrow",
        "  the knee; the last row of each block is a separate step at half the saturation rate.",
        note,
    ]
    verdict = Table(
        "Scale run: budget (p99 send->delivery < 50 ms at half the saturation rate, idle sockets connected)",
        ["idle sockets", "server idle CPU", "saturation, sends/s", "half, sends/s", "p99 at half, ms",
         "p99 < 50 ms?"],
    )
    for label, r in ((0, scale.without), (scale.idle, scale.with_idle)):
        p99 = r.half.delivery.p99_ms if r.half and r.half.delivery else math.nan
        verdict.add(f"{label:,}", f"{r.idle_cpu * 100:.0f}%", fmt(r.saturation),
                    fmt(r.half.rate) if r.half else "-", _ms(p99), "yes" if within_budget(p99, BUDGET_P99_MS) else "NO")
    sat_ratio = ratio(scale.with_idle.saturation, scale.without.saturation)
    p99s = [r.half.delivery.p99_ms if r.half and r.half.delivery else math.nan
            for r in (scale.with_idle, scale.without)]
    verdict.notes += [
        f"saturation with / without the idle sockets: {fmt_ratio(sat_ratio)}; p99 at half saturation, with / "
        f"without: {fmt_ratio(ratio(*p99s))}.",
        f"idle sockets: {scale.idle:,} connected of {scale.wanted:,} wanted ({scale.failed} failed), in "
        f"{scale.connect_s:.1f} s; {scale.still_open:,} still open after the loaded ramp.",
        f"  Each pings every 20 s like an idle widget. RLIMIT_NOFILE here: {scale.nofile:,} (hard) per process.",
    ]
    memory = Table(
        "Scale run: server memory per idle socket (RSS growth / sockets)",
        ["idle sockets", "RSS before, MiB", "RSS after, MiB", "KiB per socket", "target <= 16 KB?"],
    )
    per = scale.bytes_per_idle
    memory.add(f"{scale.idle:,}", fmt(scale.rss_before_kib / 1024), fmt(scale.rss_after_kib / 1024),
               fmt(per / 1024), "-" if math.isnan(per) else ("yes" if per / 1000 <= 16 else "NO"))
    memory.notes.append("RSS of the server process (/proc/PID/status) before opening the idle sockets and 2 s after "
                        "the last was welcomed.")
    rows: list[tuple[str, str, Stalls | None]] = [(name, "-", s) for name, s in scale.phases]
    for label, r in ((f"{scale.idle:,} idle", scale.with_idle), ("0 idle", scale.without)):
        ordered = sorted(r.steps, key=lambda s: s.rate)
        for s in ordered + ([r.half] if r.half else []):
            rows.append((label + (" (half sat.)" if s is r.half else ""), fmt(s.rate), r.stalls.get(id(s))))
    stall = stall_table("Scale run: the server's garbage collections and event-loop stalls, per phase and step", rows)
    return [steps, verdict, memory, stall]


def run(quick: bool, runs: int, log: Callable[[str], None]) -> list[Table]:
    plan = Plan.pick(quick)
    load = _load()
    target = ParleyTarget()
    target.stall_log = target.data_dir / "stalls.log"
    if target.pending_reason():
        raise RuntimeError(target.pending_reason())

    def body(server_cores: set[int] | None) -> tuple[Scale, list[PeerScale], str]:
        scale = run_target(target, server_cores, lambda t: scale_load(t, plan, log))
        found = run_peers(plan, scale.idle, server_cores, log)
        note = (f"Server on core(s) {sorted(server_cores)}, generator and idle holders on the other(s)."
                if server_cores else "Single core: server and generator share it.")
        return scale, found, f"{note} Load average at the start: {load}; at the end: {_load()}."

    from .scale_peers import PeerScale, peer_table, run_peers  # imports this module

    scale, found, note = pinned(body)
    return [*tables(scale, note), peer_table(scale, found)]


def _load() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"

