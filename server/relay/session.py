"""One live socket: who it is, its presence, and a bounded send queue drained by a writer task that exists
only while there is something to send (an idle socket holds no task).

Fan-out only ever calls ``push`` (never awaits a socket); a socket whose queue overflows is closed with
4009 (the client reconnects and resumes). ``close`` drops what is queued and sends the close frame from a
task, so no caller waits on a slow peer either.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import deque
from typing import Any

from parley import protocol as P
from starlette.websockets import WebSocket

from .grants import Grant
from .limits import FRAMES_PER_SECOND, RateLimit

logger = logging.getLogger("parley.relay")

MAX_QUEUE_FRAMES = 256  # frames waiting for one socket before it counts as too slow
MAX_QUEUE_BYTES = 1 << 20  # characters waiting for one socket before it counts as too slow
MAX_HELD_FRAMES = 4096  # live frames held back while a resume replays
CLOSE_TIMEOUT_S = 5.0


class Session:
    """Per-connection state. Kept small: an idle socket costs this object, its rate limit and no queue."""

    __slots__ = (
        "bad_frames",
        "can_friends",
        "can_messages",
        "can_share",
        "close_code",
        "closer",
        "device",
        "grant",
        "held",
        "id",
        "last_rx",
        "limit",
        "queue",
        "queued",
        "refreshed",
        "resume",
        "site_id",
        "status",
        "title",
        "user_id",
        "writer",
        "ws",
    )

    frames_per_second: float = FRAMES_PER_SECOND  # process-wide; Hub.from_settings sets it from Settings

    def __init__(self, ws: WebSocket, grant: Grant, device: str | None, title: str | None) -> None:
        self.ws = ws
        self.id = secrets.token_urlsafe(9)
        self.grant = grant
        self.user_id = grant.user_id
        self.site_id = grant.site_id
        self.can_messages = P.SCOPE_MESSAGES in grant.scopes
        self.can_share = P.SCOPE_SHARE in grant.scopes
        self.can_friends = P.SCOPE_FRIENDS in grant.scopes
        self.device = device or self.id
        self.status = P.ONLINE
        self.title = title
        self.queue: deque[str] | None = None  # made on the first push, dropped once drained
        self.queued = 0
        self.held: list[str] | None = []  # live frames wait here until the resume replay is done
        self.writer: asyncio.Task[None] | None = None
        self.closer: asyncio.Task[None] | None = None
        self.close_code: int | None = None
        self.last_rx = time.monotonic()
        self.refreshed = 0.0
        rate = Session.frames_per_second
        self.limit = RateLimit() if rate == FRAMES_PER_SECOND else RateLimit(rate, max(1, int(2 * rate)))
        self.bad_frames = 0
        self.resume: dict[int, int] | None = None  # hello.resume until the replay is done

    def allows(self, scope: str) -> bool:
        return scope in self.grant.scopes

    @property
    def closing(self) -> bool:
        return self.close_code is not None

    def push(self, text: str) -> None:
        """Queue one encoded frame for this socket; never blocks. Overflow closes the socket (4009)."""
        if self.close_code is not None:
            return
        held = self.held
        if held is not None:
            held.append(text)
            if len(held) > MAX_HELD_FRAMES:
                self.close(P.CLOSE_SLOW_CONSUMER)
            return
        queue = self.queue
        if queue is None:
            queue = self.queue = deque()
        queue.append(text)
        self.queued += len(text)
        if len(queue) > MAX_QUEUE_FRAMES or self.queued > MAX_QUEUE_BYTES:
            self.close(P.CLOSE_SLOW_CONSUMER)
            return
        if self.writer is None:  # an idle socket has no writer task; one runs while there is output
            self.writer = asyncio.get_running_loop().create_task(self._write())

    def send(self, frame: dict[str, Any]) -> None:
        """Encode and queue a frame meant for this socket only."""
        self.push(P.encode(frame))

    def release(self, frames: list[str]) -> None:
        """End the hold: queue ``frames`` (the held ones, filtered) and start the writer."""
        self.held = None
        for text in frames:
            self.push(text)

    async def _write(self) -> None:
        """Drain the queue, then end (the next ``push`` starts a new writer)."""
        queue = self.queue
        send = self.ws.send
        try:
            if queue is None:
                return
            while queue:
                text = queue.popleft()
                self.queued -= len(text)
                await send({"type": "websocket.send", "text": text})
        except asyncio.CancelledError:
            raise
        except Exception:  # the peer went away; the reader sees the disconnect
            self.close_code = self.close_code or P.CLOSE_INTERNAL
            self.queue = None
        finally:
            if self.writer is asyncio.current_task():
                self.writer = None
                if not self.queue:  # an idle socket keeps no (empty) deque
                    self.queue = None

    def close(self, code: int, reason: str = "", last: dict[str, Any] | None = None) -> None:
        """Close the socket with ``code`` soon (idempotent); drops every queued frame (``last`` is sent
        just before the close frame)."""
        if self.close_code is not None:
            return
        self.close_code = code
        self.queue = None
        self.queued = 0
        self.held = None
        if self.writer is not None and not self.writer.done():
            self.writer.cancel()
        with contextlib.suppress(RuntimeError):  # no running loop: interpreter shutdown
            self.closer = asyncio.get_running_loop().create_task(self._send_close(code, reason, last))

    async def _send_close(self, code: int, reason: str, last: dict[str, Any] | None) -> None:
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                if last is not None:
                    await self.ws.send({"type": "websocket.send", "text": P.encode(last)})
                await self.ws.close(code, reason)
        except Exception:  # already closed, or the peer is gone or stuck
            logger.debug("close %s of session %s not sent", code, self.id)

    def stop(self) -> None:
        """The connection is over: stop the writer."""
        if self.close_code is None:
            self.close_code = P.CLOSE_NORMAL
        if self.writer is not None and not self.writer.done():
            self.writer.cancel()
