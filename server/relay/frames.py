"""Frames the relay builds from stored records."""

from __future__ import annotations

from typing import Any

from parley import protocol as P

from ..store import MessageRecord


def message_fields(m: MessageRecord) -> dict[str, Any]:
    """A stored message as the wire carries it (msg frames and history pages); ``from`` is null once the
    sender's account is deleted."""
    return P.message_fields(  # type: ignore[no-any-return]
        m.id, m.conversation_id, m.position, m.created_at, m.sender_id, m.kind, m.text, m.data, m.client_id
    )
