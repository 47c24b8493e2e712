"""A compiled WebSocket client for the server-side loads: picows (Cython), so the load generator costs a
fraction of what the `websockets` client of bench_relay.py costs per frame.

Connections speak the same dialects as relay_targets.py (their handshakes only need `recv()`/`send()`) and are
opened on the same targets (`open_fast(target, ...)` calls `Target.prepare` for rooms and credentials).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

from .relay_targets import Dialect, Target

OnText = Callable[["FastConn", str, float], None]


def _ignore(conn: FastConn, text: str, at: float) -> None:
    return None


class FastConn(WSListener):
    """One client socket. Until `ready()` every text frame is queued for `recv()` (handshakes); then each goes
    to `on_text(conn, text, arrival perf_counter)`, except Engine.IO pings, answered at once."""

    def __init__(self, dialect: Dialect, index: int) -> None:
        super().__init__()
        self.dialect = dialect
        self.index = index
        self.transport: WSTransport | None = None
        self.inbox: asyncio.Queue[str] | None = asyncio.Queue()
        self.on_text: OnText = _ignore
        self.closed = asyncio.get_running_loop().create_future()
        self.close_code: object = None

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type == WSMsgType.CLOSE:
            self.close_code = frame.get_close_code()
            transport.send_close(frame.get_close_code())
            transport.disconnect()
            return
        if frame.msg_type != WSMsgType.TEXT:
            return
        text = frame.get_payload_as_utf8_text()
        if self.inbox is not None:
            self.inbox.put_nowait(text)
        elif text == "2" and self.dialect.pong:
            transport.send(WSMsgType.TEXT, self.dialect.pong.encode())
        else:
            self.on_text(self, text, time.perf_counter())

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    async def recv(self) -> str:
        assert self.inbox is not None, "recv() after ready()"
        return await self.inbox.get()

    async def send(self, text: str) -> None:
        self.send_now(text)

    def send_now(self, text: str) -> None:
        assert self.transport is not None
        self.transport.send(WSMsgType.TEXT, text.encode())

    def ready(self, on_text: OnText) -> None:
        """Hand every later frame to `on_text` (frames already queued are dropped: handshake leftovers)."""
        self.inbox = None
        self.on_text = on_text

    async def close(self) -> None:
        if self.transport is not None and not self.closed.done():
            self.transport.send_close()
            self.transport.disconnect()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.closed), 2)


async def connect(target: Target, dialect: Dialect, index: int, path: str | None = None) -> FastConn:
    """A raw connection to the target's server process `index % processes` (no handshake yet)."""
    port = target.ports[index % len(target.ports)]
    url = f"ws://127.0.0.1:{port}{path or dialect.path}"
    _transport, conn = await ws_connect(lambda: FastConn(dialect, index), url, websocket_handshake_timeout=60,
                                        max_frame_size=2**22)
    assert isinstance(conn, FastConn)
    return conn


async def open_fast(target: Target, n: int, rooms: Mapping[str, Sequence[int]] | None = None, *,
                    concurrency: int = 100) -> list[FastConn]:
    """n connected, authenticated sockets joined to their rooms (rooms map a name to connection indexes)."""
    rooms = rooms or {}
    credentials = await target.prepare(n, rooms)
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> FastConn:
        async with gate:
            dialect = target.endpoint_dialect()
            conn = await connect(target, dialect, i)
            await asyncio.wait_for(dialect.handshake(conn, credentials[i]), 60)  # type: ignore[arg-type]
            return conn

    conns = list(await asyncio.gather(*(one(i) for i in range(n))))
    for room, members in rooms.items():
        for i in members:
            frame = conns[i].dialect.join(target.room_id(room))
            if frame is None:
                continue
            conns[i].send_now(frame)
            while conns[i].dialect.classify(await asyncio.wait_for(conns[i].recv(), 30))[0] != "joined":
                pass
    return conns


async def keep_alive(conns: Sequence[FastConn], every: float = 20.0) -> None:
    """Send each socket's heartbeat frame (if its dialect has one) every ``every`` s, as a live client does:
    sockets that only listen (group members who never talk) would otherwise be closed as dead by Parley's
    heartbeat check during a long load. Runs until cancelled."""
    while True:
        await asyncio.sleep(every)
        for conn in conns:
            beat = conn.dialect.heartbeat
            if beat is not None and conn.transport is not None and not conn.closed.done():
                conn.send_now(beat)


async def close_all(conns: Sequence[Any]) -> None:
    await asyncio.gather(*(c.close() for c in conns))
