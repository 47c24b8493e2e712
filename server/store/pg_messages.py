"""PostgreSQL appends in one network round trip: one call of ``parley_append`` (migration 0002) in autocommit.

The statement is its own transaction: PostgreSQL commits it (synchronous_commit as the server is configured)
before it answers, and asyncpg hands over the rows only at that answer (ReadyForQuery), so a result here is a
committed append, as before. The function locks the batch's conversations, applies the rules of
``append_plan`` and returns one outcome per message; ``Plan.settle`` turns them into results.

The calls run on a few asyncpg connections of their own rather than the engine's pool: a checkout there costs
a round trip (``pool_pre_ping``) and SQLAlchemy's begin/commit bookkeeping on every append, about as much as
the append itself. Only this one statement ever runs on them, in autocommit, so they carry no session state.
A connection found closed (the server restarted) is dropped and replaced; one that failed in any way other
than an error reported by the server (which leaves it idle and usable) is closed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from . import records
from .append_generic import Write, per_message
from .append_plan import Outcome, Plan
from .clock import now_ms

CONNECTIONS = 4  # appends in flight at once per process (the relay's group commit runs one at a time)
CALL = "SELECT * FROM parley_append($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7)"
# URL query options that SQLAlchemy's asyncpg dialect consumes itself; asyncpg.connect() does not take them.
_DIALECT_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func", "async_creator_fn")


def uses_asyncpg(engine: AsyncEngine) -> bool:
    """Whether the engine is PostgreSQL through asyncpg (the only driver this path speaks)."""
    return engine.dialect.name == "postgresql" and engine.dialect.driver == "asyncpg"


class PgAppender:
    """Runs ``parley_append`` on up to ``size`` dedicated connections; ``write`` (the store's write
    transaction) serves the per-message retry after a unique violation."""

    def __init__(self, engine: AsyncEngine, write: Write, size: int = CONNECTIONS) -> None:
        self._write = write
        args, kwargs = engine.dialect.create_connect_args(engine.url)
        for key in _DIALECT_ONLY:
            kwargs.pop(key, None)
        self._connect_args: tuple[list[Any], dict[str, Any]] = (list(args), dict(kwargs))
        self._slots = asyncio.Semaphore(size)
        self._idle: list[Any] = []
        self._loggers: list[Callable[[Any], None]] = []

    def add_query_logger(self, callback: Callable[[Any], None]) -> None:
        """Have ``callback`` called with asyncpg's LoggedQuery after each statement on these connections."""
        self._loggers.append(callback)
        for conn in self._idle:
            conn.add_query_logger(callback)

    def remove_query_logger(self, callback: Callable[[Any], None]) -> None:
        self._loggers.remove(callback)
        for conn in self._idle:
            conn.remove_query_logger(callback)

    async def append(self, batch: Sequence[records.NewMessage]) -> list[records.AppendResult]:
        """One result per message, in order: one call of ``parley_append`` (per message after a unique
        violation)."""
        plan = Plan(batch)
        if plan.checked and not await self._call(plan, now_ms()):
            return await per_message(self._write, batch)
        return plan.answers()

    async def _call(self, plan: Plan, now: int) -> bool:
        """Store the plan's checked messages and settle their results; False when a unique violation (a
        concurrent transaction stored one of the client ids) rolled the whole call back: retry per message."""
        import asyncpg

        new = [item[1] for item in plan.checked]
        args = (
            [n.conversation_id for n in new],
            [n.sender_id for n in new],
            [n.client_id for n in new],
            [n.kind for n in new],
            [text for _, _, text, _ in plan.checked],
            [json.dumps(data) for _, _, _, data in plan.checked],  # None is stored as JSON null, as before
            now,
        )
        async with self._slots:
            conn = await self._take()
            reusable = False
            try:
                rows = await conn.fetch(CALL, *args)
                reusable = True
            except asyncpg.UniqueViolationError:
                reusable = True
                return False
            except asyncpg.PostgresConnectionError:
                raise
            except asyncpg.PostgresError:  # reported by the server: the connection is idle again
                reusable = True
                raise
            finally:
                if reusable and not conn.is_closed():
                    self._idle.append(conn)
                else:
                    conn.terminate()
        plan.settle([_outcome(row) for row in rows], now)
        return True

    async def _take(self) -> Any:
        import asyncpg

        while self._idle:
            conn = self._idle.pop()
            if not conn.is_closed():
                return conn
        args, kwargs = self._connect_args
        conn = await asyncpg.connect(*args, **kwargs)
        for callback in self._loggers:
            conn.add_query_logger(callback)
        return conn

    async def close(self) -> None:
        """Close the idle connections (call when no append is running)."""
        idle, self._idle = self._idle, []
        for conn in idle:
            try:
                await asyncio.wait_for(conn.close(), 5)
            except Exception:
                conn.terminate()


def _outcome(row: Any) -> Outcome:
    status, id_, conversation_id, position, sender_id, client_id, kind, text, data, created_at = row
    stored = None
    if id_ is not None and conversation_id is not None:
        stored = {
            "id": id_,
            "conversation_id": conversation_id,
            "position": position,
            "sender_id": sender_id,
            "client_id": client_id,
            "kind": kind,
            "text": text,
            "data": json.loads(data) if data is not None else None,
            "created_at": created_at,
        }
    return int(status), id_, position, stored
