"""Parley's benchmarks: `python -m tests.perf [--quick] [--only widget,relay,store,...] [--runs N]`.

Prints plain-text tables: medians over N runs, p99 where it matters, ratios against baselines measured in the
same run, and whether each target of the performance budget (docs/performance.md) is met. Everything runs on
loopback; every loop is bounded, so the command ends by itself (timings of the last runs: docs/performance.md).

  widget  headless Chromium: the copy-paste and inline widget vs a bare PyScript page with a WebSocket echo
          (the floor); signed-out and signed-in boots, the first message, bytes, host long tasks
  visit   re-entry: a signed-in visitor on a conversation clicks a link of the site -> the conversation drawn
          and usable again, copy-paste and inline, both runtimes, vs the floor's warm load (budget verdict)
  relay   Parley's /v1/ws vs a bare WebSocket echo, a bare room relay and python-socketio (+ Redis)
  store   acknowledged messages/s through server.store on SQLite and PostgreSQL
  cpu     server CPU per delivered message (open loop, compiled client): Parley vs python-socketio and the
          bare relay, on SQLite (1 process) and PostgreSQL + Redis (2 processes)
  curve   latency vs offered rate until saturation (p50/p99 from the intended send time), drawn as a PNG
  storm   N reconnects with resume within one second: all welcomed and caught up, the token check's share
  scale   20,000 idle authenticated sockets on one Parley process (5,000 --quick): RSS per socket, and p99
          send->delivery at rising open-loop rates until saturation, with and without them; then the bare
          relay and python-socketio with as many idle sockets of their own (~12 min, ~3 quick)
  insight send -> ack with the insight and metrics counting as shipped vs those hooks off, side by side
  search  message search latency over 100,000 messages on SQLite and PostgreSQL (query shapes vs a history page)
  files   upload and download MiB/s and the time to a picture's first thumbnail vs a static-file serve of the
          same bytes (folder and PostgreSQL blob stores); peak memory of an 8 vs 64 MiB upload
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from . import machine
from .report import Table

SUITES = ("widget", "visit", "relay", "store", "cpu", "curve", "storm", "scale", "insight", "search", "files")


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def suite(name: str) -> Callable[[bool, int, Callable[[str], None]], list[Table]]:
    """The run(quick, runs, log) function of a suite, imported only when chosen."""
    if name == "widget":
        from .bench_widget import run
    elif name == "visit":
        from .bench_visit import run
    elif name == "relay":
        from .bench_relay import run
    elif name == "cpu":
        from .bench_server import run_cpu as run
    elif name == "curve":
        from .bench_server import run_curve as run
    elif name == "storm":
        from .bench_server import run_storm as run
    elif name == "scale":
        from .bench_scale import run
    elif name == "insight":
        from .bench_insight import run
    elif name == "search":
        from .bench_search import run
    elif name == "files":
        from .bench_files import run
    else:
        from .bench_store import run
    return run


def suites(text: str) -> list[str]:
    """The suites named in `--only a,b` (argparse type: an unknown name is a usage error)."""
    names = [w.strip() for w in text.split(",") if w.strip()]
    unknown = [n for n in names if n not in SUITES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown suite(s) {unknown or text!r}; choose from {', '.join(SUITES)}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.perf", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller loads and fewer runs (~3 minutes)")
    parser.add_argument("--only", type=suites, action="extend",
                        help=f"run only these suites: comma-separated, repeatable ({','.join(SUITES)})")
    parser.add_argument("--runs", type=int, default=None, help="runs per measurement (default 5, quick 3)")
    args = parser.parse_args(argv)
    runs = max(1, args.runs or (3 if args.quick else 5))
    started = time.monotonic()
    print(f"python -m tests.perf {' '.join(sys.argv[1:] if argv is None else argv)}".rstrip())
    print(time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    print(machine.describe())
    print()
    for name in args.only or SUITES:
        log(f"== {name}")
        try:
            tables = suite(name)(args.quick, runs, log)
        except Exception as error:  # one broken suite must not hide the others' figures
            print(f"{name}: failed: {type(error).__name__}: {error}\n")
            continue
        for table in tables:
            print(table.render())
            print()
        sys.stdout.flush()
    print(f"total {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
