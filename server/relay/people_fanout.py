"""What a changed relation between two people does, in every process: the one publishing function for
changes made through the relay (``friend`` and ``invite accept`` frames), the JSON API and the account pages
(``Hub.friendship_changed``, the app's hook), and what each process does when the ``F`` payload arrives.

On the channel of each person whose own view changed (a blocked person whose view stays ``none`` is told
nothing, so a block is never revealed):
1. the process updates the friend set it caches for that user (presence tracking and each socket's grant),
   so presence goes to friends as they are now;
2. each of the user's sockets that may see friends or manage people gets a ``friendship`` frame: the other
   person and the user's own view of the relation;
3. presence follows at once: new friends get each other's current presence entries (rendered per viewer
   site by presence.py's rules), and people who stopped being friends get ``presence ... offline`` for every
   device of the other.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

from parley import protocol as P

from ..store import FriendChange
from . import channels
from .connection import Connection, encode
from .fanout import Fanout
from .grants import NO_FRIENDS
from .presence_tracking import PresenceTracker


async def publish_friendship(fanout: Fanout, change: FriendChange) -> None:
    """Tell each person whose view changed, in every process."""
    told = [who.id for who, _, _ in change.views]
    if not told:
        return
    a, b = change.actor, change.other
    payload = channels.friendship_payload(
        (a.id, a.username, a.display_name),
        change.actor_after,
        (b.id, b.username, b.display_name),
        change.other_after,
        change.friendship_changed,
    )
    await fanout.publish(told, payload)


def may_see_people(connection: Connection) -> bool:
    """Whether a socket is told about its user's relations (scope ``friends`` or ``people``)."""
    return connection.can_friends or connection.allows(P.SCOPE_PEOPLE)


async def follow_friendship(
    presence: PresenceTracker, connections: Sequence[Connection], user_id: int, payload: str
) -> None:
    """An ``F`` payload reached the channel of ``user_id``, whose live ``connections`` are here."""
    other, rel, friendship_changed = channels.parse_friendship(payload, user_id)
    other_id = other[0]
    live = [c for c in connections if not c.closing]
    if friendship_changed:
        friends = set(presence.friends.get(user_id, live[0].grant.friends if live else NO_FRIENDS))
        if rel == P.REL_FRIENDS:
            friends.add(other_id)
        else:
            friends.discard(other_id)
        shared = frozenset(friends) if friends else NO_FRIENDS
        presence.friends[user_id] = shared
        for connection in live:
            connection.grant = dataclasses.replace(connection.grant, friends=shared)
    text = encode(P.make_friendship(P.person(other_id, other[1], other[2]), rel))
    for connection in live:
        if may_see_people(connection):
            connection.push(text)
    if not friendship_changed:
        return
    found = await presence.broker.get_presence([other_id])
    devices = found.get(other_id, {})
    if rel == P.REL_FRIENDS:
        now = time.monotonic()
        for device, entry in devices.items():
            presence.remember(other_id, device, entry, now)
            presence.show(other_id, device, entry, live)
        return
    gone = set(devices) | set(presence.seen.get(other_id, {}))
    for device in sorted(gone):
        presence.show(other_id, device, None, live)
