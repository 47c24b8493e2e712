"""The per-process fan-out hub: live connections by user, one broker channel per local user, presence upkeep.

Channels: every user with a live socket in this process has the broker channel ``u:{user_id}``; anything
for that user (messages, typing, reads, friends' presence, close orders) is published there, by any
process. Payloads start with one letter:
- ``M{connection}|{frame}``: a frame already encoded once for every recipient; skip the connection named
  (the sender's own socket, which got the ack). Needs the ``messages`` scope.
- ``P{json}``: a friend's device changed (see presence.py); rendered per viewer site, needs ``friends``.
- ``X{site}|{code}``: close the user's sockets on that site (``*``: every site), e.g. a revoked grant.
- ``R{site}``: some of the user's tokens for that site were revoked (one sign-in ended): re-check the tokens
  of the user's sockets on that site now and close those no longer valid.

Publishing per member (not per conversation) means no subscription changes when conversations are
created, and any process can deliver to anyone. Within a process, messages are published in commit order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any

from parley import protocol as P

from ..broker import Broker
from ..oauth.origins import origin_of
from ..settings import Settings
from ..store import AppendResult, MessageRecord, Store
from . import grants
from . import presence as pr
from .commit import GroupCommitter, Pending
from .connection import Connection, SendQueue, encode
from .errors import error_frame

logger = logging.getLogger("parley.relay")

MEMBERS_TTL_S = 60.0
RECHECK_S = 30.0  # re-check tokens (revoked, expired) and friend lists this often
HEARTBEAT_S = 25
FANOUT_LOG_DELAY_S = 0.01  # benchmark fan-out log lines are written this long after the first unwritten one


def channel(user_id: int) -> str:
    return f"u:{user_id}"


def message_fields(m: MessageRecord) -> dict[str, Any]:
    """A stored message as the wire carries it (msg frames and history pages); ``from`` is null once the
    sender's account is deleted."""
    return P.message_fields(  # type: ignore[no-any-return]
        m.id, m.conversation_id, m.position, m.created_at, m.sender_id, m.kind, m.text, m.data, m.client_id
    )


class Hub:
    """Live connections of this process and everything that reaches them."""

    def __init__(
        self,
        store: Store,
        broker: Broker,
        *,
        presence_ttl: float = 30.0,
        heartbeat: int = HEARTBEAT_S,
        max_frame: int = P.MAX_FRAME_BYTES,
        origins: Iterable[str] = (),
        recheck_s: float = RECHECK_S,
        fanout_log: str = "",
    ) -> None:
        self.store = store
        self.broker = broker
        self.presence_ttl = float(presence_ttl)
        self.heartbeat = heartbeat
        self.max_frame = max_frame
        self.origins = frozenset(origins)  # Parley's own origins (the copy-paste frame)
        self.recheck_s = recheck_s
        self.hello_timeout: float = P.HELLO_TIMEOUT_S
        self.users: dict[int, list[Connection]] = {}
        self.friends: dict[int, frozenset[int]] = {}
        self.hidden: dict[int, tuple[int, ...]] = {}
        self.seen: dict[int, dict[str, tuple[float, str]]] = {}  # friend -> device -> (when, fingerprint)
        self.committer = GroupCommitter(store, self._committed)
        self.send_queue = SendQueue()  # connections with output to write, flushed by one loop callback
        self._members: dict[int, tuple[float, tuple[int, ...]]] = {}
        self._channels: set[int] = set()
        self._channel_lock = asyncio.Lock()
        self._maintenance: asyncio.Task[None] | None = None
        # Benchmarks only (Settings.bench_fanout_log): per committed batch, "frames pushed, seconds from the
        # commit until the last frame was queued on a local socket" is appended to this file.
        self.fanout_log = fanout_log
        self._fan_pushes = 0
        self._fan_last = 0.0
        self._fan_lines: list[str] = []
        self._split_payload = ""  # the last M payload dispatched, and its parts
        self._split = ("", "")
        self._rechecks: set[asyncio.Task[None]] = set()  # R orders being carried out

    @classmethod
    def from_settings(cls, store: Store, broker: Broker, settings: Settings) -> Hub:
        """A hub configured from the server settings (TTL, frame limit, Parley's own origin)."""
        own = origin_of(settings.public_url)
        Connection.frames_per_second = settings.max_frames_per_second
        return cls(
            store,
            broker,
            presence_ttl=settings.presence_ttl,
            max_frame=settings.max_frame_bytes,
            origins=[own] if own else [],
            fanout_log=settings.bench_fanout_log,
        )

    # -- life cycle ----------------------------------------------------------------------------------

    async def start(self) -> None:
        self.broker.on_reset(self._broker_reset)
        self._maintenance = asyncio.get_running_loop().create_task(self._maintain(), name="parley-relay-upkeep")

    async def stop(self) -> None:
        if self._maintenance is not None:
            self._maintenance.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._maintenance
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.committer.drain(), 5)
        for task in list(self._rechecks):
            task.cancel()
        for connection in self.connections():
            connection.close(P.CLOSE_GOING_AWAY)

    def connections(self) -> list[Connection]:
        return [connection for connections in self.users.values() for connection in connections]

    def _broker_reset(self) -> None:
        """The broker may have dropped payloads: make every client reconnect and resume."""
        logger.warning("broker reset: closing %d sockets with 1012", sum(map(len, self.users.values())))
        for connection in self.connections():
            connection.close(P.CLOSE_RESTART)

    # -- connections and channels -----------------------------------------------------------------------

    async def attach(self, connection: Connection) -> None:
        """Register a connection (still holding live frames) and make sure its user's channel is subscribed."""
        uid = connection.user_id
        self.users.setdefault(uid, []).append(connection)
        self.friends[uid] = connection.grant.friends
        self.hidden[uid] = connection.grant.hidden_sites
        await self._sync_channel(uid)

    async def detach(self, connection: Connection) -> None:
        """Forget a finished connection: its presence entry, and the channel if it was the user's last."""
        uid = connection.user_id
        connections = self.users.get(uid)
        if connections is None or connection not in connections:
            return
        connections.remove(connection)
        if not connections:
            del self.users[uid]
        try:
            twin = next((s for s in connections if s.device == connection.device), None)
            if twin is not None:
                await self.announce(twin)
            else:
                await self.announce(connection, gone=True)
        finally:
            if not connections:
                self.friends.pop(uid, None)
                self.hidden.pop(uid, None)
            await self._sync_channel(uid)

    async def _sync_channel(self, uid: int) -> None:
        async with self._channel_lock:
            want = uid in self.users
            have = uid in self._channels
            if want and not have:
                await self.broker.subscribe(channel(uid), self._dispatcher(uid))
                self._channels.add(uid)
            elif have and not want:
                self._channels.discard(uid)
                await self.broker.unsubscribe(channel(uid))

    def _dispatcher(self, uid: int) -> Any:
        users = self.users

        def dispatch(payload: str) -> None:
            connections = users.get(uid)
            if not connections:
                return
            kind = payload[0]
            if kind == "M":
                # (connection to skip, frame text); the memory broker hands one payload object to every
                # recipient's channel, so a fan-out splits it once
                if payload is not self._split_payload:
                    bar = payload.index("|")
                    self._split = (payload[1:bar], payload[bar + 1 :])
                    self._split_payload = payload
                skip, text = self._split
                for connection in connections:
                    if connection.can_messages and connection.id != skip:
                        connection.push(text)
                if self.fanout_log:
                    self._fan_pushes += len(connections)
                    self._fan_last = time.perf_counter()
            elif kind == "P":
                user_id, device, entry = pr.parse_event(payload[1:])
                self._remember(user_id, device, entry, time.monotonic())
                self._show_presence(user_id, device, entry, connections)
            elif kind == "X":
                site, _, code = payload[1:].partition("|")
                for connection in list(connections):
                    if site == "*" or int(site) == connection.site_id:
                        connection.close(int(code))
            elif kind == "R":
                task = asyncio.get_running_loop().create_task(self.recheck_user(uid, int(payload[1:])))
                self._rechecks.add(task)
                task.add_done_callback(self._rechecks.discard)

        return dispatch

    # -- publishing ----------------------------------------------------------------------------------

    async def publish(self, user_ids: Iterable[int], payload: str) -> None:
        """Publish one payload to several users' channels (one broker call; the payload is the same str for
        every channel); failures are logged, not raised."""
        channels = [f"u:{uid}" for uid in user_ids]
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
        if len(self._members) > 50_000:
            self._members.clear()
        self._members[conversation_id] = (now + MEMBERS_TTL_S, ids)
        return ids

    async def to_members(self, conversation_id: int, frame: dict[str, Any], skip: str = "", but: int = 0) -> None:
        """Encode ``frame`` once and publish it to every member (except user ``but`` and connection ``skip``)."""
        payload = "M" + skip + "|" + encode(frame)
        await self.publish((m for m in await self.members(conversation_id) if m != but), payload)

    async def _committed(self, batch: Sequence[Pending], results: Sequence[AppendResult]) -> None:
        """Acknowledge each stored message to its sender, then deliver the new ones to every member."""
        started = time.perf_counter()
        for item, result in zip(batch, results, strict=True):
            connection = item.connection
            rest = 0
            if item.group is not None:
                item.group[0] -= 1
                rest = item.group[0]
            message = result.message
            if result.error is not None or message is None:
                connection.send(error_frame(result.error or RuntimeError("no result"), item.cid))
                continue
            connection.send(
                P.make_ack(item.cid, message.id, message.conversation_id, message.position, message.created_at, rest)
            )
            if result.created:
                frame = message_fields(message)
                frame["t"] = P.MSG
                await self.to_members(message.conversation_id, frame, skip=connection.id)
        if self.fanout_log:  # after the broker's own callbacks (FIFO), i.e. after local delivery
            asyncio.get_running_loop().call_soon(self._log_fanout, started)

    def _log_fanout(self, started: float) -> None:
        pushes, self._fan_pushes = self._fan_pushes, 0
        if pushes:  # written in a batch a little later: no file I/O right before the next delivery
            if not self._fan_lines:
                asyncio.get_running_loop().call_later(FANOUT_LOG_DELAY_S, self._flush_fanout)
            self._fan_lines.append(f"{pushes} {self._fan_last - started:.9f}\n")

    def _flush_fanout(self) -> None:
        lines, self._fan_lines = self._fan_lines, []
        with open(self.fanout_log, "a") as out:
            out.writelines(lines)

    # -- presence ------------------------------------------------------------------------------------

    def _remember(self, user_id: int, device: str, entry: pr.Entry | None, when: float) -> None:
        if entry is None:
            devices = self.seen.get(user_id)
            if devices is not None:
                devices.pop(device, None)
        else:
            self.seen.setdefault(user_id, {})[device] = (when, pr.fingerprint(entry))

    def _show_presence(
        self, user_id: int, device: str, entry: pr.Entry | None, connections: Iterable[Connection]
    ) -> None:
        """Render a friend's device change once per viewer site and queue it on each viewer's socket."""
        texts: dict[int, str] = {}
        for connection in connections:
            if not connection.can_friends:
                continue
            text = texts.get(connection.site_id)
            if text is None:
                text = texts[connection.site_id] = encode(pr.view(user_id, device, entry, connection.site_id))
            connection.push(text)

    def entry_of(self, connection: Connection) -> dict[str, Any]:
        return pr.make_entry(
            connection.status,
            connection.site_id,
            connection.title,
            self.hidden.get(connection.user_id, ()),
            connection.id,
        )

    async def announce(self, connection: Connection, gone: bool = False) -> None:
        """Store this device's presence entry (or remove it) and tell the user's friends."""
        uid = connection.user_id
        entry = None if gone else self.entry_of(connection)
        if entry is None:
            await self.broker.remove_presence(uid, connection.device)
        else:
            await self.broker.set_presence(uid, connection.device, entry, self.presence_ttl)
            connection.refreshed = time.monotonic()
        payload = pr.event_payload(uid, connection.device, entry)
        await self.publish(self.friends.get(uid, connection.grant.friends), payload)

    async def friends_presence(self, connection: Connection) -> list[dict[str, Any]]:
        """The welcome's presence list for this viewer (empty without the friends scope)."""
        if not connection.can_friends or not connection.grant.friends:
            return []
        found = await self.broker.get_presence(connection.grant.friends)
        now = time.monotonic()
        for user_id, devices in found.items():
            for device, entry in devices.items():
                self._remember(user_id, device, entry, now)
        return pr.welcome_list(found, connection.site_id)

    async def _refresh_presence(self, now: float, every: float) -> None:
        for connection in self.connections():
            if not connection.closing and connection.held is None and now - connection.refreshed >= every:
                connection.refreshed = now
                await self.broker.set_presence(
                    connection.user_id, connection.device, self.entry_of(connection), self.presence_ttl
                )

    async def _poll_presence(self) -> None:
        """Re-read watched friends' entries: expiry is silent, so vanished devices are announced here."""
        started = time.monotonic()
        watchers: dict[int, list[int]] = {}
        for uid, connections in self.users.items():
            if any(s.can_friends for s in connections):
                for friend in self.friends.get(uid, ()):
                    watchers.setdefault(friend, []).append(uid)
        for user_id in [u for u in self.seen if u not in watchers]:
            del self.seen[user_id]
        if not watchers:
            return
        found = await self.broker.get_presence(list(watchers))
        for user_id, local in watchers.items():
            seen = self.seen.setdefault(user_id, {})
            live = found.get(user_id, {})
            changes: list[tuple[str, pr.Entry | None]] = []
            for device, (stamp, _) in list(seen.items()):
                if device not in live and stamp < started:
                    del seen[device]
                    changes.append((device, None))
            for device, entry in live.items():
                print_ = pr.fingerprint(entry)
                old = seen.get(device)
                if old is None or (old[1] != print_ and old[0] < started):
                    seen[device] = (started, print_)
                    changes.append((device, entry))
            if not seen:
                del self.seen[user_id]
            for device, change in changes:
                viewers = [s for uid in local for s in self.users.get(uid, ())]
                self._show_presence(user_id, device, change, viewers)

    # -- upkeep --------------------------------------------------------------------------------------

    async def _maintain(self) -> None:
        tick = max(0.1, min(self.presence_ttl / 3, 5.0))
        next_poll = 0.0
        next_check = time.monotonic() + self.recheck_s
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            try:
                self._check_heartbeats(now)
                await self._refresh_presence(now, tick * 0.9)
                if now >= next_poll:
                    next_poll = now + self.presence_ttl / 2
                    await self._poll_presence()
                if now >= next_check:
                    next_check = now + self.recheck_s
                    await self.recheck()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("relay upkeep failed")

    def _check_heartbeats(self, now: float) -> None:
        limit = 2 * self.heartbeat
        for connection in self.connections():
            if now - connection.last_rx > limit:
                connection.close(P.CLOSE_HEARTBEAT)

    async def recheck(self) -> None:
        """Close sockets whose token was revoked or expired; refresh friend lists and hidden sites."""
        connections = self.connections()
        if not connections:
            return
        await self._close_invalid_tokens(connections)
        users = list(self.users)
        friends = await grants.friend_sets(self.store, users)
        hidden = await grants.hidden_sites(self.store, users)
        for uid in users:
            if uid not in self.users:
                continue
            self.friends[uid] = friends.get(uid, frozenset())
            if hidden.get(uid, ()) != self.hidden.get(uid, ()):
                self.hidden[uid] = hidden.get(uid, ())
                for connection in list(self.users.get(uid, ())):
                    await self.announce(connection)

    # -- orders from elsewhere in the app ------------------------------------------------------------

    def close_local(self, user_id: int, site_id: int | None, code: int) -> None:
        for connection in list(self.users.get(user_id, ())):
            if site_id is None or connection.site_id == site_id:
                connection.close(code)

    async def recheck_user(self, user_id: int, site_id: int) -> None:
        """Re-check now the tokens of the user's sockets on a site in this process; close the revoked or
        expired ones (the periodic ``recheck`` does the same for every socket)."""
        connections = [s for s in self.users.get(user_id, ()) if s.site_id == site_id]
        if not connections:
            return
        try:
            await self._close_invalid_tokens(connections)
        except Exception:  # the periodic recheck will close them
            logger.exception("re-checking tokens after a revocation failed")

    async def _close_invalid_tokens(self, connections: list[Connection]) -> None:
        """One query for the connections' tokens; close those revoked (4010) or expired (4001)."""
        verdicts = await grants.token_verdicts(self.store, (s.grant.token_hash for s in connections))
        for connection in connections:
            code = verdicts.get(connection.grant.token_hash)
            if code is not None:
                connection.close(code)

    async def tokens_revoked(self, user_id: int, site_id: int) -> None:
        """Some of the user's tokens for a site were revoked (one browser signed out, a replayed refresh
        token): every process re-checks that user's sockets on the site now. Unlike ``revoke``, sockets
        opened with the user's other, still valid tokens stay open."""
        await self.publish([user_id], f"R{site_id}")

    async def revoke(self, user_id: int, site_id: int | None = None) -> None:
        """The user's grant for a site was revoked: close those sockets in every process (4010)."""
        self.close_local(user_id, site_id, P.CLOSE_REVOKED)
        await self.publish([user_id], f"X{'*' if site_id is None else site_id}|{P.CLOSE_REVOKED}")
