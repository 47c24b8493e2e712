"""The people frames (scope ``people``, checked by the endpoint from ``parley.protocol.FRAME_SCOPES``):
``friend`` (request, accept, decline, cancel, remove, block, unblock), ``find`` and ``invite`` (create, list,
revoke, accept).

Changes go through the store (``store.relations``, ``store.invites``) and then reach both people's sockets in
every process (``Hub.friendship_changed``); the asking socket gets ``done`` with its ``rid`` and the asker's
view ``rel`` (and ``conv`` for an accepted invite). Searches and friend requests are paced per user
(``rate_limited``). Store errors become error frames (``Forbidden``: ``forbidden``; ``NotFound``:
``not_found``; ``LimitReached``: ``limit``; ``Invalid``/``Conflict``: ``bad_field``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from parley import protocol as P

from ..store import InviteRecord
from .connection import Connection
from .hub import Hub


def paced(wait: int | None, what: str, rid: str) -> None:
    """Raise ``rate_limited`` when a pacer refused (``wait``: seconds until the next one is allowed)."""
    if wait is not None:
        raise P.ProtocolError(P.E_RATE_LIMITED, f"too many {what}; try again in {wait} s", rid)


async def on_friend(hub: Hub, connection: Connection, frame: dict[str, Any]) -> None:
    """Run a friend operation; both people hear of it (``friendship``), the asker gets ``done {rel}``."""
    op = frame["op"]
    if op == "request":
        paced(hub.request_pacer.hit(str(connection.user_id)), "friend requests", frame["rid"])
    other = {"user": frame.get("user"), "username": frame.get("username")}
    change = await hub.store.friend_change(connection.user_id, op, **other)
    await hub.friendship_changed(change)
    connection.send(P.make_done(frame["rid"], rel=change.actor_after))


async def on_find(hub: Hub, connection: Connection, frame: dict[str, Any]) -> None:
    """Search people by the start of a username or display-name word (paced per user)."""
    paced(hub.find_pacer.hit(str(connection.user_id)), "searches", frame["rid"])
    found = await hub.store.find_people(connection.user_id, frame["q"], P.MAX_FIND_RESULTS)
    users = [{**P.person(p.user.id, p.user.username, p.user.display_name), "rel": p.rel} for p in found]
    connection.send(P.make_found(frame["rid"], users))


def origin(url: str) -> str:
    """The ``scheme://host[:port]`` of an http(s) URL already checked by the protocol (lower-cased)."""
    scheme = url[: url.index(":")].lower()
    host: str = P.url_host(url)
    return scheme + "://" + host


def invite_fields(hub: Hub, invite: InviteRecord) -> dict[str, Any]:
    """An invite as the ``invites`` frame carries it (its code rebuilt from its id)."""
    fields: dict[str, Any] = P.invite_fields(hub.invite_codes.code(invite.id), invite.url, invite.expires_at)
    return fields


def invite_id(hub: Hub, frame: dict[str, Any]) -> int:
    """The invite a frame's code names; ``not_found`` for a code the server did not make."""
    found = hub.invite_codes.invite_id(frame["code"])
    if found is None:
        raise P.ProtocolError(P.E_NOT_FOUND, "no such invite (it may have expired or been revoked)", frame["rid"])
    return found


async def on_invite(hub: Hub, connection: Connection, frame: dict[str, Any]) -> None:
    """Invite links to a page of the socket's site: create (answered by ``invites`` with the new one), list
    (the user's live invites), revoke (``done``), accept (friends at once: ``done {conv, rel}``)."""
    op, rid, store, user_id = frame["op"], frame["rid"], hub.store, connection.user_id
    if op == "create":
        url = frame["url"]
        if origin(url) not in {o.lower() for o in connection.grant.origins}:
            raise P.ProtocolError(P.E_BAD_FIELD, "url: an invite is for a page of this site", rid)
        invite = await store.create_invite(user_id, url, connection.site_id)
        connection.send(P.make_invites(rid, [invite_fields(hub, invite)]))
    elif op == "list":
        invites = await store.list_invites(user_id)
        connection.send(P.make_invites(rid, [invite_fields(hub, invite) for invite in invites]))
    elif op == "revoke":
        await store.revoke_invite(user_id, invite_id(hub, frame))
        connection.send(P.make_done(rid))
    else:
        change = await store.accept_invite(user_id, invite_id(hub, frame))
        await hub.friendship_changed(change)
        connection.send(P.make_done(rid, change.conversation_id, change.actor_after))


PEOPLE_HANDLERS: dict[str, Callable[[Hub, Connection, dict[str, Any]], Awaitable[None]]] = {
    P.FRIEND: on_friend,
    P.FIND: on_find,
    P.INVITE: on_invite,
}
