"""The generic SQLAlchemy append (in-memory SQLite, and every backend's per-message retry).

``append_batch`` runs a batch inside the caller's write transaction with a fixed number of statements;
``per_message`` is the retry after a unique violation (a concurrent transaction stored one of the client ids):
message by message, a savepoint each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import and_, bindparam, exists, insert, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from . import records, sqlite_messages, tables
from .append_plan import Facts, Plan, same
from .clock import now_ms
from .content import check_client_id, check_content
from .errors import Blocked, StoreError
from .membership import require_member
from .rows import message_record

# A write transaction of the store (on SQLite, under its write lock).
Write = Callable[[], AbstractAsyncContextManager[AsyncConnection]]

c = tables.conversations
m = tables.members
msg = tables.messages
f = tables.friendships


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


async def append_one(conn: AsyncConnection, new: records.NewMessage) -> tuple[records.MessageRecord, bool]:
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


async def per_message(write: Write, batch: Sequence[records.NewMessage]) -> list[records.AppendResult]:
    """Append message by message in one write transaction, a savepoint each (the retry after a unique
    violation: a concurrent resend is then answered with the stored message)."""
    results: list[records.AppendResult] = []
    async with write() as conn:
        for new in batch:
            try:
                message, created = await append_one(conn, new)
            except StoreError as exc:
                results.append(records.AppendResult(None, False, exc))
            else:
                results.append(records.AppendResult(message, created))
    return results


class SqlAlchemyAppender:
    """Appends through the engine: ``append_batch`` in one write transaction, ``per_message`` on a unique
    violation."""

    def __init__(self, write: Write) -> None:
        self._write = write

    async def append(self, batch: Sequence[records.NewMessage]) -> list[records.AppendResult]:
        """One result per message, in order."""
        try:
            async with self._write() as conn:
                return await append_batch(conn, batch)
        except IntegrityError:
            return await per_message(self._write, batch)

    async def close(self) -> None:
        """Nothing of its own to close (the engine is the store's)."""
