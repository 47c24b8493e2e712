"""The Redis broker's two hot connections, spoken to in raw RESP2 (``resp.py``) on asyncio protocols.

Fan-out is the relay's hottest path: every delivered message is one PUBLISH in the committing process and one
pushed message in each process serving a recipient. Through redis-py each cost a command object, a pool
checkout, a retry wrapper and its Python parser (profiled: ~40% of a relay process's CPU under load). Here:
- ``Publisher``: PUBLISH commands are queued and written once per event-loop iteration (every publish of a
  committed batch in one ``write``), pipelined on one connection, so Redis runs them in the order they were
  queued; a caller may wait for the replies (``Future``) or not (errors are then logged).
- ``Subscriber``: the pub/sub connection; each pushed message is handed to ``deliver(channel, payload)`` from
  ``data_received`` itself. When the connection drops it reconnects with backoff, subscribes every channel
  again and calls ``on_reset`` (payloads may have been missed in between).
Presence, claims and pings stay on redis-py (not per message).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio.connection import SSLConnection, parse_url

from .resp import RespError, RespReader, command

logger = logging.getLogger("parley.broker")

RECONNECT_DELAYS = (0.1, 0.5, 1.0, 2.0)
CONNECT_TIMEOUT = 10.0
SUBSCRIBE_TIMEOUT = 10.0  # seconds to wait for Redis to confirm a subscription


@dataclass(frozen=True, slots=True)
class LinkParams:
    """Where and how to connect (from the broker's redis:// URL) and the client name to set."""

    name: str
    host: str = "localhost"
    port: int = 6379
    path: str | None = None
    username: str | None = None
    password: str | None = None
    tls: bool = False


def link_params(url: str, name: str) -> LinkParams:
    """Connection parameters of a redis://, rediss:// or unix:// URL (parsed as redis-py parses it)."""
    found: dict[str, Any] = dict(parse_url(url))
    return LinkParams(
        name=name, host=str(found.get("host") or "localhost"), port=int(found.get("port") or 6379),
        path=found.get("path"), username=found.get("username"), password=found.get("password"),
        tls=found.get("connection_class") is SSLConnection,
    )


class _Link(asyncio.Protocol):
    """One connection: writes bytes, parses replies; non-push replies answer ``expect``ed futures in order,
    pushes (lists, on the subscriber) go to ``on_push``."""

    def __init__(self, on_push: Callable[[list[Any]], None] | None = None) -> None:
        self.transport: Any = None  # asyncio.Transport, or uvloop's (not a subclass)
        self.reader = RespReader()
        self.on_push = on_push
        self.waiting: deque[tuple[int, asyncio.Future[Any]]] = deque()  # (replies still due, future)
        self.failure: BaseException | None = None
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: Any) -> None:  # uvloop's transports are not asyncio.Transport
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        on_push = self.on_push
        for reply in self.reader.feed(data):
            if on_push is not None and type(reply) is list:
                on_push(reply)
            else:
                self._answer(reply)

    def _answer(self, reply: Any) -> None:
        if not self.waiting:
            return
        due, future = self.waiting[0]
        if isinstance(reply, RespError) and self.failure is None:
            self.failure = reply
        if due > 1:
            self.waiting[0] = (due - 1, future)
            return
        self.waiting.popleft()
        failure, self.failure = self.failure, None
        if not future.done():
            if failure is not None:
                future.set_exception(failure)
            else:
                future.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        error = ConnectionError(f"Redis connection lost: {exc!r}" if exc else "Redis connection closed")
        while self.waiting:
            _, future = self.waiting.popleft()
            if not future.done():
                future.set_exception(error)
        if not self.lost.done():
            self.lost.set_result(None)

    @property
    def up(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def send(self, data: bytes, replies: int) -> asyncio.Future[Any]:
        """Write ``data`` (``replies`` commands); the future gets the last reply (or the first error)."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if self.transport is None:
            future.set_exception(ConnectionError("Redis connection is closed"))
            return future
        self.waiting.append((replies, future))
        self.transport.write(data)
        return future

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def _open(params: LinkParams, link: _Link) -> _Link:
    """Connect ``link``, authenticate and name it (the name is how operators and tests find it)."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            if params.path:
                await loop.create_unix_connection(lambda: link, params.path)
            else:
                context = ssl.create_default_context() if params.tls else None
                await loop.create_connection(lambda: link, params.host, params.port, ssl=context)
            setup = []
            if params.password is not None:
                user = [params.username] if params.username else []
                setup.append(command("AUTH", *user, params.password))
            setup.append(command("CLIENT", "SETNAME", params.name))
            await link.send(b"".join(setup), len(setup))
    except BaseException:
        link.close()
        raise
    return link


class Publisher:
    """PUBLISH on one pipelined connection, written once per loop iteration; reconnects when needed."""

    def __init__(self, params: LinkParams) -> None:
        self.params = params
        self._link: _Link | None = None
        self._chunks: list[bytes] = []
        self._due: list[tuple[int, asyncio.Future[Any]]] = []  # queued, not written yet
        self._flush_soon = False
        self._connecting: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self._link = await _open(self.params, _Link())

    def post(self, channels: list[str], payload: str) -> asyncio.Future[Any]:
        """Queue one PUBLISH of ``payload`` per channel (in order, after everything queued before); the
        future is done when Redis answered them all (its result: the last reply) or failed."""
        data = payload.encode()
        head = b"$%d\r\n" % len(data)
        chunks = self._chunks
        for name in channels:
            encoded = name.encode()
            chunks.append(b"*3\r\n$7\r\nPUBLISH\r\n$%d\r\n%s\r\n%s%s\r\n" % (len(encoded), encoded, head, data))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._due.append((len(channels), future))
        if not self._flush_soon:
            self._flush_soon = True
            asyncio.get_running_loop().call_soon(self._flush)
        return future

    def _flush(self) -> None:
        self._flush_soon = False
        link = self._link
        if link is None or not link.up:
            if self._connecting is None or self._connecting.done():
                self._connecting = asyncio.get_running_loop().create_task(self._reconnect())
            return
        chunks, due = self._chunks, self._due
        if not due:
            return
        self._chunks, self._due = [], []
        assert link.transport is not None
        link.transport.write(b"".join(chunks))
        link.waiting.extend(due)

    async def _reconnect(self) -> None:
        try:
            self._link = await _open(self.params, _Link())
        except Exception as exc:  # fail what waited; the next post tries again
            due, self._due, self._chunks = self._due, [], []
            for _, future in due:
                if not future.done():
                    future.set_exception(ConnectionError(f"Redis unreachable: {exc!r}"))
            return
        self._flush()

    async def close(self) -> None:
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._connecting
        if self._link is not None:
            self._link.close()
            self._link = None


class Subscriber:
    """The pub/sub connection: SUBSCRIBE/UNSUBSCRIBE, pushed messages to ``deliver``, reconnection."""

    def __init__(
        self, params: LinkParams, deliver: Callable[[str, str], None], on_reset: Callable[[], None]
    ) -> None:
        self.params = params
        self.deliver = deliver
        self.on_reset = on_reset
        self.channels: set[str] = set()
        self._confirmations: dict[str, asyncio.Future[None]] = {}
        self._link: _Link | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._last_raw = b""
        self._last_text = ""

    async def start(self, first: str) -> None:
        """Connect, subscribe ``first`` (a channel kept for the link's life) and start watching the link."""
        self.channels.add(first)
        await self._connect()
        await self.subscribe(first)
        self._supervisor = asyncio.get_running_loop().create_task(self._watch(), name="parley-broker-listener")

    async def _connect(self) -> None:
        link = await _open(self.params, _Link(self._pushed))
        self._link = link
        if self.channels:
            link.transport.write(command("SUBSCRIBE", *sorted(self.channels)))  # type: ignore[union-attr]

    def _pushed(self, reply: list[Any]) -> None:
        kind = reply[0]
        if kind == b"message":
            raw = reply[2]
            if raw != self._last_raw:  # a fan-out pushes one payload once per member's channel: decode it once
                self._last_raw, self._last_text = raw, raw.decode()
            self.deliver(reply[1].decode(), self._last_text)
        elif kind == b"subscribe":
            future = self._confirmations.get(reply[1].decode())
            if future is not None and not future.done():
                future.set_result(None)

    async def subscribe(self, channel: str) -> None:
        """Subscribe and wait until Redis confirms: payloads published after this returns arrive."""
        self.channels.add(channel)
        future = self._confirmations.get(channel)
        if future is None:
            future = self._confirmations[channel] = asyncio.get_running_loop().create_future()
        try:
            link = self._link
            if link is not None and link.up:
                link.transport.write(command("SUBSCRIBE", channel))  # type: ignore[union-attr]
            # while reconnecting, the new link subscribes every channel (this one included)
            await asyncio.wait_for(asyncio.shield(future), SUBSCRIBE_TIMEOUT)
        finally:
            if self._confirmations.get(channel) is future:
                del self._confirmations[channel]

    def unsubscribe(self, channel: str) -> None:
        self.channels.discard(channel)
        link = self._link
        if link is not None and link.up:
            link.transport.write(command("UNSUBSCRIBE", channel))  # type: ignore[union-attr]

    async def _watch(self) -> None:
        """Wait for the link to drop; reconnect with backoff, subscribe everything again, report the reset."""
        while True:
            assert self._link is not None
            await self._link.lost
            failures = 0
            while True:
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                logger.warning("broker listener lost Redis; retrying in %.1fs", delay)
                await asyncio.sleep(delay)
                try:
                    await self._connect()
                except (OSError, TimeoutError, RespError) as exc:
                    failures += 1
                    logger.warning("broker listener could not reconnect: %r", exc)
                    continue
                break
            logger.info("broker listener reconnected to Redis")
            self.on_reset()

    async def close(self) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        if self._link is not None:
            self._link.close()
            self._link = None
