"""The PostgreSQL blob store: uploaded bytes as 256 KiB ``bytea`` rows of ``parley_blob_chunks`` (key, seq),
shared by every server process. Chunked rows rather than large objects: plain rows are dumped, replicated and
deleted with the rest of the data (large objects need ``lo_unlink`` and their own privileges), each row stays far
below the 1 GB ``bytea`` limit and is written and read one chunk at a time, so memory is bounded by the chunk.
The table is created by the blob store itself: its database may be another than the main store's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .engine import create_engine

CHUNK = 256 * 1024
CREATE = """CREATE TABLE IF NOT EXISTS parley_blob_chunks (
    key varchar(80) NOT NULL, seq integer NOT NULL, data bytea NOT NULL, PRIMARY KEY (key, seq))"""
INSERT = text("INSERT INTO parley_blob_chunks (key, seq, data) VALUES (:key, :seq, :data)")
SELECT = text("SELECT data FROM parley_blob_chunks WHERE key = :key AND seq = :seq")
DELETE = text("DELETE FROM parley_blob_chunks WHERE key = :key")


class PgBlobs:
    """Blobs as chunk rows in PostgreSQL."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def put(self, key: str, source: Path) -> None:
        """Insert ``source`` chunk by chunk in one transaction (all of it, or nothing)."""
        with source.open("rb") as handle:
            async with self.engine.begin() as conn:
                seq = 0
                while True:
                    chunk = await asyncio.to_thread(handle.read, CHUNK)
                    if not chunk and seq:
                        break
                    await conn.execute(INSERT, {"key": key, "seq": seq, "data": chunk})
                    seq += 1
                    if not chunk:
                        break

    async def read(self, key: str) -> AsyncIterator[bytes]:
        """The chunks in order, one query each."""
        async with self.engine.connect() as conn:
            seq = 0
            while True:
                data = await conn.scalar(SELECT, {"key": key, "seq": seq})
                if data is None:
                    if seq == 0:
                        raise FileNotFoundError(key)
                    return
                if data:
                    yield bytes(data)
                seq += 1

    async def delete(self, key: str) -> None:
        """Remove every chunk of ``key``."""
        async with self.engine.begin() as conn:
            await conn.execute(DELETE, {"key": key})

    async def close(self) -> None:
        """Close the pool."""
        await self.engine.dispose()


async def open_pg_blobs(url: str) -> PgBlobs:
    """The blob store in the PostgreSQL database at ``url`` (its table created when missing)."""
    engine = create_engine(url)
    async with engine.begin() as conn:  # one process at a time: concurrent CREATEs of one table collide
        await conn.execute(text("SELECT pg_advisory_xact_lock(7301)"))
        await conn.execute(text(CREATE))
    return PgBlobs(engine)
