"""The relation between two people as each one sees it, and the friend operations that change it.

Every operation runs in one write transaction and returns a ``FriendChange`` (both people's view before and
after), so the relay can tell both at once. A request is refused with ``Forbidden`` and one message whatever
the reason (a block either way, the target's ``requests`` choice), so a block is never revealed.
"""

from __future__ import annotations

from sqlalchemy import and_, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from . import records, tables
from .base import StoreBase
from .clock import now_ms
from .errors import Conflict, Forbidden, Invalid, NotFound
from .friends import between, blocked_between
from .rows import user_record
from .users import USERNAME_RE

f = tables.friendships
u = tables.users
us = tables.user_settings

NONE, FRIENDS, INCOMING, OUTGOING, BLOCKED = "none", "friends", "incoming", "outgoing", "blocked"
OPS = ("request", "accept", "decline", "cancel", "remove", "block", "unblock")
MISSING = {"decline": "no such friend request", "cancel": "no such request of yours", "remove": "not a friend"}
REFUSED = "this person does not take friend requests from you"


async def relation(conn: AsyncConnection, me: int, other: int) -> str:
    """``me``'s view of the relation with ``other`` (a blocked person sees ``none``)."""
    states = {
        (row.user_id, row.state)
        for row in await conn.execute(select(f.c.user_id, f.c.state).where(between(me, other)))
    }
    if (me, "blocked") in states:
        return BLOCKED
    if (other, "blocked") in states:
        return NONE
    if (me, "accepted") in states:
        return FRIENDS
    if (me, "pending") in states:
        return OUTGOING
    if (other, "pending") in states:
        return INCOMING
    return NONE


async def requests_choice(conn: AsyncConnection, user_id: int) -> str:
    """Who may send the user friend requests (``everyone`` when they never chose)."""
    chosen: str | None = await conn.scalar(select(us.c.requests).where(us.c.user_id == user_id))
    return chosen or "everyone"


async def share_a_friend(conn: AsyncConnection, a: int, b: int) -> bool:
    """Whether a and b have a friend in common."""
    theirs = f.alias("theirs")
    found = await conn.scalar(
        select(f.c.other_id)
        .join(theirs, and_(theirs.c.other_id == f.c.other_id, theirs.c.user_id == b, theirs.c.state == "accepted"))
        .where(f.c.user_id == a, f.c.state == "accepted")
        .limit(1)
    )
    return found is not None


async def may_request(conn: AsyncConnection, asker: int, target: int) -> bool:
    """Whether ``asker`` may send ``target`` a friend request (no block either way; target's choice)."""
    if await blocked_between(conn, asker, target):
        return False
    choice = await requests_choice(conn, target)
    if choice == "nobody":
        return False
    return choice != "friends_of_friends" or await share_a_friend(conn, asker, target)


async def befriend(conn: AsyncConnection, a: int, b: int) -> None:
    """Make a and b friends (replacing any pending request between them)."""
    now = now_ms()
    await conn.execute(delete(f).where(between(a, b)))
    await conn.execute(
        insert(f),
        [
            {"user_id": a, "other_id": b, "state": "accepted", "created_at": now},
            {"user_id": b, "other_id": a, "state": "accepted", "created_at": now},
        ],
    )


async def live_user(conn: AsyncConnection, user_id: int | None = None, username: str | None = None) -> records.User:
    """A live user by id or username; NotFound otherwise."""
    query = select(u).where(u.c.deleted_at.is_(None))
    if username is not None:
        name = username.strip().lstrip("@").strip().lower()
        if not USERNAME_RE.fullmatch(name):
            raise NotFound("no such user")
        query = query.where(u.c.username == name)
    else:
        query = query.where(u.c.id == user_id)
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise NotFound("no such user")
    return user_record(row)


async def apply_op(conn: AsyncConnection, op: str, me: int, other: int, before: str) -> None:
    """Make the change of ``op`` (``before``: my view now); raise when it does not apply."""
    if op == "request":
        if before == FRIENDS:
            raise Conflict("you are already friends")
        if before == INCOMING:
            await befriend(conn, me, other)
        elif before != OUTGOING:
            if not await may_request(conn, me, other):
                raise Forbidden(REFUSED)
            try:
                async with conn.begin_nested():
                    pending = {"user_id": me, "other_id": other, "state": "pending", "created_at": now_ms()}
                    await conn.execute(insert(f).values(**pending))
            except IntegrityError:
                pass  # a concurrent identical request won
    elif op == "accept":
        if before != INCOMING:
            raise NotFound("no such friend request")
        await befriend(conn, me, other)
    elif op in ("decline", "cancel", "remove"):
        wanted = {"decline": INCOMING, "cancel": OUTGOING, "remove": FRIENDS}[op]
        if before != wanted:
            raise NotFound(MISSING[op])
        await conn.execute(delete(f).where(between(me, other), f.c.state != "blocked"))
    elif op == "block":
        await conn.execute(delete(f).where(between(me, other), (f.c.user_id == me) | (f.c.state != "blocked")))
        await conn.execute(insert(f).values(user_id=me, other_id=other, state="blocked", created_at=now_ms()))
    elif op == "unblock":
        result = await conn.execute(delete(f).where(f.c.user_id == me, f.c.other_id == other, f.c.state == "blocked"))
        if not result.rowcount:
            raise NotFound("this user is not blocked")
    else:
        raise Invalid(f"unknown friend operation {op!r}")


class Relations(StoreBase):
    """Friend operations that report what changed for both people; relations for find and lists."""

    async def friend_change(
        self, actor: int, op: str, *, user: int | None = None, username: str | None = None
    ) -> records.FriendChange:
        """Run a friend operation (``OPS``) of ``actor`` on another person (by id, or by username for a
        request). NotFound: unknown person, or no such request/friendship/block; Invalid: yourself;
        Forbidden: a request refused (a block either way, the target's choice: one answer); Conflict: a
        request to a friend."""
        if op not in OPS:
            raise Invalid(f"unknown friend operation {op!r}")
        async with self._write() as conn:
            me = await live_user(conn, actor)
            other = await live_user(conn, user, username)
            if other.id == me.id:
                raise Invalid("that is you")
            before_mine = await relation(conn, me.id, other.id)
            before_theirs = await relation(conn, other.id, me.id)
            await apply_op(conn, op, me.id, other.id, before_mine)
            return records.FriendChange(
                me, other, before_mine, await relation(conn, me.id, other.id),
                before_theirs, await relation(conn, other.id, me.id),
            )

    async def request(self, from_id: int, to_username: str) -> str:
        """Ask ``to_username`` to be friends: 'pending', or 'accepted' when they had already asked."""
        change = await self.friend_change(from_id, "request", username=to_username)
        return "accepted" if change.actor_after == FRIENDS else "pending"

    async def accept(self, user_id: int, requester_id: int) -> records.FriendChange:
        """Accept the pending request requester -> user; NotFound if there is none."""
        return await self.friend_change(user_id, "accept", user=requester_id)

    async def decline(self, user_id: int, requester_id: int) -> records.FriendChange:
        """Decline the pending request requester -> user; NotFound if there is none."""
        return await self.friend_change(user_id, "decline", user=requester_id)

    async def remove(self, user_id: int, other_id: int) -> records.FriendChange:
        """End a friendship, withdraw your request or decline theirs, whichever there is; NotFound if none."""
        rel = await self.relation_with(user_id, other_id)
        op = {FRIENDS: "remove", OUTGOING: "cancel", INCOMING: "decline"}.get(rel)
        if op is None:
            raise NotFound("no such friend or request")
        return await self.friend_change(user_id, op, user=other_id)

    async def block(self, user_id: int, other_id: int) -> records.FriendChange:
        """Block another user: ends any friendship and requests between you (idempotent)."""
        return await self.friend_change(user_id, "block", user=other_id)

    async def unblock(self, user_id: int, other_id: int) -> records.FriendChange:
        """Lift your block of another user; NotFound if you had not blocked them."""
        return await self.friend_change(user_id, "unblock", user=other_id)

    async def relation_with(self, me: int, other: int) -> str:
        """``me``'s view of the relation with ``other``."""
        async with self._read() as conn:
            return await relation(conn, me, other)
