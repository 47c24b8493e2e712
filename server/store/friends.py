"""Friendships as stored, and the lists and checks read from them (the operations: relations.py).

Edges are directed rows (user_id, other_id, state): 'pending' means user asked other; 'accepted' is stored
in both directions; 'blocked' means user blocked other.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from . import records, tables
from .base import StoreBase
from .rows import user_record

f = tables.friendships
u = tables.users


def between(a: int, b: int):  # type: ignore[no-untyped-def]
    """Rows of the edges between a and b, in either direction."""
    return or_(and_(f.c.user_id == a, f.c.other_id == b), and_(f.c.user_id == b, f.c.other_id == a))


async def edge_state(conn: AsyncConnection, user_id: int, other_id: int) -> str | None:
    """The state of the directed edge user -> other, or None."""
    state: str | None = await conn.scalar(select(f.c.state).where(f.c.user_id == user_id, f.c.other_id == other_id))
    return state


async def blocked_between(conn: AsyncConnection, a: int, b: int) -> bool:
    """Whether either user blocked the other."""
    found = await conn.scalar(select(f.c.user_id).where(between(a, b), f.c.state == "blocked").limit(1))
    return found is not None


async def friends_now(conn: AsyncConnection, a: int, b: int) -> bool:
    """Whether a and b are (accepted) friends."""
    return await edge_state(conn, a, b) == "accepted"


async def friend_id_set(conn: AsyncConnection, user_id: int) -> set[int]:
    """Ids of the user's accepted friends."""
    rows = await conn.scalars(select(f.c.other_id).where(f.c.user_id == user_id, f.c.state == "accepted"))
    return set(rows)


class Friends(StoreBase):
    """Friend lists, requests and blocks, and the checks others need (are friends, is blocked)."""

    async def _edge_users(self, user_id: int, state: str, incoming: bool = False) -> list[records.User]:
        mine, theirs = (f.c.other_id, f.c.user_id) if incoming else (f.c.user_id, f.c.other_id)
        async with self._read() as conn:
            rows = (
                (
                    await conn.execute(
                        select(u)
                        .join(f, theirs == u.c.id)
                        .where(mine == user_id, f.c.state == state, u.c.deleted_at.is_(None))
                        .order_by(u.c.username)
                    )
                )
                .mappings()
                .all()
            )
        return [user_record(row) for row in rows]

    async def list_friends(self, user_id: int) -> list[records.User]:
        """The user's friends, by username."""
        return await self._edge_users(user_id, "accepted")

    async def list_requests(self, user_id: int) -> records.FriendRequests:
        """Pending requests to and from the user."""
        incoming = await self._edge_users(user_id, "pending", incoming=True)
        outgoing = await self._edge_users(user_id, "pending")
        return records.FriendRequests(incoming=tuple(incoming), outgoing=tuple(outgoing))

    async def list_blocked(self, user_id: int) -> list[records.User]:
        """The users this user blocked."""
        return await self._edge_users(user_id, "blocked")

    async def friend_ids(self, user_id: int) -> set[int]:
        """Ids of the user's friends (presence goes only to them)."""
        async with self._read() as conn:
            return await friend_id_set(conn, user_id)

    async def are_friends(self, a: int, b: int) -> bool:
        """Whether a and b are friends."""
        async with self._read() as conn:
            return await friends_now(conn, a, b)

    async def is_blocked(self, a: int, b: int) -> bool:
        """Whether either user blocked the other."""
        async with self._read() as conn:
            return await blocked_between(conn, a, b)
