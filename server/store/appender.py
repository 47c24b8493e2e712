"""Message appenders: one small interface, one implementation per backend, chosen once when the store opens.

- a SQLite file: ``append_sqlite.SqliteFileAppender`` (the whole transaction in one call of its writer);
- PostgreSQL through asyncpg: ``pg_messages.PgAppender`` (one call of ``parley_append``, one round trip);
- anything else (in-memory SQLite): ``append_generic.SqlAlchemyAppender`` (the engine's statements).

Each answers one result per message, in order, and retries per message after a unique violation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from . import records
from .append_generic import SqlAlchemyAppender, Write
from .append_sqlite import SqliteFileAppender
from .pg_messages import PgAppender, uses_asyncpg
from .sqlite_writer import writer_path


class Appender(Protocol):
    """Stores batches of messages durably."""

    async def append(self, batch: Sequence[records.NewMessage]) -> list[records.AppendResult]:
        """One result per message of a non-empty batch, in order, after it is committed."""
        ...

    async def close(self) -> None:
        """Release what the appender holds of its own (connections, threads)."""
        ...


def open_appender(engine: AsyncEngine, write: Write, write_lock: asyncio.Lock | None) -> Appender:
    """The appender for the engine's database; ``write`` is the store's write transaction and
    ``write_lock`` its SQLite write lock (None elsewhere)."""
    if engine.dialect.name == "sqlite" and write_lock is not None:
        path = writer_path(engine.url.database, dict(engine.url.query))
        if path is not None:
            return SqliteFileAppender(path, write_lock, write)
    if uses_asyncpg(engine):
        return PgAppender(engine, write)
    return SqlAlchemyAppender(write)
