"""Conversations: direct (one per pair of friends) and groups (up to ``max_group_members``, default 50)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import and_, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from . import records, tables
from .base import StoreBase
from .clock import now_ms
from .errors import Blocked, Invalid, NotFriend, NotMember
from .friends import blocked_between, friend_id_set
from .rows import message_record, user_record
from .users import live_user_row

c = tables.conversations
m = tables.members
msg = tables.messages
u = tables.users


def direct_key(a: int, b: int) -> str:
    """The unique key of the direct conversation between two users."""
    low, high = sorted((a, b))
    return f"{low}:{high}"


async def members_of(conn: AsyncConnection, conversation_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """Member ids per conversation id, sorted."""
    found: dict[int, list[int]] = defaultdict(list)
    ids = list(conversation_ids)
    if ids:
        rows = await conn.execute(
            select(m.c.conversation_id, m.c.user_id).where(m.c.conversation_id.in_(ids)).order_by(m.c.user_id)
        )
        for conversation_id, user_id in rows:
            found[conversation_id].append(user_id)
    return {cid: tuple(found[cid]) for cid in ids}


async def people_of(conn: AsyncConnection, conversation_ids: Iterable[int]) -> dict[int, tuple[records.User, ...]]:
    """Every member of each conversation as a User record, by id (friends of the reader or not)."""
    found: dict[int, list[records.User]] = defaultdict(list)
    ids = list(conversation_ids)
    if ids:
        rows = await conn.execute(
            select(m.c.conversation_id, u)
            .join(u, u.c.id == m.c.user_id)
            .where(m.c.conversation_id.in_(ids))
            .order_by(m.c.conversation_id, m.c.user_id)
        )
        for row in rows.mappings():
            found[row["conversation_id"]].append(user_record(row))
    return {cid: tuple(found[cid]) for cid in ids}


class Conversations(StoreBase):
    """Conversation operations (groups are made and changed in ``groups.Groups``)."""

    async def open_direct(self, a: int, b: int) -> records.Conversation:
        """The direct conversation between friends a and b, created on first use (idempotent)."""
        if a == b:
            raise Invalid("a direct conversation needs another user")
        key = direct_key(a, b)
        async with self._write() as conn:
            await live_user_row(conn, a)
            if await blocked_between(conn, a, b):
                raise Blocked("you cannot start a conversation with this user")
            if b not in await friend_id_set(conn, a):
                raise NotFriend("you can only start a conversation with a friend")
            existing = await conn.scalar(select(c.c.id).where(c.c.direct_key == key))
            if existing is None:
                try:
                    async with conn.begin_nested():
                        existing = await self._insert(conn, "direct", None, key, a, [a, b])
                except IntegrityError:
                    existing = await conn.scalar(select(c.c.id).where(c.c.direct_key == key))
                    if existing is None:
                        raise
        return await self.get_conversation(int(existing), a)

    async def _insert(
        self,
        conn: AsyncConnection,
        kind: str,
        title: str | None,
        key: str | None,
        creator: int,
        member_ids: list[int],
    ) -> int:
        now = now_ms()
        conversation_id: int = (
            await conn.execute(
                insert(c)
                .values(
                    kind=kind,
                    title=title,
                    direct_key=key,
                    created_by=creator,
                    created_at=now,
                    last_position=0,
                )
                .returning(c.c.id)
            )
        ).scalar_one()
        await conn.execute(
            insert(m),
            [
                {"conversation_id": conversation_id, "user_id": uid, "joined_at": now, "read_position": 0}
                for uid in member_ids
            ],
        )
        return conversation_id

    async def _conversations(
        self, conn: AsyncConnection, user_id: int, conversation_id: int | None = None
    ) -> list[records.Conversation]:
        query = (
            select(
                c,
                m.c.read_position,
                msg.c.id.label("msg_id"),
                msg.c.position.label("msg_position"),
                msg.c.sender_id.label("msg_sender_id"),
                msg.c.client_id.label("msg_client_id"),
                msg.c.kind.label("msg_kind"),
                msg.c.text.label("msg_text"),
                msg.c.data.label("msg_data"),
                msg.c.created_at.label("msg_created_at"),
                u.c.deleted_at.label("sender_deleted_at"),
            )
            .join(m, and_(m.c.conversation_id == c.c.id, m.c.user_id == user_id))
            .outerjoin(msg, and_(msg.c.conversation_id == c.c.id, msg.c.position == c.c.last_position))
            .outerjoin(u, u.c.id == msg.c.sender_id)
        )
        if conversation_id is not None:
            query = query.where(c.c.id == conversation_id)
        rows = (await conn.execute(query)).mappings().all()
        people = await people_of(conn, [row["id"] for row in rows])
        result = []
        for row in rows:
            last = None
            if row["msg_id"] is not None:
                last = message_record(
                    {
                        "id": row["msg_id"],
                        "conversation_id": row["id"],
                        "position": row["msg_position"],
                        "sender_id": row["msg_sender_id"],
                        "client_id": row["msg_client_id"],
                        "kind": row["msg_kind"],
                        "text": row["msg_text"],
                        "data": row["msg_data"],
                        "created_at": row["msg_created_at"],
                    },
                    sender_deleted=row["sender_deleted_at"] is not None,
                )
            result.append(
                records.Conversation(
                    id=row["id"],
                    kind=row["kind"],
                    title=row["title"],
                    created_by=row["created_by"],
                    created_at=row["created_at"],
                    last_position=row["last_position"],
                    member_ids=tuple(person.id for person in people[row["id"]]),
                    read_position=row["read_position"],
                    last_message=last,
                    people=people[row["id"]],
                )
            )
        result.sort(
            key=lambda conv: (
                conv.last_message.created_at if conv.last_message else conv.created_at,
                conv.id,
            ),
            reverse=True,
        )
        return result

    async def list_conversations(self, user_id: int) -> list[records.Conversation]:
        """The user's conversations, most recently active first, with last message and unread count."""
        async with self._read() as conn:
            return await self._conversations(conn, user_id)

    async def get_conversation(self, conversation_id: int, user_id: int) -> records.Conversation:
        """One conversation the user is in; NotMember otherwise (also when it does not exist)."""
        async with self._read() as conn:
            found = await self._conversations(conn, user_id, conversation_id)
        if not found:
            raise NotMember("no such conversation")
        return found[0]

    async def member_ids(self, conversation_id: int) -> tuple[int, ...]:
        """Ids of the conversation's members (empty if it does not exist)."""
        async with self._read() as conn:
            return (await members_of(conn, [conversation_id]))[conversation_id]
