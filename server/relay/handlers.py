"""What each authenticated client frame does. A handler gets the hub, the connection and the validated frame;
it answers by queueing frames on the connection (errors are raised and turned into error frames)."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from parley import protocol as P

from ..store import NewMessage
from ..store.clock import now_ms
from .commit import Pending
from .connection import Connection
from .frames import message_fields
from .group_handlers import GROUP_HANDLERS
from .hub import Hub
from .message_handlers import MESSAGE_HANDLERS
from .moderation_handlers import MODERATION_HANDLERS
from .people_handlers import PEOPLE_HANDLERS
from .search_handlers import SEARCH_HANDLERS

Handler = Callable[[Hub, Connection, dict[str, Any]], Awaitable[None]]


def share_client_id(cid: str, conversation_id: int) -> str:
    """The stored client id of a share's message in one conversation: resends deduplicate per target."""
    return hashlib.sha256(f"{cid}:{conversation_id}".encode()).hexdigest()[:64]


def card(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """A link card as stored: the title defaults to the link's host (the store requires one)."""
    if data is not None and "url" in data and not (data.get("title") or "").strip():
        data = {**data, "title": P.url_host(data["url"]) or data["url"][: P.MAX_TITLE_CHARS]}
    return data


async def on_send(hub: Hub, connection: Connection, frame: dict[str, Any]) -> None:
    data = card(frame.get("data"))
    if frame["kind"] == P.KIND_FILE:  # the sender's own upload in this conversation, as the server recorded it
        upload = await hub.store.attach_file(frame["data"]["id"], connection.user_id, frame["conv"], frame["cid"])
        data = upload.message_data()
    if "reply_to" in frame:  # a message of the same conversation (rows stay, so a resend passes again)
        await hub.store.check_reply_target(frame["conv"], connection.user_id, frame["reply_to"])
        data = {"reply_to": frame["reply_to"]}
    new = NewMessage(frame["conv"], connection.user_id, frame["cid"], frame["kind"], frame.get("text", ""), data)
    hub.committer.submit(Pending(new, connection, frame["cid"]))


async def share_targets(hub: Hub, user_id: int, frame: dict[str, Any]) -> list[int]:
    """The distinct conversations a share goes to, in order: each friend's direct conversation (``to``,
    opened if needed), then ``conv`` and ``convs``; a conversation named twice (a friend and their direct
    conversation) counts once."""
    targets: dict[int, None] = {}
    for friend in frame.get("to", ()):
        if friend == user_id:
            raise P.ProtocolError(P.E_BAD_FIELD, "to: you cannot share with yourself", frame["cid"])
        targets[(await hub.store.open_direct(user_id, friend)).id] = None
    if "conv" in frame:
        targets[frame["conv"]] = None
    for conversation_id in frame.get("convs", ()):
        targets[conversation_id] = None
    return list(targets)


async def on_share(hub: Hub, connection: Connection, frame: dict[str, Any]) -> None:
    """One stored ``share`` message per target conversation, each acknowledged with ``rest`` counting down."""
    cid = frame["cid"]
    targets = await share_targets(hub, connection.user_id, frame)
    group = [len(targets)]
    text = frame.get("text", "")
    data = card(frame["data"])
    for conversation_id in targets:
        new = NewMessage(
            conversation_id, connection.user_id, share_client_id(cid, conversation_id), P.KIND_SHARE, text, data
        )
        hub.committer.submit(Pending(new, connection, cid, group))


async def on_typing(hub: Hub, connection: Connection, frame: dict[str, Any]) -> None:
    conv = frame["conv"]
    if connection.user_id not in await hub.fanout.members(conv):
        raise P.ProtocolError(P.E_FORBIDDEN, "not a member of this conversation")
    await hub.fanout.to_members(conv, P.make_user_typing(conv, connection.user_id), but=connection.user_id)


async def on_read(hub: Hub, connection: Connection, frame: dict[str, Any]) -> None:
    conv = frame["conv"]
    pos = await hub.store.set_read_position(conv, connection.user_id, frame["pos"])
    await hub.fanout.to_members(conv, P.make_user_read(conv, connection.user_id, pos), skip=connection.id)


async def on_presence(hub: Hub, connection: Connection, frame: dict[str, Any]) -> None:
    """The account's status (kept, like a ``settings {status}``): every device and process follows."""
    if frame["status"] != connection.status:
        await hub.store.update_settings(connection.user_id, status=frame["status"])
        await hub.settings_changed(connection.user_id)


SETTINGS_CHOICES = ("status", "hidden", "share_title", "sound", "findable", "requests")
PRIVACY_CHOICES = ("findable", "requests")  # need the people scope, to read and to change


async def on_settings(hub: Hub, connection: Connection, frame: dict[str, Any]) -> None:
    """Read the visitor's choices (none given) or change some; a change reaches every socket of the user, in
    every process, as a ``settings`` frame (the asking socket also gets one with its ``rid`` at once). The
    privacy choices (findable, requests) are read and changed only with the ``people`` scope."""
    changes = {name: frame[name] for name in SETTINGS_CHOICES if name in frame}
    people = connection.allows(P.SCOPE_PEOPLE)
    if not people and any(name in changes for name in PRIVACY_CHOICES):
        raise P.ProtocolError(P.E_FORBIDDEN, "the token lacks the people scope (findable, requests)", frame.get("rid"))
    site = connection.site_id
    if changes:
        found = await hub.store.update_settings(connection.user_id, site_id=site, **changes)
        await hub.settings_changed(connection.user_id)
    else:
        found = await hub.store.account_settings(connection.user_id, site)
    if changes and "rid" not in frame:
        return
    mine = next((s for s in found.sites if s.site_id == site), None)
    hidden, share_title = (mine.hidden, mine.share_title) if mine is not None else (False, False)
    answer = P.make_user_settings(found.status, hidden, share_title, found.sound, frame.get("rid"))
    if people:
        answer["findable"], answer["requests"] = found.findable, found.requests
    connection.send(answer)


async def on_page(hub: Hub, connection: Connection, frame: dict[str, Any]) -> None:
    title = (frame.get("title") or None) if connection.share_title else None  # never kept unless shared
    if title != connection.title:
        connection.title = title
        await hub.presence.announce(connection)


async def on_ping(hub: Hub, connection: Connection, frame: dict[str, Any]) -> None:
    connection.send(P.make_pong(now_ms()))


async def on_history(hub: Hub, connection: Connection, frame: dict[str, Any]) -> None:
    conv = frame["conv"]
    limit = frame["limit"]
    if "after" in frame:
        found = await hub.store.messages_after(conv, connection.user_id, frame["after"], limit)
        messages = [message_fields(m) for m in found]
        next_before = None
        changes = 0
    else:
        page = await hub.store.history(conv, connection.user_id, frame.get("before"), limit)
        messages = [message_fields(m) for m in reversed(page.messages)]
        next_before = page.next_before
        changes = page.last_change
    connection.send(P.make_history_page(frame["rid"], conv, messages, next_before, changes))


async def on_hello(hub: Hub, connection: Connection, frame: dict[str, Any]) -> None:
    raise P.ProtocolError(P.E_BAD_FRAME, "already authenticated: hello is only the first frame")


HANDLERS: dict[str, Handler] = {
    P.SEND: on_send,
    P.SHARE: on_share,
    P.TYPING: on_typing,
    P.READ: on_read,
    P.PRESENCE: on_presence,
    P.PAGE: on_page,
    P.PING: on_ping,
    P.SETTINGS: on_settings,
    P.HISTORY: on_history,
    P.HELLO: on_hello,
    **GROUP_HANDLERS,
    **PEOPLE_HANDLERS,
    **SEARCH_HANDLERS,
    **MESSAGE_HANDLERS,
    **MODERATION_HANDLERS,
}
