"""Where a send -> ack round trip's time goes, stage by stage: `python -m tests.perf.rtt_stages [options]`.

The bench's round trip (two friends, one sequential message at a time, tests/perf/bench_relay.py) against a
Parley server started through ``tests.perf.stage_probe`` (the real ``parley serve`` with time stamps on the
message path), pinned like the bench: server on the first core, this generator on the others. For each
message, every server stage's time since the generator's send (one clock: CLOCK_MONOTONIC), medians over the
messages, and the step from the stage before.

  --pg            the two-process setup (PostgreSQL + Redis) instead of one process on SQLite
  --messages N    measured messages (default 2000, after 300 to warm up)
  --profile FILE  also run the server(s) under cProfile, saved to FILE.<pid> (timings then include its cost)
  --strace        count the server's syscalls per message (strace -c -f over the measured messages;
                  timings then include strace's cost: read the counts, not the times)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from .relay_targets import ParleyTarget, cores
from .report import Table, median

WARMUP = 300


class ProbedParley(ParleyTarget):
    """Parley's bench target served through the stage probe."""

    def __init__(self, scaled: bool, stage_log: Path, profile: str | None) -> None:
        super().__init__(scaled)
        self.stage_log = stage_log
        self.profile = profile

    def commands(self) -> list[tuple[list[str], dict[str, str]]]:
        out = []
        for command, env in super().commands():
            env = {**env, "PARLEY_STAGE_LOG": str(self.stage_log)}
            if self.profile:
                env["PARLEY_STAGE_PROFILE"] = self.profile
            out.append(([command[0], "-m", "tests.perf.stage_probe", *command[3:]], env))
        return out


async def drive(target: ProbedParley, messages: int, trace: bool) -> tuple[list[tuple[float, float, float]], str]:
    """Warm up, then ``messages`` sequential sends; (send, ack, delivery) times per measured message and the
    strace summary (empty unless ``trace``)."""
    conns = await target.open(2, {"rtt": [0, 1]})
    room = target.room_id("rtt")
    waiting: dict[tuple[str, str | None], asyncio.Future[float]] = {}

    def on_frame(conn: object, kind: str, cid: str | None, at: float) -> None:
        future = waiting.pop((kind, cid), None)
        if future is not None and not future.done():
            future.set_result(at)

    for conn in conns:
        conn.on_frame = on_frame
    loop = asyncio.get_running_loop()
    times: list[tuple[float, float, float]] = []
    tracer = None
    summary = ""
    try:
        for i in range(WARMUP + messages):
            if i == WARMUP and trace:
                tracer = start_strace(target.pids)
                await asyncio.sleep(1.0)
            cid = f"s{i}"
            ack = waiting[("ack", cid)] = loop.create_future()
            delivered = waiting[("msg", cid)] = loop.create_future()
            frame = conns[0].dialect.send(room, cid, "hello there")
            start = time.perf_counter()
            await conns[0].ws.send(frame)
            acked = await asyncio.wait_for(ack, 30)
            got = await asyncio.wait_for(delivered, 30)
            if i >= WARMUP:
                times.append((start, acked, got))
    finally:
        if tracer is not None:
            summary = stop_strace(*tracer)
        for conn in conns:
            await conn.close()
    return times, summary


def start_strace(pids: list[int]) -> tuple[subprocess.Popen[bytes], Path]:
    out = Path(tempfile.mkstemp(prefix="rtt-strace-", suffix=".txt")[1])
    args = ["strace", "-c", "-f", "-o", str(out)]
    for pid in pids:
        args += ["-p", str(pid)]
    return subprocess.Popen(args, stderr=subprocess.DEVNULL), out


def stop_strace(process: subprocess.Popen[bytes], out: Path) -> str:
    process.send_signal(signal.SIGINT)
    process.wait(10)
    text = out.read_text()
    out.unlink()
    return text


def read_events(stage_log: Path, pids: list[int]) -> list[tuple[float, str]]:
    """Every process's stage events, each tagged with its process number when there are several."""
    events = []
    for n, pid in enumerate(pids):
        path = Path(f"{stage_log}.{pid}")
        tag = f"p{n}:" if len(pids) > 1 else ""
        for line in path.read_text().splitlines():
            t, stage = line.split(" ", 1)
            events.append((float(t), tag + stage))
        path.unlink()
    events.sort()
    return events


def breakdown(times: list[tuple[float, float, float]], events: list[tuple[float, str]]) -> Table:
    """Median time of each stage since the send; a stage seen twice in a message gets #2 (the second write)."""
    offsets: dict[str, list[float]] = defaultdict(list)
    order: dict[str, float] = defaultdict(float)
    j = 0
    for i, (start, acked, got) in enumerate(times):
        end = times[i + 1][0] if i + 1 < len(times) else float("inf")
        while j < len(events) and events[j][0] < start:
            j += 1
        seen: dict[str, int] = defaultdict(int)
        k = j
        while k < len(events) and events[k][0] < end:
            t, stage = events[k]
            seen[stage] += 1
            name = stage if seen[stage] == 1 else f"{stage} #{seen[stage]}"
            offsets[name].append((t - start) * 1e6)
            k += 1
        offsets["client: ack read"].append((acked - start) * 1e6)
        offsets["client: delivery read"].append((got - start) * 1e6)
    rows = sorted(((median(v), name, len(v)) for name, v in offsets.items() if len(v) >= len(times) // 2))
    table = Table(
        f"Send -> ack, stage by stage (median µs since the generator's send, {len(times)} sequential messages)",
        ["stage", "since send, µs", "step, µs", "messages"],
    )
    before = 0.0
    for at, name, count in rows:
        table.add(name, at, at - before, str(count))
        before = at
        order[name] = at
    table.notes += [
        "stages: tests/perf/stage_probe.py; step = this stage's median minus the one above (medians do not add",
        "  up exactly). A stage seen in under half of the messages is left out.",
    ]
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.perf.rtt_stages", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", action="store_true")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--profile", default=None)
    parser.add_argument("--strace", action="store_true")
    args = parser.parse_args(argv)
    stage_log = Path(tempfile.mkstemp(prefix="rtt-stages-")[1])
    target = ProbedParley(args.pg, stage_log, args.profile)
    server_cores, client_cores = cores()
    try:
        target.start(server_cores)
        if client_cores:
            os.sched_setaffinity(0, client_cores)
        pids = target.pids
        try:
            import uvloop

            runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
        except ImportError:
            runner = asyncio.Runner()
        with runner:
            times, summary = runner.run(drive(target, args.messages, args.strace))
    finally:
        target.stop()
    stage_log.unlink(missing_ok=True)
    print(f"load average at the end: {os.getloadavg()}", file=sys.stderr)
    print(breakdown(times, read_events(stage_log, pids)).render())
    if summary:
        print(f"\nstrace -c -f over {args.messages} messages (divide calls by that):\n{summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
