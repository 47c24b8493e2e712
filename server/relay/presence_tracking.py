"""Presence tracking: this process's view of its users' friends and of their devices' entries.

Each live device keeps an entry in the broker (with a TTL, refreshed here); a change is published to the
owner's friends (``P`` payloads, rendered per viewer site). Expiry is silent, so watched friends' entries are
also polled, and devices that vanished are announced from here. The rules of what a viewer sees are in
presence.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from typing import Any

from ..broker import Broker
from . import presence as pr
from .connection import Connection, encode
from .fanout import Fanout

SLICE = 500  # upkeep over every socket yields to the event loop after this many

class PresenceTracker:
    """Friends and hidden sites of the local users, and the last seen entry of each watched device."""

    def __init__(
        self, broker: Broker, fanout: Fanout, users: Mapping[int, list[Connection]], ttl: float
    ) -> None:
        self.broker = broker
        self.fanout = fanout
        self.users = users  # the hub's live connections by user (read only here)
        self.ttl = ttl
        self.friends: dict[int, frozenset[int]] = {}
        self.hidden: dict[int, tuple[int, ...]] = {}
        self.seen: dict[int, dict[str, tuple[float, str]]] = {}  # friend -> device -> (when, fingerprint)

    def forget(self, user_id: int) -> None:
        """The user's last local connection ended."""
        self.friends.pop(user_id, None)
        self.hidden.pop(user_id, None)

    def remember(self, user_id: int, device: str, entry: pr.Entry | None, when: float) -> None:
        if entry is None:
            devices = self.seen.get(user_id)
            if devices is not None:
                devices.pop(device, None)
        else:
            self.seen.setdefault(user_id, {})[device] = (when, pr.fingerprint(entry))

    def received(self, payload: str, viewers: Iterable[Connection]) -> None:
        """A friend's device changed (a ``P`` payload): remember it and show it to the viewers."""
        user_id, device, entry = pr.parse_event(payload[1:])
        self.remember(user_id, device, entry, time.monotonic())
        self.show(user_id, device, entry, viewers)

    def show(self, user_id: int, device: str, entry: pr.Entry | None, viewers: Iterable[Connection]) -> None:
        """Render a friend's device change once per viewer site and queue it on each viewer's socket."""
        texts: dict[int, str] = {}
        for connection in viewers:
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
            await self.broker.set_presence(uid, connection.device, entry, self.ttl)
            connection.refreshed = time.monotonic()
        payload = pr.event_payload(uid, connection.device, entry)
        await self.fanout.publish(self.friends.get(uid, connection.grant.friends), payload)

    async def friends_presence(self, connection: Connection) -> list[dict[str, Any]]:
        """The welcome's presence list for this viewer (empty without the friends scope)."""
        if not connection.can_friends or not connection.grant.friends:
            return []
        found = await self.broker.get_presence(connection.grant.friends)
        now = time.monotonic()
        for user_id, devices in found.items():
            for device, entry in devices.items():
                self.remember(user_id, device, entry, now)
        return pr.welcome_list(found, connection.site_id)

    async def refresh(self, connections: Iterable[Connection], now: float, every: float) -> None:
        """Renew the broker entries of live devices not refreshed for ``every`` seconds (letting the event loop
        run between slices: the in-process broker never suspends, and 20,000 renewals in one go held the loop
        for ~0.3-0.6 s)."""
        for k, connection in enumerate(connections, 1):
            if k % SLICE == 0:
                await asyncio.sleep(0)
            if not connection.closing and connection.held is None and now - connection.refreshed >= every:
                connection.refreshed = now
                await self.broker.set_presence(
                    connection.user_id, connection.device, self.entry_of(connection), self.ttl
                )

    async def poll(self) -> None:
        """Re-read watched friends' entries: expiry is silent, so vanished devices are announced here."""
        started = time.monotonic()
        watchers: dict[int, list[int]] = {}
        for uid, connections in self.users.items():
            if any(c.can_friends for c in connections):
                for friend in self.friends.get(uid, ()):
                    watchers.setdefault(friend, []).append(uid)
        for user_id in [u for u in self.seen if u not in watchers]:
            del self.seen[user_id]
        if not watchers:
            return
        found: dict[int, dict[str, dict[str, Any]]] = {}
        ids = list(watchers)
        for first in range(0, len(ids), SLICE):  # the in-process broker decodes every entry it returns at once
            if first:
                await asyncio.sleep(0)
            found.update(await self.broker.get_presence(ids[first : first + SLICE]))
        for k, (user_id, local) in enumerate(watchers.items(), 1):
            if k % SLICE == 0:  # let the loop run between slices of a large poll
                await asyncio.sleep(0)
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
                viewers = [c for uid in local for c in self.users.get(uid, ())]
                self.show(user_id, device, change, viewers)
