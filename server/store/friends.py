"""Friendships: requests, accept/decline, remove, block.

Edges are directed rows (user_id, other_id, state): 'pending' means user asked other; 'accepted' is stored
in both directions; 'blocked' means user blocked other.
"""

from __future__ import annotations

from sqlalchemy import and_, delete, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from . import records, tables
from .base import StoreBase
from .clock import now_ms
from .errors import Blocked, Conflict, Invalid, NotFound
from .rows import user_record
from .users import USERNAME_RE, live_user_row

f = tables.friendships
u = tables.users


def _between(a: int, b: int):  # type: ignore[no-untyped-def]
    return or_(and_(f.c.user_id == a, f.c.other_id == b), and_(f.c.user_id == b, f.c.other_id == a))


async def edge_state(conn: AsyncConnection, user_id: int, other_id: int) -> str | None:
    """The state of the directed edge user -> other, or None."""
    state: str | None = await conn.scalar(select(f.c.state).where(f.c.user_id == user_id, f.c.other_id == other_id))
    return state


async def blocked_between(conn: AsyncConnection, a: int, b: int) -> bool:
    """Whether either user blocked the other."""
    found = await conn.scalar(select(f.c.user_id).where(_between(a, b), f.c.state == "blocked").limit(1))
    return found is not None


async def friends_now(conn: AsyncConnection, a: int, b: int) -> bool:
    """Whether a and b are (accepted) friends."""
    return await edge_state(conn, a, b) == "accepted"


async def friend_id_set(conn: AsyncConnection, user_id: int) -> set[int]:
    """Ids of the user's accepted friends."""
    rows = await conn.scalars(select(f.c.other_id).where(f.c.user_id == user_id, f.c.state == "accepted"))
    return set(rows)


class Friends(StoreBase):
    """Friendship operations."""

    async def request(self, from_id: int, to_username: str) -> str:
        """Ask `to_username` to be friends. Returns the new state: 'pending', or 'accepted' when they had
        already asked. Raises NotFound, Invalid (yourself), Blocked, Conflict (already friends)."""
        async with self._write() as conn:
            await live_user_row(conn, from_id)
            if not USERNAME_RE.fullmatch(to_username.strip().lower()):
                raise NotFound("no such user")
            target = (
                await conn.execute(
                    select(u.c.id).where(u.c.username == to_username.strip().lower(), u.c.deleted_at.is_(None))
                )
            ).first()
            if target is None:
                raise NotFound("no such user")
            to_id: int = target[0]
            if to_id == from_id:
                raise Invalid("you cannot befriend yourself")
            if await blocked_between(conn, from_id, to_id):
                raise Blocked("you cannot send this user a friend request")
            mine = await edge_state(conn, from_id, to_id)
            if mine == "accepted":
                raise Conflict("you are already friends")
            if mine == "pending":
                return "pending"
            if await edge_state(conn, to_id, from_id) == "pending":
                await self._befriend(conn, from_id, to_id)
                return "accepted"
            try:
                async with conn.begin_nested():
                    await conn.execute(
                        insert(f).values(user_id=from_id, other_id=to_id, state="pending", created_at=now_ms())
                    )
            except IntegrityError:
                pass  # a concurrent identical request won
            return "pending"

    async def _befriend(self, conn: AsyncConnection, a: int, b: int) -> None:
        now = now_ms()
        await conn.execute(delete(f).where(_between(a, b)))
        await conn.execute(
            insert(f),
            [
                {"user_id": a, "other_id": b, "state": "accepted", "created_at": now},
                {"user_id": b, "other_id": a, "state": "accepted", "created_at": now},
            ],
        )

    async def accept(self, user_id: int, requester_id: int) -> None:
        """Accept the pending request requester -> user; raises NotFound if there is none."""
        async with self._write() as conn:
            if await edge_state(conn, requester_id, user_id) != "pending":
                raise NotFound("no such friend request")
            await self._befriend(conn, user_id, requester_id)

    async def decline(self, user_id: int, requester_id: int) -> None:
        """Decline the pending request requester -> user; raises NotFound if there is none."""
        async with self._write() as conn:
            result = await conn.execute(
                delete(f).where(f.c.user_id == requester_id, f.c.other_id == user_id, f.c.state == "pending")
            )
            if result.rowcount == 0:
                raise NotFound("no such friend request")

    async def remove(self, user_id: int, other_id: int) -> None:
        """End a friendship, or withdraw/decline a pending request; raises NotFound if none exists."""
        async with self._write() as conn:
            result = await conn.execute(delete(f).where(_between(user_id, other_id), f.c.state != "blocked"))
            if result.rowcount == 0:
                raise NotFound("no such friend or request")

    async def block(self, user_id: int, other_id: int) -> None:
        """Block another user: ends any friendship and requests between you (idempotent)."""
        if user_id == other_id:
            raise Invalid("you cannot block yourself")
        async with self._write() as conn:
            exists = await conn.scalar(select(u.c.id).where(u.c.id == other_id))
            if exists is None:
                raise NotFound("no such user")
            await conn.execute(
                delete(f).where(
                    or_(
                        and_(f.c.user_id == user_id, f.c.other_id == other_id),
                        and_(f.c.user_id == other_id, f.c.other_id == user_id, f.c.state != "blocked"),
                    )
                )
            )
            await conn.execute(
                insert(f).values(user_id=user_id, other_id=other_id, state="blocked", created_at=now_ms())
            )

    async def unblock(self, user_id: int, other_id: int) -> None:
        """Lift your block of another user; raises NotFound if you had not blocked them."""
        async with self._write() as conn:
            result = await conn.execute(
                delete(f).where(f.c.user_id == user_id, f.c.other_id == other_id, f.c.state == "blocked")
            )
            if result.rowcount == 0:
                raise NotFound("this user is not blocked")

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
