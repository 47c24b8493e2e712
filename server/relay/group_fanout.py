"""What a committed group change tells whom, in every process: the one publishing function for changes made
through the relay (``group`` frames) and through the JSON API (``Hub.group_changed``, the app's hook).

On each recipient's user channel, in this order:
1. ``G{conv}`` to every member and former member: each process serving one of them forgets its cached member
   list, so later messages fan out to the members as they are now;
2. the change's system message as a ``msg`` to the same people (the actor's socket too: a group operation has
   no ack), except the connection ``skip`` (a leaver's own socket, answered by ``done``);
3. ``resync {conv, reason: gone}`` to the former members (a removed member's sockets, a leaver's other
   sockets);
4. a ``conversation`` frame (every member named, title, owner) to every member, new ones included.
"""

from __future__ import annotations

from typing import Any

from parley import protocol as P

from ..store import GroupChange
from .channels import members_payload, message_payload
from .connection import encode
from .fanout import Fanout
from .frames import message_fields


def conversation_frame(change: GroupChange) -> dict[str, Any]:
    """The ``conversation`` frame of a group as it is after the change."""
    members = [P.person(user.id, user.username, user.display_name) for user in change.people]
    frame: dict[str, Any] = P.make_conversation(change.conversation_id, "group", members, change.title, change.owner)
    return frame


async def publish_change(fanout: Fanout, change: GroupChange, skip: str = "") -> None:
    """Tell every member and former member of the group about ``change``, in every process."""
    conv = change.conversation_id
    members = change.member_ids
    everyone = sorted({*members, *change.gone})
    fanout.forget(conv)
    await fanout.publish(everyone, members_payload(conv))
    message = message_fields(change.message)
    message["t"] = P.MSG
    await fanout.publish(everyone, message_payload(encode(message), skip))
    if change.gone:
        await fanout.publish(change.gone, message_payload(encode(P.make_resync(conv, P.RESYNC_GONE)), skip))
    if members:
        await fanout.publish(members, message_payload(encode(conversation_frame(change))))
