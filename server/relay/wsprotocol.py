"""uvicorn's sans-I/O WebSocket protocol with a smaller idle footprint: what ``parley serve`` runs.

For a socket's whole life, uvicorn's stock protocol (``websockets-sansio``, its default) keeps an
``asyncio.Queue`` of incoming events (three deques plus an Event with a fourth: ~3.3 KB even when empty),
an ``asyncio.Event`` for write flow control (~0.8 KB) and the handshake's request and response with their
headers (~4 KB). Parley holds tens of thousands of mostly idle sockets per process, so this subclass swaps
the first two for single-purpose equivalents that allocate only while someone waits, and lets go of the
handshake objects once the handshake is over (the request's headers are emptied: websockets' parser
generator keeps the request itself as a local variable). Frames, flow control and the close handshake are
uvicorn's own code, unchanged; the relay's tests run through this class.

Two more cuts for the idle socket (measured with tracemalloc, docs/performance.md "Idle memory"):
- ``receive`` is a plain method returning a future (uvicorn's is a coroutine awaiting ``queue.get()``, a
  second one): a socket waiting for its next frame holds that future only, not two suspended coroutines.
- uvicorn's protocol sets 37 attributes in ``__init__``; past 30, CPython (3.11+) gives up the compact
  per-instance values of a class's shared keys and makes each instance a full dict (~1.6 KB). The ones
  uvicorn sets once and rarely reads live in ``__slots__`` instead, so the rest stay compact.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Coroutine
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

STALL_S = 50.0  # a peer with output waiting that reads none of it for this long is dropped (2 heartbeats)


class Inbox:
    """The protocol's incoming ASGI events: what uvicorn uses of an ``asyncio.Queue`` (``put_nowait``,
    ``empty``) for its one reader (ASGI allows one ``receive`` at a time), read with ``get``, which
    returns a future: done at once when an event is queued, else the waiter the next event is handed to."""

    __slots__ = ("items", "waiter")

    def __init__(self) -> None:
        self.items: list[Any] | None = None  # made when an event finds no waiter, dropped when read empty
        self.waiter: asyncio.Future[Any] | None = None

    def put_nowait(self, item: Any) -> None:
        waiter = self.waiter
        if waiter is not None:
            self.waiter = None
            if not waiter.done():  # a reader cancelled meanwhile loses nothing: the event is queued
                waiter.set_result(item)
                return
        if self.items is None:  # mostly one event at a time: a list is cheaper to make than a deque
            self.items = [item]
        else:
            self.items.append(item)

    def empty(self) -> bool:
        return not self.items

    def get(self) -> asyncio.Future[Any]:
        """The next event, as a future. (A reader cancelled after its event was handed over loses that
        event: only a task being torn down is cancelled while it reads.)"""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        items = self.items
        if items:
            future.set_result(items.pop(0))
            if not items:
                self.items = None
        elif self.waiter is not None and not self.waiter.done():
            raise RuntimeError("another receive() is already waiting on this WebSocket")
        else:
            self.waiter = future
        return future


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

    # set once by uvicorn's __init__ (or used only by its keepalive pings, which Parley turns off): slots keep
    # the instance's other attributes at 30 or fewer, in CPython's compact shared-key form
    __slots__ = (
        "app_state", "asgi_version", "close_timeout", "config", "connections", "default_headers",
        "initial_response", "last_ping_rtt", "logger", "pending_ping_payload", "ping_interval", "ping_sent_at",
        "ping_timeout", "pong_timer", "root_path", "tasks",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = Gate()  # type: ignore[assignment]

    def receive(self) -> Awaitable[Any]:  # type: ignore[override]
        """uvicorn's receive without its coroutine: the next event's future; reading resumes (after
        uvicorn paused it for the event handed over last) once nothing is left queued."""
        inbox: Inbox = self.queue  # type: ignore[assignment]
        future = inbox.get()
        if self.read_paused and inbox.empty():
            self.read_paused = False
            self.transport.resume_reading()
        return future

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
        # websockets' protocol object and its suspended parser generator refer to each other, and the parse
        # error's traceback to both: ~20 objects per closed socket only the cycle collector could free (and
        # not at all while frozen, server/gc_freeze.py). Broken here, reference counting frees them at once.
        conn = self.conn
        if conn.parser_exc is not None:
            conn.parser_exc.__traceback__ = None
        conn.parser.close()

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
