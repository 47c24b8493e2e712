"""Messages: durable, ordered appends (idempotent per sender + client id), history and read positions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from . import records, tables
from .base import StoreBase, message_record
from .clock import now_ms
from .content import check_client_id, check_content
from .conversations import require_member
from .errors import Blocked, Conflict, Invalid, StoreError

HISTORY_MAX = 200

c = tables.conversations
m = tables.members
msg = tables.messages
f = tables.friendships
u = tables.users


def _with_sender_state() -> Any:
    return select(msg, u.c.deleted_at.label("sender_deleted_at")).outerjoin(u, u.c.id == msg.c.sender_id)


def _records(rows: Sequence[Any]) -> tuple[records.MessageRecord, ...]:
    return tuple(message_record(row, sender_deleted=row["sender_deleted_at"] is not None) for row in rows)


async def _existing(conn: AsyncConnection, sender_id: int, client_id: str) -> records.MessageRecord | None:
    row = (
        (await conn.execute(select(msg).where(msg.c.sender_id == sender_id, msg.c.client_id == client_id)))
        .mappings()
        .first()
    )
    return message_record(row) if row is not None else None


def _same(found: records.MessageRecord, new: records.NewMessage) -> records.MessageRecord:
    if found.conversation_id != new.conversation_id:
        raise Conflict("this client_id was already used for a message in another conversation")
    return found


async def _direct_blocked(conn: AsyncConnection, conversation_id: int, sender_id: int) -> bool:
    """Whether the conversation is direct and either side blocked the other."""
    other = (
        select(m.c.user_id)
        .join(c, c.c.id == m.c.conversation_id)
        .where(m.c.conversation_id == conversation_id, m.c.user_id != sender_id, c.c.kind == "direct")
        .scalar_subquery()
    )
    query = select(
        exists().where(
            f.c.state == "blocked",
            or_(
                and_(f.c.user_id == sender_id, f.c.other_id == other),
                and_(f.c.other_id == sender_id, f.c.user_id == other),
            ),
        )
    )
    return bool(await conn.scalar(query))


async def _append_one(conn: AsyncConnection, new: records.NewMessage) -> tuple[records.MessageRecord, bool]:
    client_id = check_client_id(new.client_id)
    text, data = check_content(new.kind, new.text, new.data)
    await require_member(conn, new.conversation_id, new.sender_id)
    found = await _existing(conn, new.sender_id, client_id)
    if found is not None:
        return _same(found, new), False
    if await _direct_blocked(conn, new.conversation_id, new.sender_id):
        raise Blocked("you cannot send messages to this user")
    try:
        async with conn.begin_nested():
            # The row update takes the conversation's lock: concurrent appends queue here (gapless positions).
            position = (
                await conn.execute(
                    update(c)
                    .where(c.c.id == new.conversation_id)
                    .values(last_position=c.c.last_position + 1)
                    .returning(c.c.last_position)
                )
            ).scalar_one()
            row = (
                (
                    await conn.execute(
                        insert(msg)
                        .values(
                            conversation_id=new.conversation_id,
                            position=position,
                            sender_id=new.sender_id,
                            client_id=client_id,
                            kind=new.kind,
                            text=text,
                            data=data,
                            created_at=now_ms(),
                        )
                        .returning(*msg.c)
                    )
                )
                .mappings()
                .one()
            )
    except IntegrityError:
        # A concurrent resend of the same message committed first: answer with the stored one.
        found = await _existing(conn, new.sender_id, client_id)
        if found is None:
            raise
        return _same(found, new), False
    return message_record(row), True


class Messages(StoreBase):
    """Message operations."""

    async def append_message(
        self,
        conversation_id: int,
        sender_id: int,
        client_id: str,
        kind: str,
        text: str = "",
        data: dict[str, Any] | None = None,
    ) -> tuple[records.MessageRecord, bool]:
        """Store one message durably; returns (record, created). A resend with the same client_id returns
        the stored record with created=False. Raises NotMember, Blocked, Invalid or Conflict."""
        new = records.NewMessage(conversation_id, sender_id, client_id, kind, text, data)
        result = (await self.append_messages([new]))[0]
        if result.error is not None:
            raise result.error
        assert result.message is not None
        return result.message, result.created

    async def append_messages(self, batch: Sequence[records.NewMessage]) -> list[records.AppendResult]:
        """Store many messages in one transaction (group commit); one result per message, in order."""
        results: list[records.AppendResult] = []
        if not batch:
            return results
        async with self._write() as conn:
            for new in batch:
                try:
                    message, created = await _append_one(conn, new)
                except StoreError as exc:
                    results.append(records.AppendResult(None, False, exc))
                else:
                    results.append(records.AppendResult(message, created))
        return results

    async def history(
        self, conversation_id: int, user_id: int, before_position: int | None = None, limit: int = 50
    ) -> records.HistoryPage:
        """A newest-first page of messages before `before_position` (None: the newest); next_before is
        the cursor for the next older page, or None when the page reaches the first message."""
        limit = _check_limit(limit)
        async with self._read() as conn:
            await require_member(conn, conversation_id, user_id)
            query = _with_sender_state().where(msg.c.conversation_id == conversation_id)
            if before_position is not None:
                query = query.where(msg.c.position < before_position)
            rows = (await conn.execute(query.order_by(msg.c.position.desc()).limit(limit))).mappings().all()
        page = _records(rows)
        more = len(page) == limit and page[-1].position > 1
        return records.HistoryPage(messages=page, next_before=page[-1].position if more else None)

    async def messages_after(
        self, conversation_id: int, user_id: int, after_position: int, limit: int = HISTORY_MAX
    ) -> tuple[records.MessageRecord, ...]:
        """Messages with position > after_position, oldest first (catching up after a reconnect)."""
        limit = _check_limit(limit)
        async with self._read() as conn:
            await require_member(conn, conversation_id, user_id)
            query = _with_sender_state().where(
                msg.c.conversation_id == conversation_id, msg.c.position > after_position
            )
            rows = (await conn.execute(query.order_by(msg.c.position).limit(limit))).mappings().all()
        return _records(rows)

    async def set_read_position(self, conversation_id: int, user_id: int, position: int) -> int:
        """Move the member's read position forward (never back, never past the last message)."""
        if position < 0:
            raise Invalid("a position is not negative")
        async with self._write() as conn:
            current = await require_member(conn, conversation_id, user_id)
            last = int(await conn.scalar(select(c.c.last_position).where(c.c.id == conversation_id)) or 0)
            target = max(current, min(position, last))
            if target != current:
                await conn.execute(
                    update(m)
                    .where(
                        m.c.conversation_id == conversation_id,
                        m.c.user_id == user_id,
                        m.c.read_position < target,
                    )
                    .values(read_position=target)
                )
        return target


def _check_limit(limit: int) -> int:
    if not 1 <= limit <= HISTORY_MAX:
        raise Invalid(f"limit is 1 to {HISTORY_MAX}")
    return limit
