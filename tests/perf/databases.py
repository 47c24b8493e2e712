"""The store benchmarks' two databases: one measurement run on a fresh SQLite file, then on a throwaway
PostgreSQL database (made and dropped here), each logged with its time."""

from __future__ import annotations

import socket
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

POSTGRES_DOWN = "pending: PostgreSQL at 127.0.0.1:5432 unreachable"


def postgres_up() -> bool:
    """Whether PostgreSQL accepts connections on 127.0.0.1:5432."""
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


async def on_both(label: str, measure: Callable[[str], Awaitable[Any]], log: Callable[[str], None]) -> dict[str, Any]:
    """{"SQLite": measure(sqlite url), "PostgreSQL": measure(postgresql url) or POSTGRES_DOWN}."""
    from tests.support.store_data import create_postgres_database, drop_postgres_database

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix=f"bench-{label}-") as tmp:
        started = time.perf_counter()
        results["SQLite"] = await measure(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}")
        log(f"  {label} SQLite {time.perf_counter() - started:.1f}s")
    if not postgres_up():
        results["PostgreSQL"] = POSTGRES_DOWN
        return results
    started = time.perf_counter()
    url = await create_postgres_database("parley_bench")
    try:
        results["PostgreSQL"] = await measure(url)
    finally:
        await drop_postgres_database(url)
    log(f"  {label} PostgreSQL {time.perf_counter() - started:.1f}s")
    return results
