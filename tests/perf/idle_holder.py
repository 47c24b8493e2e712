"""Idle sockets for the scale run, held by a helper process:
`python -m tests.perf.idle_holder PORT TOKENS SOURCE [DIALECT]`.

Opens one socket per entry of the JSON list in the file TOKENS (at most CONCURRENCY handshakes at a time)
from the loopback source address SOURCE (127.0.0.2, ...: each source address has its own ephemeral port
range) and prints `ready OPENED FAILED SECONDS`. DIALECT says what an idle client of the target does:
- `parley` (default): an authenticated Parley socket (hello with the entry as its token -> welcome), then like
  an idle widget: a `ping` frame every PING_S seconds (the widget pings every 0.8 x the welcome's heartbeat
  of 25 s; the relay closes a socket silent for two heartbeats);
- `socketio`: a Socket.IO client over the WebSocket transport (Engine.IO open packet, `40` connect), which
  answers the server's Engine.IO pings (`2` -> `3`), as socket.io-client does;
- `bare`: a socket of the bare room relay (`/room`), connected and silent (that relay has no heartbeat).
A line `count` on stdin prints `open N` (sockets the server has not closed); end of input closes every
socket and exits.

The benchmark runs several of these on the load generator's core, so the server's 20,000 sockets need
neither 20,000 file descriptors in the benchmark process nor one source address's port range.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time

from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

CONCURRENCY = 200  # handshakes in flight at once
PING_S = 20.0
PING = json.dumps({"t": "ping"}).encode()
PATHS = {"parley": "/v1/ws", "socketio": "/socket.io/?EIO=4&transport=websocket", "bare": "/room"}


class IdleSocket(WSListener):
    """One idle client: resolves `welcomed` on the welcome, `closed` when the server closes it."""

    def __init__(self, dialect: str = "parley") -> None:
        super().__init__()
        loop = asyncio.get_running_loop()
        self.welcomed: asyncio.Future[None] = loop.create_future()
        self.transport: WSTransport | None = None
        self.open = True
        self.dialect = dialect

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        if self.dialect == "bare":
            self.welcomed.set_result(None)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type == WSMsgType.CLOSE:
            self.open = False
            transport.send_close(frame.get_close_code())
            transport.disconnect()
        elif self.dialect == "socketio" and frame.msg_type == WSMsgType.TEXT:
            text = frame.get_payload_as_ascii_text()
            if text == "2":
                transport.send(WSMsgType.TEXT, b"3")
            elif text.startswith("0") and not self.welcomed.done():
                transport.send(WSMsgType.TEXT, b"40")
            elif text.startswith("40") and not self.welcomed.done():
                self.welcomed.set_result(None)
        elif not self.welcomed.done() and frame.msg_type == WSMsgType.TEXT:
            text = frame.get_payload_as_ascii_text()
            if '"welcome"' in text:
                self.welcomed.set_result(None)
            elif '"error"' in text:
                self.welcomed.set_exception(RuntimeError(text))

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.open = False
        if not self.welcomed.done():
            self.welcomed.set_exception(ConnectionError("closed before welcome"))


async def hold(port: int, tokens: list[str], source: str, dialect: str = "parley") -> None:
    gate = asyncio.Semaphore(CONCURRENCY)
    sockets: list[IdleSocket] = []
    url = f"ws://127.0.0.1:{port}{PATHS[dialect]}"

    async def one(token: str) -> None:
        async with gate:
            _, listener = await ws_connect(lambda: IdleSocket(dialect), url, local_addr=(source, 0),
                                           websocket_handshake_timeout=120, read_buffer_init_size=1024)
            assert isinstance(listener, IdleSocket) and listener.transport is not None
            if dialect == "parley":
                hello = {"t": "hello", "v": 1, "token": token}
                listener.transport.send(WSMsgType.TEXT, json.dumps(hello).encode())
            await asyncio.wait_for(listener.welcomed, 120)
            sockets.append(listener)

    started = time.perf_counter()
    pinger = asyncio.get_running_loop().create_task(heartbeat(sockets))
    results = await asyncio.gather(*(one(t) for t in tokens), return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    print(f"ready {len(sockets)} {len(failed)} {time.perf_counter() - started:.2f}", flush=True)
    if failed:
        print(f"first failure: {type(failed[0]).__name__}: {failed[0]}", file=sys.stderr, flush=True)
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        if line.strip() == b"count":
            print(f"open {sum(1 for s in sockets if s.open)}", flush=True)
    pinger.cancel()
    for sock in sockets:
        if sock.open and sock.transport is not None:
            sock.transport.send_close()
            sock.transport.disconnect()


async def heartbeat(sockets: list[IdleSocket]) -> None:
    """A ping per socket every PING_S seconds, round-robin over the sockets welcomed so far (opening 20,000
    takes longer than the relay's 50 s of allowed silence). Paced by the clock: a helper slowed down by a busy
    core sends what is due when it wakes, never stretching a socket's interval."""
    due = 0.0
    k = 0
    last = time.monotonic()
    while True:
        await asyncio.sleep(0.1)
        now = time.monotonic()
        due += (now - last) * len(sockets) / PING_S
        last = now
        while due >= 1 and sockets:
            due -= 1
            sock = sockets[k % len(sockets)]
            k += 1
            if sock.open and sock.transport is not None and sock.dialect == "parley":
                sock.transport.send(WSMsgType.TEXT, PING)


def main() -> None:
    port, path, source = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    dialect = sys.argv[4] if len(sys.argv) > 4 else "parley"
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with open(path) as f:
        tokens = json.load(f)
    try:
        import uvloop

        uvloop.run(hold(port, tokens, source, dialect))
    except ImportError:
        asyncio.run(hold(port, tokens, source, dialect))


if __name__ == "__main__":
    main()
