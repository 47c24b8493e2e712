"""The /v1/ws endpoint: one explicit state machine per connection.

AWAIT_HELLO --hello ok--> REPLAY --replayed--> OPEN --disconnect/close--> CLOSED
     |  no hello in time: 4408; other frame: 4400; bad token: 4001/4010; bad origin or scopes: 4003

It speaks raw ASGI (``serve(hub, scope, receive, send)``): ``server.app`` hands /v1/ws sockets to it
straight from the server, around the HTTP middlewares and routing, whose coroutines would otherwise stay
suspended (and in memory) for the socket's whole life. The FastAPI route of ``relay_router`` serves the
same connection for apps mounted without that shortcut.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter
from parley import protocol as P
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from ..oauth.dpop import DpopError
from ..oauth.origins import origin_of
from . import grants
from .connection import Connection, encode
from .errors import error_frame
from .handlers import HANDLERS
from .hub import Hub
from .resume import drop_replayed, replay, replay_changes

logger = logging.getLogger("parley.relay")

AWAIT_HELLO, REPLAY, OPEN, CLOSED = "await_hello", "replay", "open", "closed"
MAX_BAD_FRAMES = 20  # malformed frames on one socket before it is closed with 4400
PATH = "/v1/ws"


def relay_router() -> APIRouter:
    """The router serving the realtime WebSocket at /v1/ws (through FastAPI's routing)."""
    router = APIRouter()

    @router.websocket(PATH)
    async def relay(websocket: WebSocket) -> None:
        await Lifecycle(websocket.app.state.hub, websocket.scope, websocket.receive, websocket.send).run()

    return router


def serve(hub: Hub, scope: Scope, receive: Receive, send: Send) -> Any:
    """The relay as a plain ASGI app for one WebSocket scope (a coroutine to await). The relay owns the scope
    here, so it empties it once the handshake is done (nothing reads it afterwards)."""
    return Lifecycle(hub, scope, receive, send, owns_scope=True).run()


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of a request header (``name`` in lower case) from an ASGI scope."""
    headers: Iterable[tuple[bytes, bytes]] = scope.get("headers") or ()
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


def origin_allowed(origin: str | None, grant: grants.Grant, parley_origins: frozenset[str]) -> bool:
    """A browser's handshake Origin must be the site's or Parley's own; clients without one (native apps,
    servers) are not browsers and cannot be abused cross-site, so they pass on the token alone."""
    if origin is None:
        return True
    normalized = origin_of(origin)
    return normalized is not None and (normalized in grant.origins or normalized in parley_origins)


class Lifecycle:
    """One socket's life: authenticate, replay, then read frames until it closes."""

    __slots__ = ("connection", "hub", "origin", "receive", "scope", "send", "state")

    def __init__(self, hub: Hub, scope: Scope, receive: Receive, send: Send, owns_scope: bool = False) -> None:
        self.hub = hub
        self.origin = header(scope, b"origin")
        # The request headers (~1 KB) would stay in the scope for the socket's life; the relay needs only
        # the Origin (the server needs none of them after the handshake).
        scope["headers"] = []
        # the rest of the scope (~1 KB: its dicts, paths, addresses) is emptied after the accept, when the
        # relay serves the socket straight from the server (a router may still read it otherwise)
        self.scope: Scope | None = scope if owns_scope else None
        self.receive = receive
        self.send = send
        self.state = AWAIT_HELLO
        self.connection: Connection | None = None

    async def _text(self, frame: dict[str, Any]) -> None:
        await self.send({"type": "websocket.send", "text": encode(frame)})

    async def _send_text(self, text: str) -> None:
        await self.send({"type": "websocket.send", "text": text})

    async def run(self) -> None:
        message = await self.receive()
        if message["type"] != "websocket.connect":
            return
        await self.send({"type": "websocket.accept"})
        if self.scope is not None:  # uvicorn reads it only up to the accept (its access log line)
            self.scope.clear()
            self.scope = None
        try:
            connection = await self._hello()
            if connection is None:
                return
            self.connection = connection
            self.state = REPLAY
            try:
                await self.hub.attach(connection)
                await self._start(connection)
                self.state = OPEN
                await self._read(connection)
            finally:
                self.state = CLOSED
                connection.stop()
                self.hub.stats.closed(connection.close_code or P.CLOSE_NORMAL)
                await self.hub.detach(connection)
        except Exception:
            logger.exception("relay connection failed")
            await self._close(P.CLOSE_INTERNAL)
        finally:
            self.state = CLOSED

    async def _close(self, code: int, frame: dict[str, Any] | None = None) -> None:
        try:
            if frame is not None:
                await self._text(frame)
            await self.send({"type": "websocket.close", "code": code, "reason": ""})
        except Exception:  # the peer is already gone
            pass

    async def _hello(self) -> Connection | None:
        """Wait for hello and check it; None (socket closed) if it is refused."""
        try:
            async with asyncio.timeout(self.hub.hello_timeout):
                message = await self.receive()
        except TimeoutError:
            await self._close(P.CLOSE_AUTH_TIMEOUT)
            return None
        if message["type"] != "websocket.receive":
            return None
        raw = message.get("text")
        if raw is None:
            raw = message.get("bytes")
        try:
            frame = P.parse_client_frame(raw, self.hub.max_frame)
        except P.ProtocolError as exc:
            code = P.CLOSE_TOO_BIG if exc.code == P.E_TOO_BIG else P.CLOSE_PROTOCOL
            await self._close(code, P.error_frame(exc))
            return None
        if frame["t"] != P.HELLO:
            await self._close(P.CLOSE_PROTOCOL, P.make_error(P.E_AUTH_REQUIRED, "send hello first"))
            return None
        if frame["v"] != P.VERSION:
            await self._close(P.CLOSE_VERSION, P.make_error(P.E_VERSION, f"protocol version {P.VERSION} only"))
            return None
        grant = await grants.authenticate(self.hub.store, frame["token"])
        if isinstance(grant, int):
            await self._close(grant)
            return None
        if grant.jkt is not None and not await self._proof_holds(frame, grant.jkt):
            await self._close(P.CLOSE_AUTH_FAILED)
            return None
        if not origin_allowed(self.origin, grant, self.hub.origins):
            await self._close(P.CLOSE_FORBIDDEN)
            return None
        if not grant.scopes & {P.SCOPE_MESSAGES, P.SCOPE_SHARE, P.SCOPE_FRIENDS}:
            await self._close(P.CLOSE_FORBIDDEN)
            return None
        page = frame.get("page") or {}
        hub = self.hub
        title = page.get("title") or None
        connection = Connection(self.send, grant, frame.get("device"), title, hub.send_queue, hub.limits)
        connection.resume = frame.get("resume") or {}
        connection.changes = frame.get("changes") or {}
        return connection

    async def _proof_holds(self, frame: dict[str, Any], jkt: str) -> bool:
        """Whether hello's `dpop` proves possession of the key a bound token is bound to (GET on the ws URL,
        `ath` of the token, never seen before). No nonce: hello cannot be answered with a nonce challenge, so a
        proof lives only its iat window (and once, by its jti)."""
        checker = self.hub.dpop
        if checker is None or not frame.get("dpop"):
            return False
        try:
            proof = await checker.check(frame["dpop"], "GET", PATH, access_token=frame["token"], need_nonce=False,
                                        websocket=True)
        except DpopError:
            return False
        return proof.jkt == jkt

    async def _start(self, connection: Connection) -> None:
        """Welcome, replay what was missed, release held live frames, then announce this device."""
        hub = self.hub
        me = {"id": connection.user_id, "username": connection.grant.username, "name": connection.grant.name}
        presence = await hub.presence.friends_presence(connection)
        hub.stats.opened += 1
        visible = connection.status != P.HIDDEN and connection.site_id not in hub.presence.hidden.get(
            connection.user_id, ())
        hub.site_counts.arrived(connection.site_id, connection.user_id, visible, presence)
        grant = connection.grant
        settings = {
            "status": connection.status,
            "hidden": connection.site_id in grant.hidden_sites,
            "share_title": connection.share_title,
            "sound": grant.sound,
        }
        if connection.allows(P.SCOPE_PEOPLE):  # the privacy choices: only for sites that manage people
            settings["findable"], settings["requests"] = grant.findable, grant.requests
        await self._text(P.make_welcome(me, connection.id, hub.heartbeat, presence, hub.max_frame, settings))
        delivered: dict[int, int] = {}
        if connection.resume and connection.can_messages:
            delivered = await replay(hub.store, connection.user_id, connection.resume, self._send_text)
        if connection.changes and connection.can_messages:
            await replay_changes(hub.store, connection.user_id, connection.changes, self._send_text)
        connection.resume = connection.changes = None
        connection.release(drop_replayed(connection.held or [], delivered), delivered)
        await hub.presence.announce(connection)

    async def _read(self, connection: Connection) -> None:
        receive = self.receive
        hub = self.hub
        limit = connection.limit
        max_frame = hub.max_frame
        parse = P.parse_client_frame
        scopes = connection.grant.scopes
        stats = hub.stats
        while True:
            message = await receive()
            if message["type"] != "websocket.receive":
                return
            connection.last_rx = time.monotonic()
            if connection.closing:
                continue
            if not limit.allow():
                stats.error(P.E_RATE_LIMITED)
                if limit.exhausted:
                    connection.close(P.CLOSE_POLICY, last=P.make_error(P.E_RATE_LIMITED, "flood: closing"))
                else:
                    connection.send(P.make_error(P.E_RATE_LIMITED, "too many frames; slow down"))
                continue
            raw = message.get("text")
            if raw is None:
                raw = message.get("bytes")
            try:
                frame = parse(raw, max_frame)
            except P.ProtocolError as exc:
                stats.error(exc.code)
                if exc.code == P.E_TOO_BIG:
                    connection.close(P.CLOSE_TOO_BIG, last=P.error_frame(exc))
                    continue
                connection.bad_frames += 1
                if connection.bad_frames >= MAX_BAD_FRAMES:  # earlier errors still queued are dropped
                    connection.close(P.CLOSE_PROTOCOL, last=P.error_frame(exc))
                else:
                    connection.send(P.error_frame(exc))
                continue
            kind = frame["t"]
            stats.received(kind)
            scope = P.FRAME_SCOPES.get(kind)
            ref = frame.get("cid") or frame.get("rid")
            if scope is not None and scope not in scopes:
                stats.error(P.E_FORBIDDEN)
                connection.send(P.make_error(P.E_FORBIDDEN, f"the token lacks the {scope} scope", ref))
                continue
            try:
                await HANDLERS[kind](hub, connection, frame)
            except Exception as exc:
                error = error_frame(exc, ref)
                stats.error(error["code"])
                connection.send(error)
