"""Is a round trip additive on this machine? `python -m tests.perf.echo_delay [--messages N]`.

The bare echo (uvicorn + Starlette, as `relay_servers bare`) with a busy wait of D µs before each answer, D from
0 to 400, pinned like the relay benchmark (server on the first core, this client on the others), one message
at a time: the round trip's median against echo + D. On a virtual machine whose idle vCPUs halt, a peer that
waits longer for an answer can take longer to wake up for it (the host stops polling a halted vCPU after a
while): then a server that answers later pays more than its own extra time. Run: `serve D PORT` is the server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .relay_targets import ROOT, _wait_port, cores, free_port
from .report import Table, median

DELAYS_US = (0, 25, 50, 100, 150, 200, 250, 300, 400)


def serve(delay_us: int, port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    wait = delay_us / 1e6

    async def echo(ws: WebSocket) -> None:
        await ws.accept()
        try:
            while True:
                text = await ws.receive_text()
                until = time.perf_counter() + wait
                while time.perf_counter() < until:
                    pass
                await ws.send_text(text)
        except WebSocketDisconnect:
            pass

    app = Starlette(routes=[WebSocketRoute("/echo", echo)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", ws_per_message_deflate=False)


async def round_trips(port: int, messages: int) -> float:
    from websockets.asyncio.client import connect

    times = []
    async with connect(f"ws://127.0.0.1:{port}/echo", compression=None, ping_interval=None) as ws:
        for i in range(300 + messages):
            start = time.perf_counter()
            await ws.send(f'{{"t":"echo","cid":"{i}"}}')
            await ws.recv()
            if i >= 300:
                times.append((time.perf_counter() - start) * 1e6)
    return median(times)


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["serve"]:
        serve(int(sys.argv[2]), int(sys.argv[3]))
        return 0
    parser = argparse.ArgumentParser(prog="python -m tests.perf.echo_delay", description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args(argv)
    server_cores, client_cores = cores()
    if client_cores:
        os.sched_setaffinity(0, client_cores)
    try:
        import uvloop

        loop_factory = uvloop.new_event_loop
    except ImportError:
        loop_factory = None
    table = Table(f"Echo with a busy wait of D µs before each answer (median of {args.messages}, µs)",
                  ["D", "round trip", "minus D", "minus D, vs D = 0"])
    base = None
    for delay in DELAYS_US:
        port = free_port()
        log = Path(tempfile.mkstemp(prefix="echo-delay-", suffix=".log")[1])
        process = subprocess.Popen([sys.executable, "-m", "tests.perf.echo_delay", "serve", str(delay), str(port)],
                                   cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        try:
            if server_cores:
                os.sched_setaffinity(process.pid, server_cores)
            _wait_port(port, process, log)
            with asyncio.Runner(loop_factory=loop_factory) as runner:
                rtt = runner.run(round_trips(port, args.messages))
        finally:
            process.terminate()
            process.wait(10)
            log.unlink()
        base = rtt if base is None else base
        table.add(str(delay), rtt, rtt - delay, (rtt - delay) - base)
    table.notes.append(f"load average at the end: {os.getloadavg()}")
    print(table.render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
