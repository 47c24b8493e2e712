"""Groups: create, rename, add, remove, leave; each change and its system message in one write transaction.

The rules (docs/protocol.md, "Groups"): the owner is ``conversations.created_by`` (the creator; when the owner
leaves, the remaining member who joined earliest, ties by id). ``create`` takes the creator's friends and
``add`` the actor's friends (``Forbidden`` otherwise), nobody blocked by (or blocking) a member or another
newcomer (``Forbidden``: a block is not revealed as such), nobody already a member (``Invalid``); more than
``max_group_members`` members is ``LimitReached``. Any member renames; only the owner removes (``Forbidden``),
never themselves (``Invalid``: that is ``leave``); anyone leaves. Unknown conversations and non-members get
``NotMember``; direct conversations refuse every group operation with ``Invalid``.

Every change appends a ``system`` message from the actor (``system_messages.append_system``) with
``data = {event, users, title}``: ``created`` (users: the other first members; title when named), ``renamed``
(title, "" for no name), ``added``/``removed`` (users), ``left``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from . import records, tables
from .clock import now_ms
from .content import check_chars
from .conversations import Conversations, people_of
from .errors import Forbidden, Invalid, LimitReached, NotFound, NotFriend, NotMember
from .friends import friend_id_set
from .system_messages import append_system
from .users import live_user_row

GROUP_TITLE_MAX = 100  # characters (the protocol's MAX_GROUP_TITLE_CHARS)
CREATED, RENAMED, ADDED, REMOVED, LEFT = "created", "renamed", "added", "removed", "left"

c = tables.conversations
m = tables.members
f = tables.friendships
u = tables.users


def clean_title(title: str | None) -> str | None:
    """A group title as stored: one line, inner white space collapsed, at most 100 characters; None when
    empty (no name)."""
    if not title:
        return None
    if not isinstance(title, str):
        raise Invalid("a title is text")
    clean = " ".join(check_chars(title, "title").split())
    if len(clean) > GROUP_TITLE_MAX:
        raise Invalid(f"a title is at most {GROUP_TITLE_MAX} characters")
    return clean or None


def event_data(event: str, users: Iterable[int] | None = None, title: str | None = None) -> dict[str, Any]:
    """A system message's data (the protocol's ``system_data``): the event, the people, the name."""
    data: dict[str, Any] = {"event": event}
    if users is not None:
        data["users"] = list(users)
    if title is not None:
        data["title"] = title
    return data


async def _blocked_with(conn: AsyncConnection, newcomers: Iterable[int], others: Iterable[int]) -> bool:
    """Whether any newcomer blocked, or was blocked by, anyone of ``others`` (members and newcomers)."""
    new, every = list(newcomers), list({*newcomers, *others})
    found = await conn.scalar(
        select(f.c.user_id)
        .where(
            f.c.state == "blocked",
            or_(
                and_(f.c.user_id.in_(new), f.c.other_id.in_(every)),
                and_(f.c.other_id.in_(new), f.c.user_id.in_(every)),
            ),
        )
        .limit(1)
    )
    return found is not None


async def _check_newcomers(conn: AsyncConnection, actor: int, newcomers: list[int], members: Iterable[int]) -> None:
    """Newcomers must be live friends of the actor, with no block towards a member or another newcomer."""
    friends = await friend_id_set(conn, actor)
    if any(uid not in friends for uid in newcomers):
        raise NotFriend("you can only add your friends to a group")
    live = set(await conn.scalars(select(u.c.id).where(u.c.id.in_(newcomers), u.c.deleted_at.is_(None))))
    if live != set(newcomers):
        raise NotFriend("you can only add your friends to a group")
    if await _blocked_with(conn, newcomers, members):
        raise Forbidden("this person cannot join this group")


class Groups(Conversations):
    """Group operations. ``max_group_members`` (``open_store``'s argument) is the product rule (50); the server
    passes ``Settings.max_group_members`` (PARLEY_MAX_GROUP_MEMBERS), benchmarks raise it."""

    async def create_group(
        self, creator: int, member_ids: Iterable[int], title: str | None = None
    ) -> records.Conversation:
        """A new group of the creator and some of the creator's friends, with its ``created`` message; the
        group as the creator sees it. ``create_group_change`` also returns the message."""
        change = await self.create_group_change(creator, member_ids, title)
        return await self.get_conversation(change.conversation_id, creator)

    async def create_group_change(
        self, creator: int, member_ids: Iterable[int], title: str | None = None
    ) -> records.GroupChange:
        """Create a group (see ``create_group``); the change with its ``created`` system message."""
        others = sorted(set(member_ids) - {creator})
        if not others:
            raise Invalid("a group needs at least one other member")
        self._check_size(len(others) + 1)
        name = clean_title(title)
        async with self._write() as conn:
            await live_user_row(conn, creator)
            await _check_newcomers(conn, creator, others, [creator])
            conversation_id = await self._insert(conn, "group", name, None, creator, [creator, *others])
            message = await append_system(conn, conversation_id, creator, event_data(CREATED, others, name))
            return await self._change(conn, conversation_id, name, creator, message)

    async def rename_group(self, conversation_id: int, actor: int, title: str | None) -> records.GroupChange:
        """Any member renames the group ("" or None: no name)."""
        name = clean_title(title)
        async with self._write() as conn:
            owner, _ = await self._group_for(conn, conversation_id, actor)
            await conn.execute(update(c).where(c.c.id == conversation_id).values(title=name))
            message = await append_system(conn, conversation_id, actor, event_data(RENAMED, title=name or ""))
            return await self._change(conn, conversation_id, name, owner, message)

    async def add_to_group(self, conversation_id: int, actor: int, user_ids: Iterable[int]) -> records.GroupChange:
        """Any member adds some of their friends (not members yet, no block with any member)."""
        newcomers = sorted(set(user_ids))
        if not newcomers:
            raise Invalid("name at least one person to add")
        async with self._write() as conn:
            owner, title = await self._group_for(conn, conversation_id, actor)
            members = set(await conn.scalars(select(m.c.user_id).where(m.c.conversation_id == conversation_id)))
            if members & set(newcomers):
                raise Invalid("this person is already a member of the group")
            self._check_size(len(members) + len(newcomers))
            await _check_newcomers(conn, actor, newcomers, members)
            now = now_ms()
            await conn.execute(
                insert(m),
                [
                    {"conversation_id": conversation_id, "user_id": uid, "joined_at": now, "read_position": 0}
                    for uid in newcomers
                ],
            )
            message = await append_system(conn, conversation_id, actor, event_data(ADDED, newcomers))
            return await self._change(conn, conversation_id, title, owner, message)

    async def remove_from_group(self, conversation_id: int, actor: int, user_id: int) -> records.GroupChange:
        """The owner removes a member (``Forbidden`` for anyone else; yourself: ``leave_group``)."""
        if user_id == actor:
            raise Invalid("to remove yourself, leave the group")
        async with self._write() as conn:
            owner, title = await self._group_for(conn, conversation_id, actor)
            if owner != actor:
                raise Forbidden("only the group's owner removes members")
            found = await conn.scalar(
                select(m.c.user_id).where(m.c.conversation_id == conversation_id, m.c.user_id == user_id)
            )
            if found is None:
                raise NotFound("this person is not a member of the group")
            message = await append_system(conn, conversation_id, actor, event_data(REMOVED, [user_id]))
            await conn.execute(delete(m).where(m.c.conversation_id == conversation_id, m.c.user_id == user_id))
            return await self._change(conn, conversation_id, title, owner, message, gone=(user_id,))

    async def leave_group(self, conversation_id: int, actor: int) -> records.GroupChange:
        """The actor leaves; if they owned the group, the remaining member who joined earliest owns it now."""
        async with self._write() as conn:
            owner, title = await self._group_for(conn, conversation_id, actor)
            message = await append_system(conn, conversation_id, actor, event_data(LEFT))
            await conn.execute(delete(m).where(m.c.conversation_id == conversation_id, m.c.user_id == actor))
            if owner == actor or owner is None:
                owner = await conn.scalar(
                    select(m.c.user_id)
                    .where(m.c.conversation_id == conversation_id)
                    .order_by(m.c.joined_at, m.c.user_id)
                    .limit(1)
                )
                await conn.execute(update(c).where(c.c.id == conversation_id).values(created_by=owner))
            return await self._change(conn, conversation_id, title, owner, message, gone=(actor,))

    def _check_size(self, count: int) -> None:
        if count > self.max_group_members:
            raise LimitReached(f"a group has at most {self.max_group_members} members")

    async def _group_for(
        self, conn: AsyncConnection, conversation_id: int, actor: int
    ) -> tuple[int | None, str | None]:
        """(owner, title) of a group the actor is a member of; the group's row stays locked to the end of
        the transaction (PostgreSQL), so changes to one group run one at a time."""
        query = select(c.c.kind, c.c.created_by, c.c.title).where(c.c.id == conversation_id)
        if conn.dialect.name != "sqlite":  # SQLite: BEGIN IMMEDIATE already holds the database's write lock
            query = query.with_for_update()
        row = (await conn.execute(query)).first()
        member = await conn.scalar(
            select(m.c.user_id).where(m.c.conversation_id == conversation_id, m.c.user_id == actor)
        )
        if row is None or member is None:
            raise NotMember("no such conversation")
        if row.kind != "group":
            raise Invalid("this is a direct conversation, not a group")
        return row.created_by, row.title

    async def _change(
        self,
        conn: AsyncConnection,
        conversation_id: int,
        title: str | None,
        owner: int | None,
        message: records.MessageRecord,
        gone: tuple[int, ...] = (),
    ) -> records.GroupChange:
        people = (await people_of(conn, [conversation_id]))[conversation_id]
        return records.GroupChange(conversation_id, title, owner, people, message, gone)
