"""What a durable append costs timed alone, the part of a round-trip floor that is the database's:
`python -m tests.perf.rtt_floor [--messages N]`.

Run pinned to one core, one append at a time (medians, µs):
- SQLite (a temporary file, the store's pragmas: WAL, synchronous=NORMAL): one `INSERT` into `messages` (its
  indexes and the search trigger) + COMMIT on a plain sqlite3 connection, the least a stored message costs;
  and `Store.append_message` (checks, positions, read mark: what the relay's commit loop runs);
- PostgreSQL (a fresh database, dropped after): `SELECT 1`, a one-row autocommit `INSERT` into a plain table
  (its WAL flush at commit) through asyncpg, and `Store.append_message` (`parley_append`); with the server's
  `synchronous_commit`, `fsync` and `wal_sync_method` (read, never changed).
Add a bare WebSocket echo measured in the same session (`--only relay`) to get the round trip's floor.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from .bench_store import prepare
from .report import Table, median, percentile

WARMUP = 200


async def timed(n: int, call: Callable[[int], Awaitable[Any]]) -> list[float]:
    """µs per awaited call, after a warm-up."""
    out = []
    for i in range(WARMUP + n):
        t0 = time.perf_counter()
        await call(i)
        if i >= WARMUP:
            out.append((time.perf_counter() - t0) * 1e6)
    return out


def timed_sync(n: int, call: Callable[[int], Any]) -> list[float]:
    out = []
    for i in range(WARMUP + n):
        t0 = time.perf_counter()
        call(i)
        if i >= WARMUP:
            out.append((time.perf_counter() - t0) * 1e6)
    return out


async def sqlite_rows(n: int) -> list[tuple[str, list[float]]]:
    from server.store import open_store

    folder = Path(tempfile.mkdtemp(prefix="rtt-floor-"))
    path = folder / "parley.sqlite3"
    store = await open_store(f"sqlite+aiosqlite:///{path}")
    try:
        pairs = await prepare(store)
        conv, sender = pairs[0]
        conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")

        def insert(i: int) -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO messages (conversation_id, position, sender_id, client_id, kind, text, data, created_at)"
                " VALUES (?, ?, ?, ?, 'text', 'hello there', 'null', 0)",
                (conv, 1_000_000 + i, sender, f"raw-{i}"),
            )
            conn.execute("COMMIT")

        raw = timed_sync(n, insert)
        conn.close()
        conv, sender = pairs[1]
        store_rows = await timed(n, lambda i: store.append_message(conv, sender, f"st-{i}", "text", "hello there"))
        return [("SQLite: INSERT + COMMIT (sqlite3, search trigger)", raw),
                ("SQLite: Store.append_message", store_rows)]
    finally:
        await store.close()
        for file in folder.iterdir():
            file.unlink()
        folder.rmdir()


async def postgres_rows(n: int) -> tuple[list[tuple[str, list[float]]], str]:
    import asyncpg
    from sqlalchemy.engine import make_url

    from server.store import open_store
    from tests.support.store_data import create_postgres_database, drop_postgres_database

    os.environ.setdefault("PARLEY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    url = await create_postgres_database("parley_floor")
    try:
        store = await open_store(url)
        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(plain)
        try:
            shown = [f"{name}={await conn.fetchval(f'SHOW {name}')}"
                     for name in ("synchronous_commit", "fsync", "wal_sync_method")]
            settings = ", ".join(shown)
            await conn.execute("CREATE TABLE rtt_floor (id bigserial PRIMARY KEY, body text NOT NULL)")
            ping = await timed(n, lambda i: conn.fetchval("SELECT 1"))
            insert = await timed(n, lambda i: conn.execute("INSERT INTO rtt_floor (body) VALUES ($1)", "hello there"))
            pairs = await prepare(store)
            conv, sender = pairs[0]
            appended = await timed(n, lambda i: store.append_message(conv, sender, f"pg-{i}", "text", "hello there"))
        finally:
            await conn.close()
            await store.close()
        return [("PostgreSQL: SELECT 1 (asyncpg)", ping), ("PostgreSQL: autocommit INSERT (asyncpg)", insert),
                ("PostgreSQL: Store.append_message", appended)], settings
    finally:
        await drop_postgres_database(url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.perf.rtt_floor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args(argv)
    available = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {available[0]})
    rows = asyncio.run(sqlite_rows(args.messages))
    pg_rows, settings = asyncio.run(postgres_rows(args.messages))
    table = Table(f"A durable append timed alone (µs, {args.messages} one at a time, core {available[0]})",
                  ["what", "median", "p99"])
    for name, values in rows + pg_rows:
        table.add(name, median(values), percentile(values, 99))
    table.notes += [f"PostgreSQL server: {settings}", f"load average at the end: {os.getloadavg()}"]
    print(table.render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
