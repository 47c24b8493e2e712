"""Frames the relay builds from stored records."""

from __future__ import annotations

from typing import Any

from parley import protocol as P

from ..store import MessageRecord


def message_fields(m: MessageRecord) -> dict[str, Any]:
    """A stored message as the wire carries it (msg frames and history pages); ``from`` is null once the
    sender's account is deleted."""
    out: dict[str, Any] = P.message_fields(
        m.id, m.conversation_id, m.position, m.created_at, m.sender_id, m.kind, m.text, m.data, m.client_id
    )
    if m.change or m.reply_to is not None:
        reply = m.reply
        P.message_state(
            out,
            m.edited_at,
            m.deleted_at is not None,
            m.change,
            m.reply_to,
            P.reply_fields(reply.id, reply.position, reply.sender_id, reply.text, reply.deleted) if reply else None,
            [{"emoji": r.emoji, "users": list(r.users)} for r in m.reactions],
        )
    return out
