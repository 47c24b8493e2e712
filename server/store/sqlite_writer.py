"""SQLite's writer: a whole write transaction in one call, on the event loop when it is small, else in one
hop to a dedicated thread.

Through aiosqlite every statement is a round trip to its worker thread (plus SQLAlchemy's async layers);
a message append is ~8 of them. Here the caller hands a plain function over once
(``await writer.run(fn, size=n)``); it runs inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK on any error) and
the result comes back after COMMIT. Callers hold no engine write transaction while they await it (see
``StoreBase._write_lock``), so within a process nothing else holds SQLite's write lock then.

Where it runs:
- **On the loop** (``size <= INLINE_MAX_ROWS``: a lone message, a small group commit): a lone append is
  ~75 µs of SQLite work here, about what the hop to a thread and back costs on top of it (~35 µs each
  way, and the statements ran slower in the thread); 32 messages hold the loop ~0.5 ms. This connection
  never waits for a lock: its busy timeout is 0, so when another process holds the write lock BEGIN fails
  at once and the transaction goes to the thread instead, which waits there (once BEGIN IMMEDIATE holds
  the lock, nothing later in a WAL transaction waits for one). It never checkpoints either
  (``wal_autocheckpoint=0``): with ``synchronous=NORMAL`` a WAL commit does not fsync, so nothing on the
  loop waits for the disk's flush. (Page reads are the OS's: the relay's working set is hot.)
- **In the writer thread** (bigger batches, or when the lock is busy): its own connection with the
  engine's busy timeout. After every ``CHECKPOINT_EVERY`` messages committed on the loop, a PASSIVE
  checkpoint runs here (it copies committed pages to the database file and fsyncs; it never waits for
  readers), as SQLite's automatic checkpoint would have after about as many pages.

A write on the loop that comes while that checkpoint runs waits for it (~1 ms, once per
``CHECKPOINT_EVERY`` messages). Only then can the WAL start over: SQLite rewrites the WAL from its start
only when a write transaction begins with every frame copied back, so a checkpoint overlapped by commits
never lets it. When they overlapped, under a steady stream of messages the WAL grew without bound (325 MB
after 6,300 messages, measured) and every commit appended to the end of a growing file: ~21 µs more per
COMMIT (57 vs 36 µs, docs/performance.md, issue 18).

Both connections have the engine's pragmas (WAL, synchronous=NORMAL, foreign keys). Durability is the
same either way: the result is returned after COMMIT.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from .engine import SQLITE_BUSY_TIMEOUT_MS

T = TypeVar("T")

logger = logging.getLogger("parley.store")

INLINE_MAX_ROWS = 32  # transactions of at most this many messages run on the event loop
CHECKPOINT_EVERY = 200  # messages committed on the loop between two PASSIVE checkpoints in the writer thread


class SqliteWriter:
    """The writer connections for the SQLite file at ``path``; each opens on first use."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None  # used only in the writer thread
        self._inline: sqlite3.Connection | None = None  # used only on the event loop's thread
        self._written = 0  # messages committed on the loop since the last checkpoint
        self._checkpoint: Future[None] | None = None

    async def run(self, fn: Callable[[sqlite3.Connection], T], size: int | None = None) -> T:
        """``fn(connection)`` inside one IMMEDIATE transaction; returns after COMMIT. ``size`` (messages
        written) up to ``INLINE_MAX_ROWS`` runs it on the loop unless another process holds the lock."""
        if size is not None and size <= INLINE_MAX_ROWS:
            checkpoint = self._checkpoint
            if checkpoint is not None and not checkpoint.done():  # let it finish first: see the module's notes
                await asyncio.wrap_future(checkpoint)
            conn = self._inline_connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if not _busy(exc):
                    raise
            else:
                result = _finish(conn, fn)
                self._written += max(1, size)
                if self._written >= CHECKPOINT_EVERY:
                    self._start_checkpoint()
                return result
        return await asyncio.get_running_loop().run_in_executor(self._thread(), self._transaction, fn)

    async def call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn(connection)`` for each of the writer's connections, outside any transaction (settings,
        tracing in tests); returns the writer thread's result."""
        fn(self._inline_connection())
        return await asyncio.get_running_loop().run_in_executor(self._thread(), lambda: fn(self._connection()))

    async def close(self) -> None:
        """Close the connections and stop the thread (after a running checkpoint)."""
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        executor, self._executor = self._executor, None
        if executor is None:
            return
        await asyncio.get_running_loop().run_in_executor(executor, self._close)
        executor.shutdown(wait=False)

    def _thread(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parley-sqlite-writer")
        return self._executor

    def _open(self, timeout_ms: int) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=timeout_ms / 1000, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={timeout_ms}")
        return conn

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._open(SQLITE_BUSY_TIMEOUT_MS)
        return self._conn

    def _inline_connection(self) -> sqlite3.Connection:
        if self._inline is None:
            conn = self._open(0)
            conn.execute("PRAGMA wal_autocheckpoint=0")
            self._inline = conn
        return self._inline

    def _transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        return _finish(conn, fn)

    def _start_checkpoint(self) -> None:
        if self._checkpoint is not None and not self._checkpoint.done():
            return
        self._written = 0
        self._checkpoint = self._thread().submit(self._run_checkpoint)

    def _run_checkpoint(self) -> None:
        try:
            self._connection().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except Exception:  # the next one retries; readers or other writers are not affected
            logger.warning("SQLite checkpoint failed", exc_info=True)

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _finish(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
    """Run ``fn`` in the transaction ``conn`` just began, then COMMIT (ROLLBACK on any error)."""
    try:
        result = fn(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return result


def _busy(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused the write lock because another connection holds it."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)


def writer_path(database: str | None, query: dict[str, object]) -> str | None:
    """The file a SQLite URL's database names, or None when the writer cannot share it (in-memory, URI)."""
    if not database or database == ":memory:" or database.startswith("file:") or query:
        return None
    return database
