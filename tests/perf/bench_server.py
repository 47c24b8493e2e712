"""What the server costs, measured so the load generator's speed does not decide the figures.

Sections (`python -m tests.perf --only cpu,curve,storm`):
- cpu    server CPU per delivered message: the mixed load of bench_relay.py (pairs + groups), sent open-loop at
         fixed rates by a compiled client (picows); CPU seconds of the target's processes (/proc/PID/stat) over
         the deliveries. Parley vs python-socketio and vs the bare room relay, on both Parley setups.
- curve  latency vs offered rate: two-person conversations, open-loop at rising rates until the target no
         longer keeps up; p50/p99 send->delivery from each message's INTENDED send time (no coordinated
         omission); drawn as a PNG with matplotlib (PARLEY_BENCH_CHART, default in $TMPDIR).
- storm  N reconnects with resume arriving within one second: until all are welcomed and caught up, nothing
         lost or doubled; the access-token check's share of the server's CPU per reconnect.

Servers are pinned to one core, this generator to the other(s), as in bench_relay.py. Loopback only; every
loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import secrets
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import fastclient
from .bench_relay import Sizes, _loop_factory, mixed_plan, raise_nofile
from .fastclient import FastConn
from .measure import CpuMeter, LatencySummary, due, per_cpu_second, saturated, summarize
from .relay_targets import BareRoom, ParleyTarget, SocketIO, Target, cores
from .report import Table, fmt, fmt_ratio, median, ratio, verdict
from .stalls import StallReader, Stalls, stall_table

CPU_FACTOR = 5.0  # Parley >= 5x python-socketio's messages per server CPU-second
BARE_FACTOR = 0.7  # Parley >= 0.7x the bare room relay's
TEXT = "a short message in a busy hour"
DRAIN_LIMIT = 20.0  # seconds to wait for the deliveries of one step after its last send
SETUPS = (  # (setup, Parley target, its python-socketio peer)
    ("SQLite, 1 process", "Parley (1 proc, SQLite, memory broker)", "python-socketio"),
    ("PostgreSQL + Redis, 2 processes", "Parley (2 procs, PostgreSQL + Redis)", "python-socketio + Redis (2 procs)"),
)
BARE = BareRoom.name


@dataclass
class Plan:
    """How much of each section to run."""

    runs: int
    cpu_rates: tuple[float, ...]  # sends/s
    cpu_seconds: float
    curve_rates: tuple[float, ...]
    curve_seconds: float
    curve_pairs: int
    storm: int

    @classmethod
    def pick(cls, quick: bool, runs: int) -> Plan:
        if quick:
            return cls(1, (300.0, 1000.0), 1.5, (500, 1000, 2000, 4000, 8000), 1.0, 100, 300)
        return cls(min(runs, 3), (300.0, 1500.0), 3.0, (250, 500, 1000, 2000, 3000, 4000, 6000, 8000, 12000, 16000),
                   3.0, 200, int(os.environ.get("PARLEY_BENCH_STORM", "2000")))


@dataclass
class Step:
    """One fixed-rate run against one target."""

    rate: float
    sent: int = 0
    delivered: int = 0
    expected: int = 0
    duplicates: int = 0
    achieved: float = math.nan  # deliveries/s, first intended send -> last delivery
    server_cpu: float = math.nan  # CPU seconds of the target's processes
    db_cpu: float = math.nan  # CPU seconds of its PostgreSQL backends (Parley on PostgreSQL only)
    wall: float = math.nan
    generator_cpu: float = math.nan  # share of one core
    lag_ms: float = 0.0  # how late the generator sent its latest message, worst case
    delivery: LatencySummary | None = None
    ack: LatencySummary | None = None

    @property
    def cpu_us_per_delivery(self) -> float:
        return self.server_cpu * 1e6 / self.delivered if self.delivered else math.nan

    @property
    def per_cpu_s(self) -> float:
        return per_cpu_second(self.delivered, self.server_cpu)

    @property
    def is_saturated(self) -> bool:
        return self.delivery is None or saturated(self.rate * self.expected / max(self.sent, 1), self.achieved,
                                                  self.delivery)


@dataclass
class Outcome:
    steps: dict[float, list[Step]] = field(default_factory=dict)  # rate -> runs
    failed: str | None = None
    stalls: dict[float, Stalls] = field(default_factory=dict)  # rate -> the server's GCs and loop stalls (curve)


# -- helpers ----------------------------------------------------------------------------------------


async def postgres_backends(target: Target) -> list[int]:
    """PIDs of the PostgreSQL backends connected to a Parley target's database (none on SQLite)."""
    url = getattr(target, "pg_url", None)
    if not url:
        return []
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                "AND pid <> pg_backend_pid()")
        return [int(r["pid"]) for r in rows]
    finally:
        await conn.close()


async def settle(meter: CpuMeter, limit: float = 30.0) -> None:
    """Wait (at most `limit` s) until the target's processes are idle: under 10% of a core over 0.25 s."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        meter.start()
        await asyncio.sleep(0.25)
        if meter.stop() < 0.025:
            return


async def open_loop(conns: Sequence[FastConn], senders: Sequence[tuple[int, str, int]], rate: float,
                    seconds: float, tag: str, meters: Sequence[CpuMeter]) -> Step:
    """Send at a fixed `rate` (round-robin over `senders`: (connection, room id, other members)) for `seconds`;
    wait for every delivery (bounded); latencies from the intended send times."""
    step = Step(rate)
    count = max(1, int(rate * seconds))
    intended: dict[str, float] = {}
    expected_each: dict[str, int] = {}
    deliveries: dict[str, list[float]] = defaultdict(list)
    acks: dict[str, list[float]] = defaultdict(list)
    seen = {"msg": 0, "ack": 0}
    last = {"at": 0.0}

    def on_text(conn: FastConn, text: str, at: float) -> None:
        kind, cid = conn.dialect.classify(text)
        if cid is None or not cid.startswith(tag):
            return
        if kind == "msg":
            deliveries[cid].append(at)
            seen["msg"] += 1
            last["at"] = at
        elif kind == "ack":
            acks[cid].append(at)
            seen["ack"] += 1

    for conn in conns:
        conn.ready(on_text)
    await settle(meters[0])  # a backlog left by the previous step must not bill this one
    for meter in meters:
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
            index, room, others = senders[sent % len(senders)]
            cid = f"{tag}-{sent}"
            intended[cid] = start + sent / rate
            expected_each[cid] = others
            conns[index].send_now(conns[index].dialect.send(room, cid, TEXT))
            sent += 1
        step.lag_ms = max(step.lag_ms, (time.perf_counter() - (start + (sent - 1) / rate)) * 1e3)
        await asyncio.sleep(0)
    expected = sum(expected_each.values())
    deadline = time.perf_counter() + DRAIN_LIMIT
    while (seen["msg"] < expected or seen["ack"] < count) and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    cpu = [meter.stop() for meter in meters]
    step.wall = time.perf_counter() - start
    step.generator_cpu = (time.process_time() - cpu0) / step.wall
    await asyncio.sleep(0.1)  # a doubled delivery shows up now
    step.sent, step.expected = count, expected
    step.delivered = min(seen["msg"], expected)
    step.duplicates = sum(max(0, len(deliveries[c]) - n) for c, n in expected_each.items())
    step.server_cpu = cpu[0]
    if len(cpu) > 1:
        step.db_cpu = cpu[1]
    step.achieved = seen["msg"] / (last["at"] - start) if last["at"] > start else 0.0
    step.delivery = summarize(intended, deliveries, expected_each)
    step.ack = summarize(intended, acks, 1)
    return step


def run_target(target: Target, server_cores: set[int] | None, body: Callable[[Target], Any]) -> Any:
    """Start the target, run `body(target)` (a coroutine function) on uvloop, stop the target."""
    target.start(server_cores)
    try:
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            return runner.run(body(target))
    finally:
        target.stop()


def pinned(run: Callable[[set[int] | None], Any]) -> Any:
    """Run with this process on the generator core(s) and the servers on the other."""
    raise_nofile()
    server_cores, client_cores = cores()
    old = os.sched_getaffinity(0)
    try:
        if client_cores:
            os.sched_setaffinity(0, client_cores)
        return run(server_cores)
    finally:
        os.sched_setaffinity(0, old)


def cpu_targets() -> list[Target]:
    every: list[Target] = [BareRoom(), SocketIO(), SocketIO(redis=True, processes=2), ParleyTarget(),
                           ParleyTarget(scaled=True)]
    words = [w for w in os.environ.get("PARLEY_BENCH_TARGETS", "").split(",") if w]
    return [t for t in every if not words or any(w in t.name for w in words)]


# -- cpu: server CPU per delivered message ----------------------------------------------------------


async def cpu_load(target: Target, plan: Plan, sizes: Sizes, log: Callable[[str], None]) -> Outcome:
    n, rooms, sender_ids = mixed_plan(sizes)
    conns = await fastclient.open_fast(target, n, rooms)
    beats = asyncio.get_running_loop().create_task(fastclient.keep_alive(conns))
    room_of: dict[int, tuple[str, int]] = {}
    for name, members in rooms.items():
        for i in members:
            room_of.setdefault(i, (target.room_id(name), len(members) - 1))
    senders = [(i, *room_of[i]) for i in sender_ids]
    meters = [CpuMeter(target.pids)]
    outcome = Outcome()
    try:
        await open_loop(conns, senders, 300, 0.5, f"w{secrets.token_hex(3)}", meters)  # warm-up
        backends = await postgres_backends(target)
        if backends:
            meters.append(CpuMeter(backends))
        for run in range(plan.runs):
            for rate in plan.cpu_rates:
                step = await open_loop(conns, senders, rate, plan.cpu_seconds, f"c{run}{secrets.token_hex(3)}",
                                       meters)
                outcome.steps.setdefault(rate, []).append(step)
                log(f"  {target.name} {rate:g}/s: {step.delivered}/{step.expected} delivered, "
                    f"{step.cpu_us_per_delivery:.1f} µs CPU each, generator {step.generator_cpu:.0%}")
    finally:
        beats.cancel()
        await fastclient.close_all(conns)
    return outcome


def med(steps: Sequence[Step], key: Callable[[Step], float]) -> float:
    return median([key(s) for s in steps])


def cpu_tables(results: dict[str, Outcome], plan: Plan, sizes: Sizes, note: str) -> list[Table]:
    n, _rooms, senders = mixed_plan(sizes)
    detail = Table(
        f"Server CPU per delivered message (mixed load, open-loop, median of {plan.runs} runs x "
        f"{plan.cpu_seconds:g} s per rate)",
        ["target", "sends/s", "delivered/s", "undelivered", "doubled", "p50 ms", "p99 ms", "server CPU",
         "µs CPU/delivery", "deliveries per CPU-s", "+PostgreSQL µs", "generator CPU", "generator late, ms"],
    )
    for name, outcome in results.items():
        if outcome.failed:
            detail.add(name, outcome.failed, *[""] * 11)
            continue
        for rate, steps in outcome.steps.items():
            detail.add(name, rate, med(steps, lambda s: s.achieved),
                       sum(s.expected - s.delivered for s in steps), sum(s.duplicates for s in steps),
                       med(steps, lambda s: s.delivery.p50_ms if s.delivery else math.nan),
                       med(steps, lambda s: s.delivery.p99_ms if s.delivery else math.nan),
                       f"{med(steps, lambda s: s.server_cpu / s.wall) * 100:.0f}%",
                       med(steps, lambda s: s.cpu_us_per_delivery), med(steps, lambda s: s.per_cpu_s),
                       med(steps, lambda s: s.db_cpu * 1e6 / s.delivered if s.delivered else math.nan),
                       f"{med(steps, lambda s: s.generator_cpu) * 100:.0f}%", med(steps, lambda s: s.lag_ms))
    detail.notes += [
        f"{n} sockets: {sizes.mixed_pairs} two-person conversations + {sizes.mixed_groups} groups of "
        f"{sizes.group_size} ({sizes.group_senders} talk); {len(senders)} senders, round-robin, at a fixed total",
        "  rate (open loop: a send is never held back by a missing ack). Compiled client (picows).",
        "server CPU: user + system time of the target's processes (/proc/PID/stat) from the first send until",
        "  the last delivery, over that wall time (100% = one core); µs CPU/delivery = that CPU / deliveries.",
        "p50/p99: send->delivery from each message's intended send time; undelivered = not delivered within",
        f"  {DRAIN_LIMIT:g} s after the last send (a backlog the target had not worked off), counted as infinite.",
        "+PostgreSQL: CPU of the PostgreSQL backends serving Parley's database (not in the ratios; Redis's CPU",
        "  is counted for no target: one shared server).",
        "generator late: the worst delay of a send behind its intended time (the generator's own lag, median",
        "  over runs); latencies include it, the CPU figures do not depend on it. " + note,
    ]
    detail.notes += [f"{name}: {o.failed}" for name, o in results.items() if o.failed and o.failed != "pending"]
    verdicts = Table(
        "Budget: messages per server CPU-second (same run, same load, same rates)",
        ["setup", "sends/s", "Parley per CPU-s", "python-socketio peer", "bare relay",
         f"Parley vs python-socketio (>= {CPU_FACTOR:g}x?)", f"Parley vs bare relay (>= {BARE_FACTOR:g}x?)"],
    )

    def per_s(name: str, rate: float) -> float:
        outcome = results.get(name)
        return med(outcome.steps.get(rate, []), lambda s: s.per_cpu_s) if outcome else math.nan

    for setup, parley, peer in SETUPS:
        for rate in plan.cpu_rates:
            mine, theirs, bare = per_s(parley, rate), per_s(peer, rate), per_s(BARE, rate)
            vs_peer, vs_bare = ratio(mine, theirs), ratio(mine, bare)
            verdicts.add(setup, rate, mine, theirs, bare,
                         f"{fmt_ratio(vs_peer)} {verdict(vs_peer, CPU_FACTOR, at_least=True)}",
                         f"{fmt_ratio(vs_bare)} {verdict(vs_bare, BARE_FACTOR, at_least=True)}")
    verdicts.notes += [
        "peer: python-socketio in memory (1 process) for SQLite; python-socketio + Redis with 2 processes for",
        "  PostgreSQL + Redis. bare relay: the Starlette room relay (1 process, keeps nothing) for both.",
        "Deliveries per CPU-second of the relay processes only (medians of the runs).",
    ]
    return [detail, verdicts]


def run_cpu(quick: bool, runs: int, log: Callable[[str], None]) -> list[Table]:
    plan, sizes = Plan.pick(quick, runs), Sizes.pick(quick, runs)
    results: dict[str, Outcome] = {}

    def body(server_cores: set[int] | None) -> str:
        for target in cpu_targets():
            log(f"cpu: {target.name}")
            reason = target.pending_reason()
            if reason:
                results[target.name] = Outcome(failed=f"pending: {reason}"[:100])
                continue
            try:
                results[target.name] = run_target(target, server_cores,
                                                  lambda t: cpu_load(t, plan, sizes, log))
            except Exception as error:
                results[target.name] = Outcome(failed=f"failed: {type(error).__name__}: {error}"[:100])
        return _note(server_cores)

    note = pinned(body)
    return cpu_tables(results, plan, sizes, note)


def _note(server_cores: set[int] | None) -> str:
    return (f"Servers on core(s) {sorted(server_cores)}, generator on the other(s)." if server_cores
            else "Single core: server and generator share it.")


# -- curve: latency vs offered rate -----------------------------------------------------------------


def chart_path() -> Path:
    default = Path(tempfile.gettempdir()) / f"parley-bench-{os.getuid()}" / "relay-latency-curve.png"
    return Path(os.environ.get("PARLEY_BENCH_CHART", str(default)))


async def curve_load(target: Target, plan: Plan, log: Callable[[str], None]) -> Outcome:
    rooms = {f"p{p}": [2 * p, 2 * p + 1] for p in range(plan.curve_pairs)}
    conns = await fastclient.open_fast(target, 2 * plan.curve_pairs, rooms)
    senders = [(i, target.room_id(name), 1) for name, members in rooms.items() for i in members]
    meters = [CpuMeter(target.pids)]
    outcome = Outcome()
    log_path = getattr(target, "stall_log", None)
    stalls = StallReader(log_path) if log_path else None
    try:
        await open_loop(conns, senders, 300, 0.5, f"w{secrets.token_hex(3)}", meters)  # warm-up
        for rate in plan.curve_rates:
            step = await open_loop(conns, senders, rate, plan.curve_seconds, f"k{secrets.token_hex(3)}", meters)
            outcome.steps[rate] = [step]
            if stalls is not None:
                end = time.time()
                outcome.stalls[rate] = stalls.window(end - step.wall, end)
            assert step.delivery is not None
            log(f"  {target.name} {rate:g}/s: p50 {step.delivery.p50_ms:.2f} p99 {step.delivery.p99_ms:.2f} ms, "
                f"{step.achieved:.0f} delivered/s, server CPU {step.server_cpu / step.wall:.0%}")
            if step.is_saturated:
                break
    finally:
        await fastclient.close_all(conns)
    return outcome


def draw_curve(results: dict[str, Outcome], path: Path, title: str) -> str:
    """The p50/p99 curves as a PNG; returns a note for the table."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "chart: matplotlib not installed (pip install -e '.[dev]')"
    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=110)
    colors = plt.get_cmap("tab10")
    for k, (name, outcome) in enumerate(results.items()):
        points = [(rate, steps[0]) for rate, steps in outcome.steps.items() if steps[0].delivery]
        if not points:
            continue
        rates = [r for r, _ in points]
        cap = 2000.0  # lost deliveries make p99 infinite: drawn at the top
        p50 = [min(s.delivery.p50_ms, cap) if s.delivery else cap for _, s in points]
        p99 = [min(s.delivery.p99_ms, cap) if s.delivery else cap for _, s in points]
        color = colors(k)
        ax.plot(rates, p50, "o-", color=color, label=f"{name} p50")
        ax.plot(rates, p99, "s--", color=color, alpha=0.7, label=f"{name} p99")
        for rate, step in points:
            if step.is_saturated:
                ax.plot([rate], [min(step.delivery.p99_ms, cap) if step.delivery else cap], "x", color="black",
                        markersize=10)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("offered rate, messages/s (open loop, two-person conversations)")
    ax.set_ylabel("send -> delivery, ms (from the intended send time)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return f"chart: {path} (x = the step where the target no longer kept up)"


def run_curve(quick: bool, runs: int, log: Callable[[str], None]) -> list[Table]:
    plan = Plan.pick(quick, runs)
    results: dict[str, Outcome] = {}

    def body(server_cores: set[int] | None) -> str:
        for target in cpu_targets():
            log(f"curve: {target.name}")
            if isinstance(target, ParleyTarget):  # its GCs and event-loop stalls per step (stalls.py)
                target.stall_log = target.data_dir / "stalls.log"
            if target.pending_reason():
                results[target.name] = Outcome(failed="pending")
                continue
            try:
                results[target.name] = run_target(target, server_cores, lambda t: curve_load(t, plan, log))
            except Exception as error:
                results[target.name] = Outcome(failed=f"failed: {type(error).__name__}: {error}"[:100])
        return _note(server_cores)

    note = pinned(body)
    table = Table(
        f"Latency vs offered rate: send->delivery, ms ({plan.curve_pairs} two-person conversations, "
        f"{plan.curve_seconds:g} s per step, open loop)",
        ["target", "highest rate kept up, msg/s", *[f"{r:g}/s p50|p99" for r in plan.curve_rates]],
    )
    for name, outcome in results.items():
        if outcome.failed:
            table.add(name, outcome.failed, *[""] * len(plan.curve_rates))
            continue
        kept = [rate for rate, steps in outcome.steps.items() if not steps[0].is_saturated]
        cells = []
        for rate in plan.curve_rates:
            steps = outcome.steps.get(rate)
            if not steps or steps[0].delivery is None:
                cells.append("")
                continue
            d = steps[0].delivery
            mark = "*" if steps[0].is_saturated else ""
            cells.append(f"{_ms(d.p50_ms)}|{_ms(d.p99_ms)}{mark}")
        table.add(name, max(kept) if kept else "none", *cells)
    parley = {name: max((r for r, s in o.steps.items() if not s[0].is_saturated), default=math.nan)
              for name, o in results.items()}
    table.notes += [
        "Latency from each message's intended send time (a late generator or a stalled server both show);",
        "  a lost delivery counts as infinite ('inf'). * = saturated: delivered < 90% of the offered rate,",
        "  something lost, or p99 > 1 s; the curve stops there.",
    ]
    for setup, mine, peer in SETUPS:
        kept_ratio = ratio(parley.get(mine, math.nan), parley.get(peer, math.nan))
        table.notes.append(f"{setup}: highest rate kept up, Parley vs {peer}: {fmt_ratio(kept_ratio)} "
                           f"(step resolution: the rates above)")
    table.notes.append(draw_curve(results, chart_path(), "Parley and peers: latency vs offered rate "
                                  f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load {_load()})"))
    table.notes.append(note)
    stall_rows = [(name, fmt(rate), found) for name, o in results.items() for rate, found in o.stalls.items()]
    if not stall_rows:
        return [table]
    return [table, stall_table("Latency vs offered rate: Parley's garbage collections and event-loop stalls per step",
                               stall_rows)]


def _ms(value: float) -> str:
    if math.isinf(value):
        return "inf"
    return fmt(value, 2 if value < 10 else 1)


def _load() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"


# -- storm: reconnects with resume ------------------------------------------------------------------


@dataclass
class Storm:
    n: int = 0
    welcomed: int = 0
    caught_up: int = 0
    failed: int = 0
    lost: int = 0
    doubled: int = 0
    all_welcomed_s: float = math.nan
    all_caught_up_s: float = math.nan
    welcome_ms: list[float] = field(default_factory=list)  # from each connection's intended start
    server_cpu: float = math.nan
    auth_cpu_us: float = math.nan  # the token check, in process, per call
    auth_wall_us: float = math.nan


SEEDED = 3  # messages per conversation before the storm; each reconnect claims to hold the first


async def seed(target: Target, n: int) -> tuple[list[str], list[str], dict[str, list[int]]]:
    """Users in pairs, each pair's conversation holding SEEDED messages. Returns tokens, each user's
    conversation id, and each conversation's positions."""
    rooms = {f"s{p}": [2 * p, 2 * p + 1] for p in range(n // 2)}
    credentials = await target.prepare(n, rooms)
    conv_of = [""] * n
    for name, (a, b) in rooms.items():
        conv_of[a] = conv_of[b] = target.room_id(name)
    positions: dict[str, list[int]] = defaultdict(list)
    gate = asyncio.Semaphore(100)

    async def one(a: int) -> None:
        async with gate:
            dialect = target.endpoint_dialect()
            conn = await fastclient.connect(target, dialect, a)
            await asyncio.wait_for(dialect.handshake(conn, credentials[a]), 60)  # type: ignore[arg-type]
            for k in range(SEEDED):
                conn.send_now(dialect.send(conv_of[a], f"seed-{a}-{k}", TEXT))
                while True:
                    frame = json.loads(await asyncio.wait_for(conn.recv(), 30))
                    if frame.get("t") == "ack":
                        positions[conv_of[a]].append(int(frame["pos"]))
                        break
            await conn.close()

    await asyncio.gather(*(one(a) for a, _b in rooms.values()))
    return list(credentials), conv_of, positions


async def join_storm(target: Target, n: int, log: Callable[[str], None]) -> Storm:
    """The floor of a storm for a relay without resume: N connections within one second, each opened,
    handshaken and joined to its pair's room ('welcomed' = joined; nothing to catch up)."""
    rooms = {f"s{p}": [2 * p, 2 * p + 1] for p in range(n // 2)}
    credentials = await target.prepare(n, rooms)
    room_of = {i: target.room_id(name) for name, members in rooms.items() for i in members}
    storm = Storm(n=n)
    meter = CpuMeter(target.pids)
    conns: list[FastConn] = []
    done: dict[int, float] = {}
    start = time.perf_counter() + 0.05

    async def one(i: int) -> None:
        intended = start + i / n
        await asyncio.sleep(max(0.0, intended - time.perf_counter()))
        dialect = target.endpoint_dialect()
        conn = await fastclient.connect(target, dialect, i)
        conns.append(conn)
        await dialect.handshake(conn, credentials[i])  # type: ignore[arg-type]
        frame = dialect.join(room_of[i])
        if frame is not None:
            conn.send_now(frame)
            while dialect.classify(await conn.recv())[0] != "joined":
                pass
        done[i] = time.perf_counter()
        storm.welcome_ms.append((done[i] - intended) * 1e3)

    meter.start()
    results = await asyncio.gather(*(asyncio.wait_for(one(i), 60) for i in range(n)), return_exceptions=True)
    storm.server_cpu = meter.stop()
    storm.failed = sum(1 for r in results if isinstance(r, BaseException))
    storm.welcomed = storm.caught_up = len(done)
    if done:
        storm.all_welcomed_s = storm.all_caught_up_s = max(done.values()) - start
    await fastclient.close_all(conns)
    return storm


async def storm_load(target: Target, n: int, log: Callable[[str], None]) -> Storm:
    if not isinstance(target, ParleyTarget):
        return await join_storm(target, n, log)
    tokens, conv_of, positions = await seed(target, n)
    await asyncio.sleep(1.0)  # let the seeders' goodbyes settle
    storm = Storm(n=n)
    meter = CpuMeter(target.pids)
    loop = asyncio.get_running_loop()
    received: dict[int, list[int]] = defaultdict(list)
    welcomed_at: dict[int, float] = {}
    caught_at: dict[int, float] = {}
    conns: list[FastConn] = []
    start = time.perf_counter() + 0.05

    async def one(i: int) -> None:
        conv = conv_of[i]
        held = min(positions[conv])
        want = {p for p in positions[conv] if p > held}
        intended = start + i / n  # all within one second
        await asyncio.sleep(max(0.0, intended - time.perf_counter()))
        conn = await fastclient.connect(target, target.endpoint_dialect(), i)
        conns.append(conn)
        conn.send_now(json.dumps({"t": "hello", "v": 1, "token": tokens[i], "resume": {conv: held},
                                  "device": f"d{i}"}))
        while True:
            frame = json.loads(await conn.recv())
            kind = frame.get("t")
            now = time.perf_counter()
            if kind == "welcome":
                welcomed_at[i] = now
                storm.welcome_ms.append((now - intended) * 1e3)
            elif kind == "error":
                raise RuntimeError(f"hello refused: {frame}")
            elif kind == "msg" and str(frame.get("conv")) == conv:
                received[i].append(int(frame["pos"]))
            elif kind == "resync":
                raise RuntimeError(f"resync: {frame}")
            if i in welcomed_at and want <= set(received[i]):
                caught_at[i] = now
                break
        await asyncio.sleep(0.2)  # a doubled replay shows up now
        with contextlib.suppress(asyncio.QueueEmpty):
            assert conn.inbox is not None
            while True:
                frame = json.loads(conn.inbox.get_nowait())
                if frame.get("t") == "msg" and str(frame.get("conv")) == conv:
                    received[i].append(int(frame["pos"]))

    meter.start()
    results = await asyncio.gather(*(asyncio.wait_for(one(i), 60) for i in range(n)), return_exceptions=True)
    storm.server_cpu = meter.stop()
    errors = [r for r in results if isinstance(r, BaseException)]
    storm.failed = len(errors)
    if errors:
        log(f"  storm: {len(errors)} failed, first: {type(errors[0]).__name__}: {errors[0]}")
    storm.welcomed, storm.caught_up = len(welcomed_at), len(caught_at)
    if welcomed_at:
        storm.all_welcomed_s = max(welcomed_at.values()) - start
    if caught_at:
        storm.all_caught_up_s = max(caught_at.values()) - start
    for i, outcome in enumerate(results):
        if isinstance(outcome, BaseException):  # cut off by the time bound: counted as failed, not as lost
            continue
        conv = conv_of[i]
        want = [p for p in positions[conv] if p > min(positions[conv])]
        got = received.get(i, [])
        storm.lost += sum(1 for p in want if p not in got)
        storm.doubled += len(got) - len(set(got))
    await fastclient.close_all(conns)
    del loop
    storm.auth_cpu_us, storm.auth_wall_us = await token_check_cost(target, tokens)
    return storm


async def token_check_cost(target: Target, tokens: Sequence[str]) -> tuple[float, float]:
    """CPU and wall µs per access-token check (`server.relay.grants.authenticate`, the relay's own call in
    `hello`) in this process, on the target's database, for the storm's tokens."""
    from server.passwords import Passwords
    from server.relay import grants
    from server.store import open_store

    url = getattr(target, "database_url", None)
    if not url:
        return math.nan, math.nan
    store = await open_store(url, passwords=Passwords.fast(), migrate=False)
    try:
        for token in tokens[:20]:  # warm the pool and caches
            await grants.authenticate(store, token)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for token in tokens:
            if isinstance(await grants.authenticate(store, token), int):
                raise RuntimeError("a storm token was refused")
        return ((time.process_time() - cpu0) * 1e6 / len(tokens), (time.perf_counter() - wall0) * 1e6 / len(tokens))
    finally:
        await store.close()


def run_storm(quick: bool, runs: int, log: Callable[[str], None]) -> list[Table]:
    plan = Plan.pick(quick, runs)
    results: dict[str, Storm | str] = {}

    def body(server_cores: set[int] | None) -> str:
        for target in cpu_targets():
            log(f"storm: {target.name}, {plan.storm} reconnects")
            if target.pending_reason():
                results[target.name] = "pending"
                continue
            try:
                results[target.name] = run_target(target, server_cores, lambda t: storm_load(t, plan.storm, log))
            except Exception as error:
                results[target.name] = f"failed: {type(error).__name__}: {error}"[:100]
        return _note(server_cores)

    note = pinned(body)
    table = Table(
        f"Connection storm: {plan.storm:,} reconnects with resume arriving within 1 s",
        ["target", "welcomed", "caught up", "failed", "lost", "doubled", "all welcomed, s", "all caught up, s",
         "welcome p50 ms", "welcome p99 ms", "server CPU ms/reconnect", "token check CPU µs", "token check share",
         "nothing lost or doubled?"],
    )
    for name, storm in results.items():
        if isinstance(storm, str):
            table.add(name, storm, *[""] * 12)
            continue
        from .report import percentile

        per = storm.server_cpu * 1e3 / storm.n
        auth = "-" if math.isnan(storm.auth_cpu_us) else storm.auth_cpu_us
        share = storm.auth_cpu_us / 1e3 / per if per else math.nan
        ok = storm.failed == 0 and storm.lost == 0 and storm.doubled == 0 and storm.caught_up == storm.n
        table.add(name, storm.welcomed, storm.caught_up, storm.failed, storm.lost, storm.doubled,
                  fmt(storm.all_welcomed_s, 2), fmt(storm.all_caught_up_s, 2), median(storm.welcome_ms),
                  percentile(storm.welcome_ms, 99), fmt(per, 2), auth,
                  f"{share * 100:.0f}%" if not math.isnan(share) else "-", "yes" if ok else "NO")
    table.notes += [
        "Peers (bare relay, python-socketio): the floor, no resume: connect, handshake, join the pair's room.",
        f"Parley: users in pairs, each conversation with {SEEDED} messages; reconnect i starts at i/N s (open",
        "  loop), sends hello{token, resume: {conv: first position}} and must get welcome plus exactly the",
        "  missed messages.",
        "all welcomed / caught up: from the first intended start until the last socket was welcomed / had every",
        "  missed message; welcome p50/p99: from each socket's intended start (includes connect + handshake).",
        "failed: not welcomed and caught up within 60 s (the storm's bound) or refused; lost / doubled: missed",
        "  messages not replayed / replayed twice, on the sockets that finished.",
        "server CPU ms/reconnect: the server processes' CPU during the storm / N (includes the accept, the",
        "  WebSocket handshake, hello, the replay and the presence fan-out to the friend).",
        "token check: server.relay.grants.authenticate (hash + one store read) timed in the benchmark process",
        "  on the same database, one call at a time; share = that CPU / the server's CPU per reconnect.",
        note,
    ]
    return [table]
