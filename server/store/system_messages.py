"""System messages: the server's record of a group change, appended inside the change's own transaction.

A group operation (``groups.Groups``) changes members or the title and appends its system message in one
write transaction, so the two commit together or not at all. The message takes the conversation's next
position exactly as every appender does: by moving ``conversations.last_position`` under the conversation's
lock, which every append path holds while it assigns positions (PostgreSQL: ``parley_append`` and the
generic path lock the conversation row, ``SELECT ... FOR UPDATE`` / ``UPDATE``; SQLite: the database's write
lock, BEGIN IMMEDIATE, held by the file writer and by the store's write transactions alike). So positions
stay gapless and a system message is ordered with the messages sent around it. The appenders themselves run
their own transactions (PostgreSQL's on dedicated autocommit connections), which is why the change does not
go through ``Store.append_messages``.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from . import records, tables
from .append_generic import mark_read
from .clock import now_ms
from .rows import message_record

KIND_SYSTEM = "system"
CLIENT_ID_PREFIX = "sys:"

c = tables.conversations
msg = tables.messages


def system_client_id() -> str:
    """A server-made client id, unique per sender (dedup key): ``sys:`` and 32 random hex characters."""
    return CLIENT_ID_PREFIX + secrets.token_hex(16)


async def append_system(
    conn: AsyncConnection, conversation_id: int, actor: int, data: dict[str, Any]
) -> records.MessageRecord:
    """Append a ``system`` message from ``actor`` (who must still be a member: append before removing them)
    at the conversation's next position, in the caller's write transaction; the actor has read it."""
    position = (
        await conn.execute(
            update(c)
            .where(c.c.id == conversation_id)
            .values(last_position=c.c.last_position + 1)
            .returning(c.c.last_position)
        )
    ).scalar_one()
    row = {
        "conversation_id": conversation_id,
        "position": position,
        "sender_id": actor,
        "client_id": system_client_id(),
        "kind": KIND_SYSTEM,
        "text": "",
        "data": data,
        "created_at": now_ms(),
    }
    new_id = (await conn.execute(insert(msg).values(**row).returning(msg.c.id))).scalar_one()
    await mark_read(conn, [(conversation_id, actor, position)])
    return message_record({"id": new_id, **row})
