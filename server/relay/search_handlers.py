"""The ``search`` frame (scope ``messages``): full-text search of the user's own conversations, paced per
user, answered by ``search_results`` (store ``message_search``; a bad query is ``bad_field``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from parley import protocol as P

from ..store import SearchPage
from .connection import Connection
from .hub import Hub


def hits_fields(page: SearchPage) -> list[dict[str, Any]]:
    """A page's hits as ``search_results`` carries them."""
    return [
        P.search_hit(h.message_id, h.conversation_id, h.position, h.created_at, h.sender_id, h.kind, h.snippet,
                     h.marks)
        for h in page.hits
    ]


async def on_search(hub: Hub, connection: Connection, frame: dict[str, Any]) -> None:
    """Search the conversations the user is a member of now; newest first, a page at a time."""
    wait = hub.search_pacer.hit(str(connection.user_id))
    if wait is not None:
        raise P.ProtocolError(P.E_RATE_LIMITED, f"too many searches; try again in {wait} s", frame["rid"])
    page = await hub.store.search_messages(connection.user_id, frame["q"], P.SEARCH_PAGE, frame.get("before"))
    connection.send(P.make_search_results(frame["rid"], hits_fields(page), page.next_before))


SEARCH_HANDLERS: dict[str, Callable[[Hub, Connection, dict[str, Any]], Awaitable[None]]] = {P.SEARCH: on_search}
