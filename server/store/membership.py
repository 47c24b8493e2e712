"""Membership checks shared by the store's conversation and message modules."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from . import tables
from .errors import NotMember

m = tables.members


async def require_member(conn: AsyncConnection, conversation_id: int, user_id: int) -> int:
    """The member's read position; raises NotMember (also for conversations that do not exist)."""
    position = await conn.scalar(
        select(m.c.read_position).where(m.c.conversation_id == conversation_id, m.c.user_id == user_id)
    )
    if position is None:
        raise NotMember("no such conversation")
    return int(position)
