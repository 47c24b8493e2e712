"""uvicorn's sans-I/O WebSocket protocol with a smaller idle footprint: what ``parley serve`` runs.

For a socket's whole life, uvicorn's stock protocol (``websockets-sansio``, its default) keeps an
``asyncio.Queue`` of incoming events (three deques plus an Event with a fourth: ~3.3 KB even when empty),
an ``asyncio.Event`` for write flow control (~0.8 KB) and the handshake's request and response with their
headers (~4 KB). Parley holds tens of thousands of mostly idle sockets per process, so this subclass swaps
the first two for single-purpose equivalents that allocate only while someone waits, and lets go of the
handshake objects once the handshake is over (the request's headers are emptied: websockets' parser
generator keeps the request itself as a local variable). Frames, flow control and the close handshake are
uvicorn's own code, unchanged; the relay's tests run through this class.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

STALL_S = 50.0  # a peer with output waiting that reads none of it for this long is dropped (2 heartbeats)


class Inbox:
    """The protocol's incoming ASGI events: what uvicorn uses of an ``asyncio.Queue`` (``put_nowait``,
    ``get``, ``empty``) for its one reader (ASGI allows one ``receive`` at a time)."""

    __slots__ = ("items", "waiter")

    def __init__(self) -> None:
        self.items: list[Any] | None = None  # made on the first event, dropped when read empty
        self.waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        if self.items is None:  # mostly one event at a time: a list is cheaper to make than a deque
            self.items = [item]
        else:
            self.items.append(item)
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def empty(self) -> bool:
        return not self.items

    async def get(self) -> Any:
        while not self.items:
            if self.waiter is not None:
                raise RuntimeError("another receive() is already waiting on this WebSocket")
            waiter = self.waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self.waiter = None
        item = self.items.pop(0)
        if not self.items:
            self.items = None
        return item


class Gate:
    """Write flow control: what uvicorn uses of an ``asyncio.Event`` (``set``, ``clear``, ``is_set``,
    ``wait``); waiters' futures exist only while the transport is paused (and so does ``timer``, the
    protocol's stall deadline)."""

    __slots__ = ("is_open", "timer", "waiters")

    def __init__(self) -> None:
        self.is_open = True
        self.waiters: list[asyncio.Future[None]] | None = None
        self.timer: asyncio.TimerHandle | None = None

    def is_set(self) -> bool:
        return self.is_open

    def set(self) -> None:
        self.is_open = True
        waiters, self.waiters = self.waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self.is_open = False

    async def wait(self) -> bool:
        if self.is_open:
            return True
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.waiters is None:
            self.waiters = []
        self.waiters.append(waiter)
        try:
            await waiter
        finally:
            if self.waiters is not None and waiter in self.waiters:
                self.waiters.remove(waiter)
        return True


class SlimWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's ``websockets-sansio`` protocol with ``Inbox`` and ``Gate``, no handshake objects kept, and
    a stall deadline: a peer that takes nothing of what is sent for ``STALL_S`` seconds is dropped.

    (Parley serves without uvicorn's keepalive pings: the relay's heartbeat closes silent sockets. Those
    pings also dropped a peer that stopped reading while output waited, since its pong never came; the
    stall deadline keeps that, at no cost for sockets whose writes flow.)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = Gate()  # type: ignore[assignment]

    def pause_writing(self) -> None:
        super().pause_writing()
        gate: Gate = self.writable  # type: ignore[assignment]
        if gate.timer is None:
            gate.timer = self.loop.call_later(STALL_S, self._stalled)

    def resume_writing(self) -> None:
        super().resume_writing()
        self._stop_stall_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_stall_timer()
        super().connection_lost(exc)

    def _stop_stall_timer(self) -> None:
        gate: Gate = self.writable  # type: ignore[assignment]
        if gate.timer is not None:
            gate.timer.cancel()
            gate.timer = None

    def _stalled(self) -> None:
        gate: Gate = self.writable  # type: ignore[assignment]
        gate.timer = None
        if not gate.is_open and not self.transport.is_closing():
            self.logger.info("WebSocket peer read nothing for %.0f s: dropping the connection", STALL_S)
            self.transport.abort()

    def send(self, message: Any) -> Coroutine[Any, Any, None]:  # type: ignore[override]
        """uvicorn's send; while the handshake is not done yet, also drop its objects once it is."""
        if self.handshake_complete:
            return super().send(message)
        return self._handshake_send(message)

    async def _handshake_send(self, message: Any) -> None:
        await super().send(message)
        if self.handshake_complete:  # only the ASGI exchange is left: the request and response are done
            # websockets' parser generator keeps the request as a local for the socket's life: empty it
            self.request.headers.clear()
            self.request = None  # type: ignore[assignment]
            self.response = None  # type: ignore[assignment]
