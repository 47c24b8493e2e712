"""Messages: durable, ordered appends (idempotent per sender + client id), history and read positions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update

from . import records, tables
from .base import StoreBase
from .errors import Invalid
from .membership import require_member
from .message_changes import decorate
from .rows import message_record

HISTORY_MAX = 200

c = tables.conversations
m = tables.members
msg = tables.messages
u = tables.users


def _with_sender_state() -> Any:
    return select(msg, u.c.deleted_at.label("sender_deleted_at")).outerjoin(u, u.c.id == msg.c.sender_id)


def _records(rows: Sequence[Any]) -> tuple[records.MessageRecord, ...]:
    return tuple(message_record(row, sender_deleted=row["sender_deleted_at"] is not None) for row in rows)


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
        """Store many messages in one transaction (group commit); one result per message, in order.

        The appender chosen when the store opened (``appender.open_appender``) does it in a fixed number of
        statements per batch, not per message: on a SQLite file the whole transaction is one call to the
        SQLite writer (``sqlite_messages``: on the event loop when small, else one hop to the writer thread);
        on PostgreSQL it is one statement, its own transaction, in one network round trip
        (``pg_messages``); elsewhere the SQLAlchemy statements of ``append_generic``. The sender's
        read position moves to its newest message in the same transaction (sending marks read). If a
        concurrent transaction stored one of the same client ids first (a unique violation), the batch is
        retried message by message with a savepoint each."""
        if not batch:
            return []
        return await self._appender.append(batch)

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
            page = await decorate(conn, _records(rows))
            last_change = int(await conn.scalar(select(c.c.last_change).where(c.c.id == conversation_id)) or 0)
        more = len(page) == limit and page[-1].position > 1
        return records.HistoryPage(
            messages=page, next_before=page[-1].position if more else None, last_change=last_change
        )

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
            return await decorate(conn, _records(rows))

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
