"""The ``group`` frame (scope ``messages``): create, rename, add, remove, leave.

The store makes the change and its system message in one transaction (``store.groups``); the hub then tells
every member and former member in every process (``group_fanout``), and the asking socket gets ``done`` with
the group's id. Store errors become error frames with the frame's ``rid`` (``NotMember``/``NotFriend``/
``Forbidden``: ``forbidden``; ``NotFound``: ``not_found``; ``LimitReached``: ``limit``; ``Invalid``, which
includes every operation on a direct conversation: ``bad_field``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from parley import protocol as P

from ..store import GroupChange
from .connection import Connection
from .hub import Hub


async def group_change(hub: Hub, actor: int, frame: dict[str, Any]) -> GroupChange:
    """Run the frame's operation in the store; the committed change."""
    store = hub.store
    op = frame["op"]
    if op == "create":
        return await store.create_group_change(actor, frame["users"], frame.get("title"))
    conv = frame["conv"]
    if op == "rename":
        return await store.rename_group(conv, actor, frame["title"])
    if op == "add":
        return await store.add_to_group(conv, actor, frame["users"])
    if op == "remove":
        return await store.remove_from_group(conv, actor, frame["user"])
    return await store.leave_group(conv, actor)


async def on_group(hub: Hub, connection: Connection, frame: dict[str, Any]) -> None:
    """Run a group operation; every member sees its system message and the group's new info, then the asking
    socket gets ``done`` (a leaver's own socket gets only ``done``)."""
    change = await group_change(hub, connection.user_id, frame)
    await hub.group_changed(change, skip=connection.id if frame["op"] == "leave" else "")
    connection.send(P.make_done(frame["rid"], change.conversation_id))


GROUP_HANDLERS: dict[str, Callable[[Hub, Connection, dict[str, Any]], Awaitable[None]]] = {P.GROUP: on_group}
