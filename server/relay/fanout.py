"""Fan-out: what a committed message does (the sender's ack, one publish to every member) and the delivery
of published frames to this process's sockets.

A frame is encoded once, published once for all its recipients' channels, and split once on arrival; each
local socket then only gets the text queued (``Connection.push`` never waits on a socket). Within a process,
messages are published in commit order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from parley import protocol as P

from ..broker import Broker
from ..store import AppendResult, Store
from .channels import channel, message_payload, split_message
from .commit import Pending
from .connection import Connection, encode
from .errors import error_frame
from .frames import message_fields
from .site_counts import SiteCounts
from .stats import RelayStats

logger = logging.getLogger("parley.relay")

MEMBERS_TTL_S = 60.0
MAX_CACHED_MEMBER_LISTS = 50_000


class FanoutProbe(Protocol):
    """A hook for benchmarks (``Fanout(probe=...)``): told how many frames each delivery queued on local
    sockets, and when a committed batch was handed to the broker."""

    def pushed(self, frames: int) -> None: ...

    def committed(self, started: float) -> None: ...


class Fanout:
    """Publishing to users' channels and delivering what arrives to local sockets."""

    def __init__(
        self, store: Store, broker: Broker, probe: FanoutProbe | None = None, stats: RelayStats | None = None,
        site_counts: SiteCounts | None = None,
    ) -> None:
        self.store = store
        self.broker = broker
        self.probe = probe
        self.stats = stats or RelayStats()  # operators' counts (/metrics)
        self.site_counts = site_counts or SiteCounts()  # the sites' insight
        self._members: dict[int, tuple[float, tuple[int, ...]]] = {}
        self._cached_for: dict[int, set[int]] = {}  # user -> conversations whose cached list names them
        self._split_payload = ""  # the last message payload delivered, and its parts
        self._split = ("", "")

    async def publish(self, user_ids: Iterable[int], payload: str) -> None:
        """Publish one payload to several users' channels (one broker call; the payload is the same str for
        every channel); failures are logged, not raised."""
        channels = [channel(uid) for uid in user_ids]
        try:
            await self.broker.publish_many(channels, payload)
        except Exception as exc:
            logger.warning("publish to %d users failed: %r", len(channels), exc)

    async def members(self, conversation_id: int) -> tuple[int, ...]:
        """Member ids of a conversation (cached briefly; membership of a conversation rarely changes)."""
        now = time.monotonic()
        hit = self._members.get(conversation_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        ids = await self.store.member_ids(conversation_id)
        if len(self._members) > MAX_CACHED_MEMBER_LISTS:
            self._members.clear()
            self._cached_for.clear()
        self._members[conversation_id] = (now + MEMBERS_TTL_S, ids)
        for uid in ids:
            self._cached_for.setdefault(uid, set()).add(conversation_id)
        return ids

    def forget(self, conversation_id: int) -> None:
        """Drop the conversation's cached member list (its members changed: a ``G`` payload)."""
        self._members.pop(conversation_id, None)

    def forget_user(self, user_id: int) -> None:
        """Drop every cached member list naming the user. Called when the user's channel is subscribed anew
        in this process (after the subscription): while it was not, ``G`` payloads for the user's groups did not
        reach this process, so lists cached before may be stale."""
        for conversation_id in self._cached_for.pop(user_id, ()):
            self._members.pop(conversation_id, None)

    async def to_members(self, conversation_id: int, frame: dict[str, Any], skip: str = "", but: int = 0) -> None:
        """Encode ``frame`` once and publish it to every member (except user ``but`` and connection ``skip``)."""
        payload = message_payload(encode(frame), skip)
        await self.publish((m for m in await self.members(conversation_id) if m != but), payload)

    async def post_to_members(self, conversation_id: int, frame: dict[str, Any], skip: str = "") -> None:
        """Like ``to_members`` without waiting for the broker (queued in publication order, failures logged):
        the commit loop's fan-out, so a batch's publishes leave together and the next batch need not wait."""
        payload = message_payload(encode(frame), skip)
        channels = [channel(m) for m in await self.members(conversation_id)]
        try:
            self.broker.publish_later(channels, payload)
        except Exception as exc:
            logger.warning("publish to %d users failed: %r", len(channels), exc)

    def deliver(self, connections: Sequence[Connection], payload: str) -> None:
        """Queue a message payload's frame on a user's local sockets that may read messages."""
        # the memory broker hands one payload object to every recipient's channel: split it once
        if payload is not self._split_payload:
            self._split = split_message(payload)
            self._split_payload = payload
        skip, text = self._split
        pushed = 0
        for connection in connections:
            if connection.can_messages and connection.id != skip:
                connection.push(text)
                pushed += 1
        self.stats.sent("fanout", pushed)
        if self.probe is not None:
            self.probe.pushed(len(connections))

    async def committed(self, batch: Sequence[Pending], results: Sequence[AppendResult]) -> None:
        """Acknowledge each stored message to its sender, then deliver the new ones to every member."""
        started = time.perf_counter()
        stats = self.stats
        counts = self.site_counts
        for item, result in zip(batch, results, strict=True):
            connection = item.connection
            rest = 0
            if item.group is not None:
                item.group[0] -= 1
                rest = item.group[0]
            message = result.message
            if result.error is not None or message is None:
                error = error_frame(result.error or RuntimeError("no result"), item.cid)
                stats.error(error["code"])
                connection.send(error)
                continue
            # written at once: the ack need not wait for this batch's fan-out (nor for the other acks' encoding)
            connection.send_now(
                P.make_ack(item.cid, message.id, message.conversation_id, message.position, message.created_at, rest)
            )
            stats.sent("ack")
            stats.ack_latency.observe(time.perf_counter() - item.at)
            if result.created:
                if message.reply_to is not None:  # a reply quotes its original
                    message = await self.store.with_reply(message)
                counts.stored(connection.site_id, message.kind, message.data, connection.grant.origins, rest == 0)
                frame = message_fields(message)
                frame["t"] = P.MSG
                await self.post_to_members(message.conversation_id, frame, skip=connection.id)
        if self.probe is not None:  # after the broker's own callbacks (FIFO), i.e. after local delivery
            asyncio.get_running_loop().call_soon(self.probe.committed, started)
