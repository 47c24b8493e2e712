"""Telling the relay what changed elsewhere in the app (a grant ended, choices, a group or a relation changed), so live
sockets follow at once instead of at their next check."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any


async def close_live_sockets(app: Any, user_id: int, site_id: int | None) -> None:
    """Close the user's sockets for a site (every site when site_id is None) through `app.state.on_revoke`,
    which the relay registers; a no-op in apps without a relay."""
    hook: Any = getattr(app.state, "on_revoke", None)
    if hook is not None:
        result = hook(user_id, site_id)
        if inspect.isawaitable(result):
            await result


async def settings_changed(app: Any, user_id: int) -> None:
    """The user's choices changed (status, hiding, titles, sound): have the relay apply them to the user's
    live sockets in every process now, through `app.state.on_settings_changed` (a no-op without a relay)."""
    hook: Any = getattr(app.state, "on_settings_changed", None)
    if hook is not None:
        result = hook(user_id)
        if inspect.isawaitable(result):
            await result


async def recheck_live_sockets(app: Any, revoked: Iterable[tuple[int, int]]) -> None:
    """Some tokens of these (user id, site id) were revoked: have the relay re-check those users' sockets on
    those sites now, in every process, through `app.state.on_tokens_revoked` (which the relay registers; a
    no-op in apps without a relay). Sockets opened with a revoked token close (4010) at once instead of at the
    relay's next periodic check; the user's other sign-ins stay open."""
    hook: Any = getattr(app.state, "on_tokens_revoked", None)
    if hook is None:
        return
    for user_id, site_id in revoked:
        result = hook(user_id, site_id)
        if inspect.isawaitable(result):
            await result


async def group_changed(app: Any, change: Any) -> None:
    """A group changed in the store (``store.GroupChange``, made through the JSON API): have the relay tell
    every member and former member's live sockets in every process, exactly as for a change made on a socket,
    through `app.state.on_group_changed` (the relay's ``Hub.group_changed``; a no-op without a relay)."""
    hook: Any = getattr(app.state, "on_group_changed", None)
    if hook is not None:
        result = hook(change)
        if inspect.isawaitable(result):
            await result


async def message_changed(app: Any, message: Any) -> None:
    """A stored message was edited, deleted or reacted to (``store.MessageRecord``, through the JSON API): have
    the relay send every member's live sockets in every process its ``changed`` frame, exactly as for an
    ``edit``, ``delete`` or ``react`` frame, through `app.state.on_message_changed` (the relay's
    ``Hub.message_changed``; a no-op without a relay)."""
    hook: Any = getattr(app.state, "on_message_changed", None)
    if hook is not None:
        result = hook(message)
        if inspect.isawaitable(result):
            await result


async def friendship_changed(app: Any, change: Any) -> None:
    """A relation between two people changed in the store (``store.FriendChange``, made through the JSON API
    or the account pages): have the relay tell both people's live sockets in every process and make presence
    follow, exactly as for a ``friend`` frame, through `app.state.on_friendship_changed` (the relay's
    ``Hub.friendship_changed``; a no-op without a relay)."""
    hook: Any = getattr(app.state, "on_friendship_changed", None)
    if hook is not None:
        result = hook(change)
        if inspect.isawaitable(result):
            await result


async def banned(app: Any, user_id: int, site_id: int | None) -> None:
    """The user was banned from a site (None: the account was disabled): have the relay close those sockets in
    every process now (4013 for a ban, 4010 for a disabled account) through `app.state.on_banned` (the relay's
    ``Hub.ban``; a no-op without a relay)."""
    hook: Any = getattr(app.state, "on_banned", None)
    if hook is not None:
        result = hook(user_id, site_id)
        if inspect.isawaitable(result):
            await result
