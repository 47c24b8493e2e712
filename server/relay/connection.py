"""One live socket: who it is, its presence, and a bounded send queue.

Output is written without a task per frame: ``push`` queues the encoded frame and puts the connection on its
hub's ``SendQueue``; one loop callback then writes the frames of every connection waiting there, driving the
ASGI send coroutine by hand (on uvicorn it completes at once unless the transport is paused). Only a
socket that cannot take more right now gets a writer task, which finishes that send and drains the rest.
An idle socket holds no queue and no task. An ack does not wait for that callback: ``send_now`` writes the
socket's queue at once, so the ack leaves before the commit loop's fan-out work.

Fan-out only ever calls ``push`` (never awaits a socket); a socket whose queue overflows is closed with
4009 (the client reconnects and resumes). ``close`` drops what is queued and sends the close frame from a
task, so no caller waits on a slow peer either.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Coroutine
from types import CoroutineType
from typing import Any

from parley import protocol as P
from starlette.types import Send

from .grants import Grant
from .limits import ConnectionLimits

logger = logging.getLogger("parley.relay")

CLOSE_TIMEOUT_S = 5.0


# The same text as ``parley.protocol.encode`` (compact, non-ASCII characters as themselves), without the
# new JSONEncoder that json.dumps builds for every call given options.
encode: Callable[[Any], str] = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

WAITING = object()  # Connection.writer while the connection waits in its send queue


class SendQueue:
    """Connections of one hub with queued output, written together by one loop callback."""

    __slots__ = ("pending", "scheduled")

    def __init__(self) -> None:
        self.pending: list[Connection] = []
        self.scheduled = False

    def add(self, connection: Connection) -> None:
        self.pending.append(connection)
        if not self.scheduled:
            self.scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        self.scheduled = False
        for connection in pending:
            connection.drain()


async def finish(coro: Coroutine[Any, Any, Any], waiting: Any) -> None:
    """Go on with a coroutine that was started by hand and suspended on ``waiting`` (what it yielded: the
    future it waits for, or None for a bare yield), as a task that had run it from the start would."""
    while True:
        try:
            if waiting is None:
                await asyncio.sleep(0)
            else:  # as a task does with a future its coroutine yielded: clear the flag, wait for it
                waiting._asyncio_future_blocking = False
                await waiting
        except asyncio.CancelledError:
            coro.close()
            raise
        except Exception:  # the coroutine meets the future's exception itself when resumed
            pass
        try:
            waiting = coro.send(None)
        except StopIteration:
            return


class Connection:
    """Per-connection state. Kept small: an idle socket costs this object, its rate limit and no queue."""

    __slots__ = (
        "bad_frames",
        "can_friends",
        "can_messages",
        "can_share",
        "changes",
        "close_code",
        "closer",
        "device",
        "grant",
        "held",
        "id",
        "last_rx",
        "limit",
        "limits",
        "queue",
        "queued",
        "refreshed",
        "replayed",
        "resume",
        "send_message",
        "send_queue",
        "share_title",
        "site_id",
        "status",
        "title",
        "user_id",
        "writer",
    )

    def __init__(
        self,
        send: Send,
        grant: Grant,
        device: str | None,
        title: str | None,
        send_queue: SendQueue,
        limits: ConnectionLimits,
    ) -> None:
        self.send_message = send  # the socket's ASGI send
        self.send_queue = send_queue
        self.id = secrets.token_urlsafe(9)
        self.grant = grant
        self.user_id = grant.user_id
        self.site_id = grant.site_id
        self.can_messages = P.SCOPE_MESSAGES in grant.scopes
        self.can_share = P.SCOPE_SHARE in grant.scopes
        self.can_friends = P.SCOPE_FRIENDS in grant.scopes
        self.device = device or self.id
        self.status = grant.status  # the account's stored choice, before any presence is published
        self.share_title = grant.share_title
        self.title = title if grant.share_title else None  # never kept unless the user shares titles
        self.queue: list[str] | None = None  # made on the first push, dropped once drained
        self.queued = 0
        self.held: list[str] | None = []  # live frames wait here until the resume replay is done
        self.writer: object | asyncio.Task[None] | None = None  # WAITING in the send queue, or a writer task
        self.closer: asyncio.Task[None] | None = None
        self.close_code: int | None = None
        self.last_rx = time.monotonic()
        self.refreshed = 0.0
        self.limits = limits  # the hub's, shared
        self.limit = limits.rate_limit()
        self.bad_frames = 0
        self.resume: dict[int, int] | None = None  # hello.resume until the replay is done
        self.changes: dict[int, int] | None = None  # hello.changes until the replay is done
        # conversation -> last position the resume replay sent, until a live message past it arrives there:
        # a message committed during the replay can be read by it and published only after the release
        self.replayed: dict[int, int] | None = None

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
            if len(held) > self.limits.max_held_frames:
                self.close(P.CLOSE_SLOW_CONSUMER)
            return
        if self.replayed is not None and self._replayed_already(text):
            return
        queue = self.queue
        if queue is None:  # a list, not a deque: short-lived and mostly one frame (a deque starts at ~600 B)
            queue = self.queue = [text]
        else:
            queue.append(text)
        self.queued += len(text)
        limits = self.limits
        if len(queue) > limits.max_queue_frames or self.queued > limits.max_queue_bytes:
            self.close(P.CLOSE_SLOW_CONSUMER)
            return
        if self.writer is None:  # written by the send queue's next flush (or by the writer task running)
            self.writer = WAITING
            send_queue = self.send_queue  # SendQueue.add, inlined: this runs once per recipient of a fan-out
            send_queue.pending.append(self)
            if not send_queue.scheduled:
                send_queue.scheduled = True
                asyncio.get_running_loop().call_soon(send_queue.flush)

    def send(self, frame: dict[str, Any]) -> None:
        """Encode and queue a frame meant for this socket only."""
        self.push(encode(frame))

    def send_now(self, frame: dict[str, Any]) -> None:
        """Like ``send``, then write what is queued for this socket at once (in order) instead of in the send
        queue's next flush: an ack goes on the wire before the commit loop's fan-out work, not after it."""
        self.push(encode(frame))
        self.drain()

    def release(self, frames: list[str], replayed: dict[int, int] | None = None) -> None:
        """End the hold: queue ``frames`` (the held ones, filtered) and start writing. ``replayed`` (conversation
        -> last position the replay sent) also filters live messages published after the release."""
        self.held = None
        self.replayed = dict(replayed) if replayed else None
        for text in frames:
            self.push(text)

    def _replayed_already(self, text: str) -> bool:
        """Whether ``text`` is a live message the resume replay already sent. A message's publish follows its
        commit, so the replay can read it from the store and its live frame arrive after the release; per
        conversation, live messages arrive in order, so the first one past the replay ends the check there."""
        if '"t":"msg"' not in text:
            return False
        frame = json.loads(text)
        replayed = self.replayed
        assert replayed is not None
        conv = frame.get("conv")
        last = replayed.get(conv) if isinstance(conv, int) else None
        if last is None or frame.get("t") != P.MSG:
            return False
        if frame.get("pos", 0) <= last:
            return True
        del replayed[conv]
        if not replayed:
            self.replayed = None
        return False

    def drain(self) -> None:
        """Write what is queued (from the send queue's flush). A send that has to wait for the peer goes on in
        a writer task, which also writes the rest."""
        if self.writer is not WAITING:  # closed meanwhile, written already (send_now), or a writer task runs
            return
        queue = self.queue
        send = self.send_message
        try:
            while queue:
                text = queue.pop(0)
                self.queued -= len(text)
                sending = send({"type": "websocket.send", "text": text})
                if type(sending) is not CoroutineType:  # some other awaitable: a writer task awaits it
                    self.writer = asyncio.get_running_loop().create_task(self._write(sending, None))
                    return
                try:
                    waiting = sending.send(None)
                except StopIteration:
                    continue
                self.writer = asyncio.get_running_loop().create_task(self._write(sending, waiting))
                return
        except Exception:  # the peer went away, or the frame could not be written
            self._write_failed()
        self.writer = None
        if not self.queue:  # an idle socket keeps no (empty) list
            self.queue = None

    async def _write(self, sending: Awaitable[None], waiting: Any) -> None:
        """Finish the send that had to wait, then drain the queue like a plain writer."""
        send = self.send_message
        try:
            if isinstance(sending, CoroutineType):
                await finish(sending, waiting)
            else:
                await sending
            queue = self.queue
            while queue:
                text = queue.pop(0)
                self.queued -= len(text)
                await send({"type": "websocket.send", "text": text})
        except asyncio.CancelledError:
            raise
        except Exception:  # the peer went away, or the frame could not be written
            self._write_failed()
        finally:
            if self.writer is asyncio.current_task():
                self.writer = None
                if not self.queue:
                    self.queue = None

    def _write_failed(self) -> None:
        """A write raised: close with 1011 (documented: reconnect and resume), never leave the socket open
        and deaf. A peer already gone makes the close frame fail quietly; the reader sees the disconnect."""
        logger.debug("write to session %s failed", self.id, exc_info=True)
        if self.writer is asyncio.current_task():
            self.writer = None  # the failing writer task ends on its own
        self.close(P.CLOSE_INTERNAL)

    def close(self, code: int, reason: str = "", last: dict[str, Any] | None = None) -> None:
        """Close the socket with ``code`` soon (idempotent); drops every queued frame (``last`` is sent
        just before the close frame)."""
        if self.close_code is not None:
            return
        self.close_code = code
        self.queue = None
        self.queued = 0
        self.held = None
        self._stop_writer()
        with contextlib.suppress(RuntimeError):  # no running loop: interpreter shutdown
            self.closer = asyncio.get_running_loop().create_task(self._send_close(code, reason, last))

    async def _send_close(self, code: int, reason: str, last: dict[str, Any] | None) -> None:
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                if last is not None:
                    await self.send_message({"type": "websocket.send", "text": encode(last)})
                await self.send_message({"type": "websocket.close", "code": code, "reason": reason})
        except Exception:  # already closed, or the peer is gone or stuck
            logger.debug("close %s of connection %s not sent", code, self.id)

    def _stop_writer(self) -> None:
        writer = self.writer
        if isinstance(writer, asyncio.Task):
            if not writer.done():
                writer.cancel()
        else:
            self.writer = None  # not yet flushed: the send queue skips it

    def stop(self) -> None:
        """The connection is over: stop the writer."""
        if self.close_code is None:
            self.close_code = P.CLOSE_NORMAL
        self._stop_writer()
