"""Messages: durable, ordered appends (idempotent per sender + client id), history and read positions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any

from sqlalchemy import and_, bindparam, exists, insert, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from . import records, sqlite_messages, tables
from .append_plan import Facts, Plan, same
from .base import StoreBase
from .clock import now_ms
from .content import check_client_id, check_content
from .conversations import require_member
from .errors import Blocked, Invalid, StoreError
from .rows import message_record

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
        return same(found, new), False
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
        return same(found, new), False
    await mark_read(conn, [(new.conversation_id, new.sender_id, position)])
    return message_record(row), True


async def mark_read(conn: AsyncConnection, reads: Sequence[tuple[int, int, int]]) -> None:
    """Move (conversation, user) read positions forward to `position` (sending marks read)."""
    if reads:
        await conn.execute(
            update(m)
            .where(
                m.c.conversation_id == bindparam("b_conv"),
                m.c.user_id == bindparam("b_user"),
                m.c.read_position < bindparam("b_pos"),
            )
            .values(read_position=bindparam("b_pos")),
            [{"b_conv": conv, "b_user": user, "b_pos": pos} for conv, user, pos in reads],
        )


async def _batch_facts(conn: AsyncConnection, plan: Plan) -> Facts:
    """One round of reads for a batch: last positions (rows locked on PostgreSQL), kinds, members that
    matter (senders; both sides of direct conversations), blocks between them, and stored client ids."""
    conv_ids, sender_ids, _ = plan.keys()
    query = (
        select(c.c.id, c.c.kind, c.c.last_position, m.c.user_id)
        .join(m, m.c.conversation_id == c.c.id)
        .where(c.c.id.in_(conv_ids), or_(c.c.kind == "direct", m.c.user_id.in_(sender_ids)))
        .order_by(c.c.id)
    )
    if conn.dialect.name != "sqlite":  # SQLite: BEGIN IMMEDIATE already holds the database's write lock
        query = query.with_for_update(of=c)
    facts = Facts()
    for conv_id, kind, last_position, user_id in (await conn.execute(query)).all():
        facts.add_member(conv_id, kind, last_position, user_id)
    direct_users = facts.direct_users()
    if direct_users:
        rows = await conn.execute(  # one key range per user, not one probe per pair of users
            select(f.c.user_id, f.c.other_id).where(f.c.state == "blocked", f.c.user_id.in_(direct_users))
        )
        for a, b in rows.all():
            if b in direct_users:
                facts.add_block(a, b)
    facts.stored = {}
    pairs = plan.pairs()
    for start in range(0, len(pairs), sqlite_messages.PAIRS_CHUNK):
        chunk = pairs[start : start + sqlite_messages.PAIRS_CHUNK]
        if conn.dialect.name == "sqlite":  # see sqlite_messages.stored_query: no scan of the whole index
            rows = await conn.exec_driver_sql(
                sqlite_messages.stored_query(len(chunk)), tuple(value for pair in chunk for value in pair)
            )
            stored: Iterable[Mapping[Any, Any]] = [sqlite_messages.stored_record(row) for row in rows]
        else:  # PostgreSQL: a bitmap OR of unique-index scans, one per pair
            query = select(msg).where(tuple_(msg.c.sender_id, msg.c.client_id).in_(chunk))
            stored = (await conn.execute(query)).mappings()
        facts.stored.update({(row["sender_id"], row["client_id"]): row for row in stored})
    return facts


async def append_batch(conn: AsyncConnection, batch: Sequence[records.NewMessage]) -> list[records.AppendResult]:
    """Append a batch inside the caller's write transaction with a fixed number of statements: the reads of
    ``_batch_facts``, one multi-row INSERT, one UPDATE per conversation (executemany) and one for the
    senders' read positions. Positions are assigned here from last_position, read under the write lock
    (SQLite: BEGIN IMMEDIATE; PostgreSQL: SELECT ... FOR UPDATE of the conversation rows, in id order).
    A unique violation (a concurrent transaction stored the same client id) propagates: retry per message."""
    plan = Plan(batch)
    if plan.checked:
        plan.assign(await _batch_facts(conn, plan), now_ms())
        if plan.rows:
            # Unsorted RETURNING keeps this one multi-row INSERT on SQLite; (conversation, position) is unique.
            returned = await conn.execute(
                insert(msg).returning(msg.c.id, msg.c.conversation_id, msg.c.position), plan.rows
            )
            touched, reads = plan.created({(conv, pos): id_ for id_, conv, pos in returned.all()})
            await conn.execute(
                update(c).where(c.c.id == bindparam("b_id")).values(last_position=bindparam("b_last")),
                [{"b_id": conv_id, "b_last": position} for conv_id, position in touched],
            )
            await mark_read(conn, reads)
    return plan.answers()


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

        A fixed number of statements per batch (see ``append_batch``), not per message; on a SQLite file
        the whole transaction is one call to the SQLite writer (``sqlite_messages``: on the event loop when
        small, else one hop to the writer thread); on PostgreSQL it
        is one statement, its own transaction, in one network round trip (``pg_messages``). The sender's
        read position moves to its newest message in the same transaction (sending marks read). If a
        concurrent transaction stored one of the same client ids first (a unique violation), the batch is
        retried message by message with a savepoint each."""
        if not batch:
            return []
        try:
            if self._pg_appender is not None:
                plan = Plan(batch)
                if not plan.checked:
                    return plan.answers()
                if await self._pg_appender.append(plan, now_ms()):
                    return plan.answers()
            elif self._sqlite_writer is not None and self._write_lock is not None:
                plan = Plan(batch)
                if not plan.checked:
                    return plan.answers()
                async with self._write_lock:
                    done = await self._sqlite_writer.run(
                        partial(sqlite_messages.append_batch, plan=plan, now=now_ms()), size=len(plan.checked)
                    )
                return done.answers()
            else:
                async with self._write() as conn:
                    return await append_batch(conn, batch)
        except (IntegrityError, sqlite3.IntegrityError):
            pass
        results: list[records.AppendResult] = []
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
