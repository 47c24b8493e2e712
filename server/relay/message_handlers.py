"""The ``edit``, ``delete`` and ``react`` frames (scope ``messages``): changes to stored messages.

The store makes the change and numbers it (``store.message_changes``); every member's sockets in every process
then get a ``changed`` frame (``message_fanout``), and the asking socket gets ``done`` with the conversation
(before or after its own ``changed``). A change that changes nothing (deleting a deleted message, a reaction
already there) is answered ``done`` and tells nobody. Store errors become error frames with the frame's
``rid``: someone else's message or a conversation the user is not in is ``forbidden``, a message not in the
conversation ``not_found``, text out of the rules ``bad_field``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from parley import protocol as P

from ..store import MessageRecord
from .connection import Connection
from .hub import Hub


async def message_change(hub: Hub, user_id: int, frame: dict[str, Any]) -> MessageRecord | None:
    """Run the frame's change in the store; the message as it is now, or None when nothing changed."""
    store = hub.store
    conv, message_id = frame["conv"], frame["id"]
    if frame["t"] == P.EDIT:
        return await store.edit_message(conv, user_id, message_id, frame["text"])
    if frame["t"] == P.DELETE:
        return await store.delete_message(conv, user_id, message_id)
    return await store.react(conv, user_id, message_id, frame["emoji"], frame.get("on", True))


async def on_change(hub: Hub, connection: Connection, frame: dict[str, Any]) -> None:
    """Change a message; every member sees ``changed``, the asking socket also gets ``done``."""
    changed = await message_change(hub, connection.user_id, frame)
    if changed is not None:
        await hub.message_changed(changed)
    connection.send(P.make_done(frame["rid"], frame["conv"]))


MESSAGE_HANDLERS: dict[str, Callable[[Hub, Connection, dict[str, Any]], Awaitable[None]]] = {
    P.EDIT: on_change,
    P.DELETE: on_change,
    P.REACT: on_change,
}
