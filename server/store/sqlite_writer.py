"""One thread and one stdlib sqlite3 connection that run a whole write transaction in one hop.

Through aiosqlite every statement is a round trip to its worker thread (plus SQLAlchemy's async layers);
a message append is ~8 of them. Here the event loop hands a plain function to this thread once
(``await writer.run(fn)``); the thread runs BEGIN IMMEDIATE, ``fn(connection)`` and COMMIT (ROLLBACK on any
error) and hands the result back. The connection has the engine's pragmas (WAL, synchronous=NORMAL,
foreign keys, busy_timeout), so it waits for another writer (the async engine, another process) on SQLite's
lock instead of failing. Callers hold no engine write transaction while they await it (see
``StoreBase._write_lock``).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from .engine import SQLITE_BUSY_TIMEOUT_MS

T = TypeVar("T")


class SqliteWriter:
    """A single writer thread for the SQLite file at ``path``; its connection opens on first use."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None  # used only in the writer thread

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn(connection)`` inside one IMMEDIATE transaction in the writer thread; returns after COMMIT."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parley-sqlite-writer")
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._transaction, fn)

    async def call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn(connection)`` in the writer thread, outside any transaction (settings, tracing in tests)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parley-sqlite-writer")
        return await asyncio.get_running_loop().run_in_executor(self._executor, lambda: fn(self._connection()))

    async def close(self) -> None:
        """Close the connection and stop the thread."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        await asyncio.get_running_loop().run_in_executor(executor, self._close)
        executor.shutdown(wait=False)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(
                self.path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            self._conn = conn
        return self._conn

    def _transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return result

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def writer_path(database: str | None, query: dict[str, object]) -> str | None:
    """The file a SQLite URL's database names, or None when the writer cannot share it (in-memory, URI)."""
    if not database or database == ":memory:" or database.startswith("file:") or query:
        return None
    return database
