"""The ``report`` frame (any scope the socket has): a visitor reports a message they can read or a person to
the owners of the site the socket came through. Paced per user (``rate_limited``); answered by ``done``.
Store errors become error frames (``NotFound``: ``not_found``; ``Invalid``: ``bad_field``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from parley import protocol as P

from .connection import Connection
from .hub import Hub


async def on_report(hub: Hub, connection: Connection, frame: dict[str, Any]) -> None:
    """Store the report for the socket's site; a message's sender is the reported person."""
    wait = hub.report_pacer.hit(str(connection.user_id))
    if wait is not None:
        raise P.ProtocolError(P.E_RATE_LIMITED, f"too many reports; try again in {wait} s", frame["rid"])
    await hub.store.create_report(connection.site_id, connection.user_id, frame["reason"],
                                  reported_id=frame.get("user"), message_id=frame.get("msg"),
                                  note=frame.get("note") or "")
    connection.send(P.make_done(frame["rid"]))


MODERATION_HANDLERS: dict[str, Callable[[Hub, Connection, dict[str, Any]], Awaitable[None]]] = {P.REPORT: on_report}
