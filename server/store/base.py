"""The store's foundation: one engine, read and write transactions, the limits, a ping."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..passwords import Passwords
from .appender import open_appender
from .content import MAX_GROUP_MEMBERS
from .engine import WRITE_OPTION, is_sqlite


class StoreBase:
    """Holds the engine and the limits; every public store method runs in one `_read()` or `_write()`
    transaction. ``max_group_members`` is the product rule (50) unless the server's settings or a
    benchmark say otherwise."""

    def __init__(
        self, engine: AsyncEngine, passwords: Passwords | None = None, *, max_group_members: int = MAX_GROUP_MEMBERS
    ) -> None:
        self.engine = engine
        self.passwords = passwords or Passwords()
        self.max_group_members = max_group_members
        self._write_engine = engine.execution_options(**{WRITE_OPTION: True})
        # SQLite has one writer at a time: queue this process's writers here, not in SQLite's busy loop.
        self._write_lock = asyncio.Lock() if is_sqlite(engine) else None
        # Message appends: chosen once for this database (a SQLite file's writer, PostgreSQL's function, or
        # the engine's statements), see appender.py.
        self._appender = open_appender(engine, self._write, self._write_lock)

    @property
    def is_sqlite(self) -> bool:
        """Whether the backing database is SQLite."""
        return is_sqlite(self.engine)

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def _read_one(self) -> AsyncIterator[AsyncConnection]:
        """For a read of one statement: on PostgreSQL in autocommit (no BEGIN and COMMIT round trips around
        it; one statement sees one snapshot anyway), elsewhere a read transaction."""
        if self.is_sqlite:
            async with self._read() as conn:
                yield conn
            return
        async with self.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        if self._write_lock is None:
            async with self._write_engine.begin() as conn:
                yield conn
            return
        async with self._write_lock, self._write_engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction on the raw tables, for tests that arrange rows the API cannot (the server
        itself goes through the store's methods)."""
        async with self._write() as conn:
            yield conn

    async def ping(self) -> None:
        """One trivial query: raises when the database does not answer."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        """Close the message appender and every pooled connection."""
        await self._appender.close()
        await self.engine.dispose()

