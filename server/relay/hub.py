"""The per-process hub: live connections by user, one broker channel per local user, upkeep, and orders
from elsewhere in the app (revocations).

What travels on the channels is in channels.py; publishing and local delivery in fanout.py; friends'
presence in presence_tracking.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
import time
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from parley import protocol as P

from ..broker import Broker
from ..invite_codes import InviteCodes
from ..oauth.dpop_check import DpopChecker
from ..pacing import FIND_PACE, FRIEND_REQUESTS, REPORT_PACE, SEARCH_PACE
from ..security import SlidingWindow
from ..store import FriendChange, GroupChange, MessageRecord, Store
from . import channels, grants
from .commit import GroupCommitter
from .connection import Connection, SendQueue
from .fanout import Fanout, FanoutProbe
from .group_fanout import publish_change
from .limits import ConnectionLimits
from .message_fanout import publish_changed
from .people_fanout import follow_friendship, publish_friendship
from .presence_tracking import PresenceTracker
from .site_counts import SiteCounts
from .stats import RelayStats

logger = logging.getLogger("parley.relay")

RECHECK_S = 30.0  # re-check tokens (revoked, expired) and friend lists this often
RECHECK_SLICE = 500  # users (and sockets) per store read of the re-check: their rows are built on the loop
HEARTBEAT_S = 25


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
        limits: ConnectionLimits | None = None,
        fanout_probe: FanoutProbe | None = None,
        invite_codes: InviteCodes | None = None,
        dpop: DpopChecker | None = None,
    ) -> None:
        self.store = store
        self.dpop = dpop  # checks hello's DPoP proof for tokens bound to a key (none: such tokens are refused)
        self.broker = broker
        self.heartbeat = heartbeat
        self.max_frame = max_frame
        self.origins = frozenset(origins)  # Parley's own origins (the copy-paste frame)
        self.recheck_s = recheck_s
        self.limits = limits or ConnectionLimits()
        self.hello_timeout: float = P.HELLO_TIMEOUT_S
        self.users: dict[int, list[Connection]] = {}
        self.stats = RelayStats()  # operators' counts, read by /metrics
        self.site_counts = SiteCounts()  # the sites' insight, flushed to the store by server/insight
        self.fanout = Fanout(store, broker, fanout_probe, self.stats, self.site_counts)
        self.presence = PresenceTracker(broker, self.fanout, self.users, float(presence_ttl))
        self.committer = GroupCommitter(store, self.fanout.committed)
        self.send_queue = SendQueue()  # connections with output to write, flushed by one loop callback
        self._channels: set[int] = set()
        self._channel_lock = asyncio.Lock()
        self._maintenance: asyncio.Task[None] | None = None
        self._rechecks: set[asyncio.Task[None]] = set()  # R orders being carried out
        # invite codes need the secret key every process shares (the app passes the settings' one)
        self.invite_codes = invite_codes or InviteCodes(secrets.token_urlsafe(32))
        # people searches and friend requests per user (the app shares its windows with the JSON API and pages)
        self.find_pacer = SlidingWindow(*FIND_PACE)
        self.request_pacer = SlidingWindow(*FRIEND_REQUESTS)
        self.search_pacer = SlidingWindow(*SEARCH_PACE)  # message searches per user
        self.report_pacer = SlidingWindow(*REPORT_PACE)  # reports to sites' owners per user

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
        self.stats.broker_resets += 1
        logger.warning("broker reset: closing %d sockets with 1012", sum(map(len, self.users.values())))
        for connection in self.connections():
            connection.close(P.CLOSE_RESTART)

    # -- connections and channels --------------------------------------------------------------------

    async def attach(self, connection: Connection) -> None:
        """Register a connection (still holding live frames) and make sure its user's channel is subscribed."""
        uid = connection.user_id
        self.users.setdefault(uid, []).append(connection)
        self.presence.friends[uid] = connection.grant.friends
        self.presence.hidden[uid] = connection.grant.hidden_sites
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
            twin = next((c for c in connections if c.device == connection.device), None)
            if twin is not None:
                await self.presence.announce(twin)
            else:
                await self.presence.announce(connection, gone=True)
        finally:
            if not connections:
                self.presence.forget(uid)
            await self._sync_channel(uid)

    async def _sync_channel(self, uid: int) -> None:
        async with self._channel_lock:
            want = uid in self.users
            have = uid in self._channels
            if want and not have:
                await self.broker.subscribe(channels.channel(uid), self._dispatcher(uid))
                self._channels.add(uid)
                self.fanout.forget_user(uid)  # lists cached while no G payload for this user reached us
            elif have and not want:
                self._channels.discard(uid)
                await self.broker.unsubscribe(channels.channel(uid))

    def _dispatcher(self, uid: int) -> Callable[[str], None]:
        """The broker callback of one user's channel: a partial (~0.1 KB) rather than a closure with its cells
        (~0.4 KB), one per local user."""
        return functools.partial(self._dispatch, uid)

    def _dispatch(self, uid: int, payload: str) -> None:
        """Carry out one payload of a user's channel for that user's sockets in this process."""
        connections = self.users.get(uid)
        if not connections:
            return
        fanout = self.fanout
        kind = payload[0]
        if kind == channels.MESSAGE:
            fanout.deliver(connections, payload)
        elif kind == channels.PRESENCE:
            self.presence.received(payload, connections)
        elif kind == channels.CLOSE:
            site, code = channels.parse_close(payload)
            for connection in list(connections):
                if site is None or site == connection.site_id:
                    connection.close(code)
        elif kind == channels.SETTINGS:
            status, sound, hidden, titles, privacy = channels.parse_settings(payload)
            self._later(self.apply_choices(uid, status, hidden, titles, sound, privacy))
        elif kind == channels.RECHECK:
            site_id = channels.parse_recheck(payload)
            self._later(self.recheck_user(uid, site_id))
        elif kind == channels.MEMBERS:
            fanout.forget(channels.parse_members(payload))
        elif kind == channels.FRIENDSHIP:
            self._later(follow_friendship(self.presence, connections, uid, payload))

    def _later(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._rechecks.add(task)
        task.add_done_callback(self._rechecks.discard)

    # -- upkeep --------------------------------------------------------------------------------------

    async def _maintain(self) -> None:
        ttl = self.presence.ttl
        tick = max(0.1, min(ttl / 3, 5.0))
        next_poll = 0.0
        next_check = time.monotonic() + self.recheck_s
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            try:
                self._check_heartbeats(now)
                # entries are renewed once a third of their TTL has passed (every tick, 5 s, was 6 renewals
                # per TTL: 20,000 idle sockets cost ~4,000 renewals a second)
                await self.presence.refresh(self.connections(), now, max(tick * 0.9, ttl / 3))
                if now >= next_poll:
                    next_poll = now + ttl / 2
                    await self.presence.poll()
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
        # in slices: with 20,000 users, one read of each and the pass over them held the loop ~0.5-1.5 s
        for first in range(0, len(connections), RECHECK_SLICE):
            await self._close_invalid_tokens(connections[first : first + RECHECK_SLICE])
        users = list(self.users)
        presence = self.presence
        for first in range(0, len(users), RECHECK_SLICE):
            part = users[first : first + RECHECK_SLICE]
            friends = await self.store.friend_sets(part)
            choices = await self.store.presence_choices(part)
            for uid in part:
                if uid not in self.users:
                    continue
                found = friends.get(uid, frozenset())
                if presence.friends.get(uid) != found:  # an equal set is kept: it may be frozen (gc_freeze.py)
                    presence.friends[uid] = found
                chosen = choices.get(uid)
                if chosen is not None:
                    await self.apply_choices(uid, chosen.status, chosen.hidden_sites, chosen.title_sites)

    async def apply_choices(
        self,
        user_id: int,
        status: str,
        hidden_sites: tuple[int, ...],
        title_sites: tuple[int, ...],
        sound: str | None = None,
        privacy: tuple[str, str] = (P.FINDABLE_EVERYONE, P.REQUESTS_EVERYONE),
    ) -> None:
        """Apply a user's choices to their sockets in this process: re-announce the devices whose presence
        changes (status, sites hidden from, page title withdrawn); with ``sound`` (a change from anywhere,
        not the periodic re-check) tell every socket its site's view in a ``settings`` frame (with ``privacy``:
        the account's findable and requests choices, for sockets with the ``people`` scope)."""
        connections = [c for c in self.users.get(user_id, ()) if not c.closing]
        if not connections:
            return
        presence = self.presence
        before = [presence.entry_of(c) for c in connections]
        presence.hidden[user_id] = hidden_sites
        for connection in connections:
            connection.status = status
            connection.share_title = connection.site_id in title_sites
            if not connection.share_title:
                connection.title = None  # a title is never kept once sharing is off
        for connection, old in zip(connections, before, strict=True):
            if presence.entry_of(connection) != old:
                await presence.announce(connection)
        if sound is not None:
            for connection in connections:
                site = connection.site_id
                frame = P.make_user_settings(status, site in hidden_sites, site in title_sites, sound)
                if connection.allows(P.SCOPE_PEOPLE):
                    frame["findable"], frame["requests"] = privacy
                connection.send(frame)

    async def settings_changed(self, user_id: int) -> None:
        """The user's choices changed in the store (a settings frame, the JSON API, the account page): every
        process applies them to that user's sockets now (an ``S`` order on the user's channel)."""
        found = await self.store.account_settings(user_id)
        hidden = tuple(s.site_id for s in found.sites if s.hidden)
        titles = tuple(s.site_id for s in found.sites if s.share_title)
        privacy = (found.findable, found.requests)
        payload = channels.settings_payload(found.status, found.sound, hidden, titles, privacy)
        await self.fanout.publish([user_id], payload)

    # -- orders from elsewhere in the app ------------------------------------------------------------

    def close_local(self, user_id: int, site_id: int | None, code: int) -> None:
        for connection in list(self.users.get(user_id, ())):
            if site_id is None or connection.site_id == site_id:
                connection.close(code)

    async def recheck_user(self, user_id: int, site_id: int) -> None:
        """Re-check now the tokens of the user's sockets on a site in this process; close the revoked or
        expired ones (the periodic ``recheck`` does the same for every socket)."""
        connections = [c for c in self.users.get(user_id, ()) if c.site_id == site_id]
        if not connections:
            return
        try:
            await self._close_invalid_tokens(connections)
        except Exception:  # the periodic recheck will close them
            logger.exception("re-checking tokens after a revocation failed")

    async def _close_invalid_tokens(self, connections: list[Connection]) -> None:
        """One query for the connections' tokens; close those revoked (4010) or expired (4001)."""
        verdicts = await grants.token_verdicts(self.store, (c.grant.token_hash for c in connections))
        for connection in connections:
            code = verdicts.get(connection.grant.token_hash)
            if code is not None:
                connection.close(code)

    async def tokens_revoked(self, user_id: int, site_id: int) -> None:
        """Some of the user's tokens for a site were revoked (one browser signed out, a replayed refresh
        token): every process re-checks that user's sockets on the site now. Unlike ``revoke``, sockets
        opened with the user's other, still valid tokens stay open."""
        await self.fanout.publish([user_id], channels.recheck_payload(site_id))

    async def group_changed(self, change: GroupChange, skip: str = "") -> None:
        """A group changed in the store (a ``group`` frame, the JSON API): tell every member and every former
        member in every process (see ``group_fanout.publish_change``); ``skip`` is a connection not to tell
        (a leaver's own socket)."""
        await publish_change(self.fanout, change, skip)

    async def message_changed(self, message: MessageRecord) -> None:
        """A stored message changed (an ``edit``, ``delete`` or ``react`` frame, the JSON API): every member's
        sockets in every process get its ``changed`` frame (see ``message_fanout``)."""
        await publish_changed(self.fanout, message)

    async def friendship_changed(self, change: FriendChange) -> None:
        """A relation between two people changed in the store (a ``friend`` or ``invite`` frame, the JSON API,
        the account pages): tell both in every process; presence follows (see ``people_fanout``)."""
        await publish_friendship(self.fanout, change)

    async def revoke(self, user_id: int, site_id: int | None = None) -> None:
        """The user's grant for a site was revoked: close those sockets in every process (4010)."""
        self.close_local(user_id, site_id, P.CLOSE_REVOKED)
        await self.fanout.publish([user_id], channels.close_payload(site_id, P.CLOSE_REVOKED))

    async def ban(self, user_id: int, site_id: int | None) -> None:
        """The user was banned from a site (None: every site, e.g. a disabled account, which closes with 4010
        instead): close those sockets in this process now and in every other through the broker."""
        code = P.CLOSE_BANNED if site_id is not None else P.CLOSE_REVOKED
        self.close_local(user_id, site_id, code)
        await self.fanout.publish([user_id], channels.close_payload(site_id, code))
