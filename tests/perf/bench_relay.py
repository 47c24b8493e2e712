"""Relay benchmarks: the same loads against every target in relay_targets.py, side by side in one run.

Loads (all JSON text frames, compression off, loopback only; servers pinned to one core, this load
generator to the other(s)):
- round trip: one sender and one friend, one message at a time: send -> ack, send -> delivery (µs);
  the bare echo's send -> echo is the floor;
- fan-out: one sender, one room of 100 / 1,000 members: time until the last member has the message;
- mixed: many two-person conversations plus a few groups, every sender closed-loop (next send after its
  ack): messages delivered to recipients per second;
- idle memory: server RSS growth for N idle, connected (and, for Parley, authenticated) sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .relay_targets import (
    BareEcho,
    BareRoom,
    Conn,
    ParleyTarget,
    Pending,
    SocketIO,
    Target,
    cores,
    rss_kib,
)
from .report import Table, fmt_ratio, median, percentile, ratio, verdict

RTT_LIMIT = 1.5
FANOUT_LIMIT_US = 5.0
IDLE_LIMIT_KB = 16.0
THROUGHPUT_FACTOR = 5.0
TIMEOUT = 30.0
BARE_ROOM = "bare Starlette room relay"
MIXED_PEERS = {  # each Parley setup's like-for-like python-socketio setup
    "Parley (1 proc, SQLite, memory broker)": "python-socketio",
    "Parley (2 procs, PostgreSQL + Redis)": "python-socketio + Redis",
}


@dataclass
class Sizes:
    """How much of each load to run (quick or full)."""

    runs: int
    rtt_iterations: int
    fanout: tuple[int, ...]
    fanout_reps: int
    mixed_seconds: float
    mixed_pairs: int
    mixed_groups: int
    group_size: int
    group_senders: int
    idle_conns: int

    @classmethod
    def pick(cls, quick: bool, runs: int) -> Sizes:
        if quick:
            return cls(runs, 300, (100, 1000), 3, 1.5, 100, 4, 25, 5, 500)
        return cls(runs, 1000, (100, 1000), 5, 3.0, 200, 8, 25, 5, 5000)


@dataclass
class Result:
    """One target's figures; `pending` holds a reason per load it could not run."""

    rtt_ack: list[float] = field(default_factory=list)  # per-run medians, µs
    rtt_ack_p99: list[float] = field(default_factory=list)
    rtt_delivery: list[float] = field(default_factory=list)
    rtt_delivery_p99: list[float] = field(default_factory=list)
    fanout_ms: dict[int, list[float]] = field(default_factory=dict)
    fanout_server_us: dict[int, list[float]] = field(default_factory=dict)  # per recipient, server-side
    delivered_per_s: list[float] = field(default_factory=list)
    generator_cpu: list[float] = field(default_factory=list)  # load generator CPU time / wall time, per run
    idle_bytes_per_conn: float = float("nan")
    idle_conns: int = 0
    pending: dict[str, str] = field(default_factory=dict)


# -- loads ------------------------------------------------------------------------------------------


async def close_all(conns: Sequence[Conn]) -> None:
    await asyncio.gather(*(c.close() for c in conns))


class Waiter:
    """Futures keyed by (kind, cid), resolved with the time the frame arrived."""

    def __init__(self) -> None:
        self.futures: dict[tuple[str, str | None], asyncio.Future[float]] = {}

    def expect(self, kind: str, cid: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.futures[(kind, cid)] = future
        return future

    def __call__(self, conn: Conn, kind: str, cid: str | None, at: float) -> None:
        if kind == "echo":
            kind = "ack"
        future = self.futures.pop((kind, cid), None)
        if future is not None and not future.done():
            future.set_result(at)


async def round_trip(target: Target, sizes: Sizes, result: Result) -> None:
    """Sequential messages between two friends (or to the echo); per-run median and p99 in µs."""
    echo = target.supports_echo
    conns = await target.open(1) if echo else await target.open(2, {"rtt": [0, 1]})
    waiter = Waiter()
    for conn in conns:
        conn.on_frame = waiter
    room = target.room_id("rtt")
    try:
        for run in range(sizes.runs + 1):  # run 0 warms up
            acks: list[float] = []
            deliveries: list[float] = []
            for i in range(sizes.rtt_iterations):
                cid = f"r{run}-{i}"
                ack = waiter.expect("ack", cid)
                delivered = None if echo else waiter.expect("msg", cid)
                frame = conns[0].dialect.echo(cid) if echo else conns[0].dialect.send(room, cid, "hello there")
                start = time.perf_counter()
                await conns[0].ws.send(frame)
                acks.append((await asyncio.wait_for(ack, TIMEOUT) - start) * 1e6)
                if delivered is not None:
                    deliveries.append((await asyncio.wait_for(delivered, TIMEOUT) - start) * 1e6)
            if run == 0:
                continue
            result.rtt_ack.append(median(acks))
            result.rtt_ack_p99.append(percentile(acks, 99))
            if deliveries:
                result.rtt_delivery.append(median(deliveries))
                result.rtt_delivery_p99.append(percentile(deliveries, 99))
    finally:
        await close_all(conns)


async def fan_out(target: Target, members: int, sizes: Sizes, result: Result) -> None:
    """One sender, `members` recipients in one room: time until the last one has each message."""
    conns = await target.open(members + 1, {"fan": list(range(members + 1))})
    room = target.room_id("fan")
    state: dict[str, Any] = {}

    def on_frame(conn: Conn, kind: str, cid: str | None, at: float) -> None:
        if kind == "msg" and cid == state["cid"]:
            state["left"] -= 1
            if state["left"] == 0:
                state["done"].set_result(at)

    for conn in conns:
        conn.on_frame = on_frame
    times = result.fanout_ms.setdefault(members, [])
    server_side = getattr(target, "server_fanout", None)
    try:
        for rep in range(sizes.runs * sizes.fanout_reps + 1):  # rep 0 warms up
            if server_side is not None:
                server_side()
            state.update(cid=f"f{members}-{rep}", left=members, done=asyncio.get_running_loop().create_future())
            start = time.perf_counter()
            await conns[0].ws.send(conns[0].dialect.send(room, state["cid"], "to everyone"))
            last = await asyncio.wait_for(state["done"], TIMEOUT)
            if rep:
                times.append((last - start) * 1e3)
            await asyncio.sleep(0.05)
            if rep and server_side is not None:
                # frames pushed and time from commit to the last push, summed over the target's processes
                found = server_side()
                pushed = sum(n for n, _ in found)
                if pushed:
                    result.fanout_server_us.setdefault(members, []).append(max(t for _, t in found) * 1e6 / pushed)
    finally:
        await close_all(conns)


def mixed_plan(sizes: Sizes) -> tuple[int, dict[str, list[int]], list[int]]:
    """(connections, rooms, senders): pairs where both talk, groups where a few members talk."""
    rooms: dict[str, list[int]] = {}
    senders: list[int] = []
    for p in range(sizes.mixed_pairs):
        rooms[f"p{p}"] = [2 * p, 2 * p + 1]
        senders += [2 * p, 2 * p + 1]
    base = 2 * sizes.mixed_pairs
    for g in range(sizes.mixed_groups):
        members = list(range(base + g * sizes.group_size, base + (g + 1) * sizes.group_size))
        rooms[f"g{g}"] = members
        senders += members[: sizes.group_senders]
    return base + sizes.mixed_groups * sizes.group_size, rooms, senders


async def mixed(target: Target, sizes: Sizes, result: Result) -> None:
    """Closed-loop senders over many small conversations and a few groups: delivered messages/s.

    Every acknowledged message must reach each other member of its room: a run waits for exactly that many
    deliveries and fails the load if any is missing or extra. Client ids are unique per run, so no send is
    ever a retry of an earlier one (Parley acknowledges a retry without delivering it again)."""
    n, rooms, senders = mixed_plan(sizes)
    conns = await target.open(n, rooms)
    sender_room: dict[int, tuple[str, int]] = {}
    for name, members in rooms.items():
        for i in members:
            sender_room.setdefault(i, (target.room_id(name), len(members) - 1))
    counts = {"delivered": 0, "expected": 0}
    last = {"at": 0.0}
    settled: dict[str, asyncio.Future[None] | None] = {"future": None}
    waiter = Waiter()

    def check_settled() -> None:
        future = settled["future"]
        if future is not None and not future.done() and counts["delivered"] >= counts["expected"]:
            future.set_result(None)

    def on_frame(conn: Conn, kind: str, cid: str | None, at: float) -> None:
        if kind == "msg":
            counts["delivered"] += 1
            last["at"] = at
            check_settled()
        else:
            waiter(conn, kind, cid, at)

    for conn in conns:
        conn.on_frame = on_frame

    async def sender(i: int, run: int, stop_at: float) -> None:
        conn, (room, others), k = conns[i], sender_room[i], 0
        while time.perf_counter() < stop_at:
            k += 1
            cid = f"m{run}-{i}-{k}"
            ack = waiter.expect("ack", cid)
            await conn.ws.send(conn.dialect.send(room, cid, "a short message in a busy hour"))
            await asyncio.wait_for(ack, TIMEOUT)
            counts["expected"] += others

    try:
        for run in range(sizes.runs + 1):  # run 0 warms up (shorter)
            seconds = sizes.mixed_seconds if run else min(1.0, sizes.mixed_seconds)
            counts.update(delivered=0, expected=0)
            start, cpu_start = time.perf_counter(), time.process_time()
            stop_at = start + seconds
            await asyncio.gather(*(sender(i, run, stop_at) for i in senders))
            settled["future"] = done = asyncio.get_running_loop().create_future()
            check_settled()
            with contextlib.suppress(TimeoutError):  # a shortfall is reported just below
                await asyncio.wait_for(done, TIMEOUT)
            await asyncio.sleep(0.2)  # anything extra (a duplicate delivery) shows up now
            if counts["delivered"] != counts["expected"]:
                raise RuntimeError(
                    f"run {run}: {counts['delivered']} deliveries for {counts['expected']} expected "
                    "(acknowledged messages x other members)"
                )
            if run:
                result.delivered_per_s.append(counts["delivered"] / (last["at"] - start))
                result.generator_cpu.append((time.process_time() - cpu_start) / (time.perf_counter() - start))
    finally:
        await close_all(conns)


async def idle_memory(target: Target, n: int, result: Result) -> None:
    """Server RSS growth per idle socket (all target processes summed)."""
    await close_all(await target.open(20))
    await asyncio.sleep(0.5)
    before = sum(rss_kib(pid) for pid in target.pids)
    conns = await target.open(n)
    await asyncio.sleep(1.0)
    after = sum(rss_kib(pid) for pid in target.pids)
    result.idle_bytes_per_conn = (after - before) * 1024 / n
    result.idle_conns = n
    await close_all(conns)


# -- driver -----------------------------------------------------------------------------------------


def targets() -> list[Target]:
    """Every target; PARLEY_BENCH_TARGETS=word,word keeps those whose name contains one of the words."""
    every = [BareEcho(), BareEcho("websockets-sansio"), BareEcho("wsproto"), BareRoom(), SocketIO(),
             SocketIO(redis=True), ParleyTarget(), ParleyTarget(scaled=True)]
    words = [w for w in os.environ.get("PARLEY_BENCH_TARGETS", "").split(",") if w]
    return [t for t in every if not words or any(w in t.name for w in words)]


def raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def run_loads(target: Target, sizes: Sizes, result: Result, log: Callable[[str], None]) -> None:
    loads: list[tuple[str, Any]] = [("idle", lambda: idle_memory(target, sizes.idle_conns, result)),
                                    ("rtt", lambda: round_trip(target, sizes, result))]
    if not target.supports_echo:
        loads += [(f"fanout{m}", (lambda m=m: fan_out(target, m, sizes, result))) for m in sizes.fanout]
        loads += [("mixed", lambda: mixed(target, sizes, result))]
    only = [w for w in os.environ.get("PARLEY_BENCH_LOADS", "").split(",") if w]  # e.g. "rtt,mixed"
    for name, load in loads:
        if only and name not in only:
            result.pending[name] = "not run (PARLEY_BENCH_LOADS)"
            continue
        started = time.perf_counter()
        try:
            await load()
        except Pending as why:
            result.pending[name] = str(why)
        except Exception as error:  # a failed load is reported in its row, the rest still runs
            result.pending[name] = f"failed: {type(error).__name__}: {error}"[:120]
        gc.collect()
        log(f"  {target.name}: {name} {time.perf_counter() - started:.1f}s")


def run(quick: bool, runs: int, log: Callable[[str], None]) -> list[Table]:
    """Run every relay load on every target; returns the tables."""
    sizes = Sizes.pick(quick, runs)
    raise_nofile()
    server_cores, client_cores = cores()
    old_affinity = os.sched_getaffinity(0)
    results: dict[str, Result] = {}
    all_targets = targets()
    try:
        if client_cores:
            os.sched_setaffinity(0, client_cores)
        for target in all_targets:
            result = results[target.name] = Result()
            reason = target.pending_reason()
            if reason:
                result.pending["all"] = reason
                continue
            log(f"relay: {target.name}")
            try:
                target.start(server_cores)
                with asyncio.Runner(loop_factory=_loop_factory()) as runner:
                    runner.run(run_loads(target, sizes, result, log))
            except Exception as error:
                result.pending["all"] = f"failed: {type(error).__name__}: {error}"[:120]
            finally:
                target.stop()
    finally:
        os.sched_setaffinity(0, old_affinity)
    note = (f"server pinned to core(s) {sorted(server_cores)}, load generator to {sorted(client_cores)}"
            if server_cores and client_cores else "single core: server and load generator share it")
    return tables(results, sizes, note)


def _loop_factory() -> Any:
    with contextlib.suppress(ImportError):
        import uvloop

        return uvloop.new_event_loop
    return None


# -- tables -----------------------------------------------------------------------------------------


class Reasons:
    """Why rows are pending or failed: a short cell in the row, the reason once in the table's notes."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, name: str, result: Result, load: str) -> str | None:
        why = result.pending.get("all") or result.pending.get(load)
        if why is None:
            return None
        line = f"{name}: {why}"
        if line not in self.lines:
            self.lines.append(line)
        return "failed" if why.startswith("failed") else "pending"


def _is_parley(name: str) -> bool:
    return name.startswith("Parley")


def tables(results: dict[str, Result], sizes: Sizes, note: str) -> list[Table]:
    echo = results.get(BareEcho.name, Result())
    floor = median(echo.rtt_ack)
    pending = Reasons()
    rtt = Table(
        f"Relay round trip, µs (median of {sizes.runs} runs x {sizes.rtt_iterations} sequential messages)",
        ["target", "send->ack", "p99", "send->delivery", "p99", "ack/echo", "delivery/echo",
         f"target <= {RTT_LIMIT}x echo?"],
    )
    for name, r in results.items():
        why = pending(name, r, "rtt")
        if why:
            rtt.add(name, why, "", "", "", "", "", "")
            continue
        ack_ratio, del_ratio = ratio(median(r.rtt_ack), floor), ratio(median(r.rtt_delivery), floor)
        target = "-"
        if _is_parley(name):
            target = "yes" if max(ack_ratio, del_ratio) <= RTT_LIMIT else "NO"
        rtt.add(name, median(r.rtt_ack), median(r.rtt_ack_p99), median(r.rtt_delivery),
                median(r.rtt_delivery_p99), "floor" if name == BareEcho.name else fmt_ratio(ack_ratio),
                fmt_ratio(del_ratio), target)
    rtt.notes += [note, "echo: send -> the same frame back, the floor; ratios use the echo's median of the same run."]
    rtt.notes += pending.lines
    pending.lines = []

    fan = Table(
        f"Fan-out to one room (median of {sizes.runs * sizes.fanout_reps} messages)",
        ["target", "members", "last member after, ms", "µs per recipient", "server µs per recipient",
         f"target <= {FANOUT_LIMIT_US:g} µs?"],
    )
    for name, r in results.items():
        if "echo" in name:
            continue
        for members in sizes.fanout:
            why = pending(name, r, f"fanout{members}")
            if why:
                fan.add(name, members, why, "", "", "")
                continue
            ms = median(r.fanout_ms.get(members, []))
            per = ms * 1000 / members
            server = median(r.fanout_server_us.get(members, [])) if r.fanout_server_us.get(members) else None
            fan.add(name, members, ms, per, "-" if server is None else server,
                    verdict(server, FANOUT_LIMIT_US) if _is_parley(name) and server is not None else "-")
    fan.notes += [
        "from the send to the last member's receipt, in the load generator: includes its own reads.",
        "server µs per recipient: in the Parley process, from the commit until the frame was queued on the last",
        "  local socket, divided by the frames queued (PARLEY_BENCH_FANOUT_LOG); the budget applies to this.",
    ]
    fan.notes += pending.lines
    pending.lines = []

    def throughput(name: str) -> float:
        return median(results.get(name, Result()).delivered_per_s)

    base = throughput("python-socketio")
    n, _rooms, senders = mixed_plan(sizes)
    mix = Table(
        f"Mixed load: delivered messages/s (median of {sizes.runs} runs x {sizes.mixed_seconds:g} s)",
        ["target", "delivered/s", "vs python-socketio", "vs its peer", "vs bare relay", "generator CPU",
         f"target >= {THROUGHPUT_FACTOR:g}x socketio?"],
    )
    for name, r in results.items():
        if "echo" in name:
            continue
        why = pending(name, r, "mixed")
        if why:
            mix.add(name, why, "", "", "", "", "")
            continue
        value = median(r.delivered_per_s)
        peer = MIXED_PEERS.get(name)
        mix.add(name, value, fmt_ratio(ratio(value, base)),
                fmt_ratio(ratio(value, throughput(peer))) if peer else "-",
                fmt_ratio(ratio(value, throughput(BARE_ROOM))),
                f"{median(r.generator_cpu) * 100:.0f}%",
                verdict(ratio(value, base), THROUGHPUT_FACTOR, at_least=True) if _is_parley(name) else "-")
    mix.notes += [
        f"{n} sockets: {sizes.mixed_pairs} two-person conversations (both talk) + {sizes.mixed_groups} groups of "
        f"{sizes.group_size} ({sizes.group_senders} talk); {len(senders)} closed-loop senders (next send after ack).",
        "Each run waits for every acknowledged message to reach each other member of its room exactly once; a",
        "  missing or extra delivery fails the load. Client ids are unique per run (a reused id is a retry, which",
        "  Parley acknowledges without delivering again).",
        "vs its peer: the python-socketio setup with the same shape (one process in memory; Redis manager).",
        "vs bare relay: a Starlette room relay that keeps nothing; what this load generator can drive.",
        "generator CPU: the load generator's CPU time over wall time (100% = one core saturated).",
    ]
    mix.notes += pending.lines
    pending.lines = []

    idle = Table(
        "Idle memory per connection (server RSS growth / connections)",
        ["target", "connections", "KiB per connection", f"target <= {IDLE_LIMIT_KB:g} KB?"],
    )
    for name, r in results.items():
        why = pending(name, r, "idle")
        if why:
            idle.add(name, why, "", "")
            continue
        kib = r.idle_bytes_per_conn / 1024
        idle.add(name, r.idle_conns, kib,
                 verdict(r.idle_bytes_per_conn / 1000, IDLE_LIMIT_KB) if _is_parley(name) else "-")
    idle.notes.append("RSS from /proc/PID/status before and 1 s after opening the sockets (summed over processes).")
    idle.notes += pending.lines
    return [rtt, fan, mix, idle]
