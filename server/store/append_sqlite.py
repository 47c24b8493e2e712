"""The appender of a SQLite file: each batch one call of ``sqlite_messages.append_batch`` in its writer."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from functools import partial

from . import records
from .append_generic import Write, per_message
from .append_plan import Plan
from .clock import now_ms
from .sqlite_messages import append_batch
from .sqlite_writer import SqliteWriter


class SqliteFileAppender:
    """Appends to a SQLite file through its writer (``sqlite_writer``): each batch one call of
    ``append_batch``, under the store's write lock (no engine write transaction of this process is open
    while it waits); per message through ``write`` after a unique violation."""

    def __init__(self, path: str, write_lock: asyncio.Lock, write: Write) -> None:
        self.writer = SqliteWriter(path)
        self._write_lock = write_lock
        self._write = write

    async def append(self, batch: Sequence[records.NewMessage]) -> list[records.AppendResult]:
        """One result per message, in order."""
        plan = Plan(batch)
        if not plan.checked:
            return plan.answers()
        try:
            async with self._write_lock:
                done = await self.writer.run(partial(append_batch, plan=plan, now=now_ms()), size=len(plan.checked))
        except sqlite3.IntegrityError:
            return await per_message(self._write, batch)
        return done.answers()

    async def close(self) -> None:
        """Close the writer's connections and thread."""
        await self.writer.close()
