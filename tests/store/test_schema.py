"""Migrations: upgrade on open, refuse a newer schema, SQLite connection settings."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from server.store import SchemaTooNew, open_store
from server.store.schema import current_revision, head_revision
from server.store.tables import metadata

pytestmark = pytest.mark.anyio


async def test_open_store_creates_every_table_at_head(tmp_path):
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'fresh' / 'p.sqlite3'}")
    try:
        assert await current_revision(store.engine) == head_revision()
        async with store.engine.connect() as conn:
            names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        assert set(metadata.tables) <= names
    finally:
        await store.close()


async def test_reopening_an_upgraded_database_works(database_url):
    store = await open_store(database_url)
    await store.close()
    store = await open_store(database_url)
    try:
        assert await current_revision(store.engine) == head_revision()
    finally:
        await store.close()


async def test_a_schema_newer_than_the_code_is_refused(database_url):
    store = await open_store(database_url)
    try:
        async with store.transaction() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_the_future'"))
    finally:
        await store.close()
    try:
        with pytest.raises(SchemaTooNew, match="ffff_from_the_future"):
            await open_store(database_url)
    finally:
        store = await open_store(database_url, migrate=False)
        async with store.transaction() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head_revision()})
        await store.close()


async def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path):
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'p.sqlite3'}")
    try:
        async with store.engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
            assert (await conn.exec_driver_sql("PRAGMA synchronous")).scalar() == 1  # NORMAL
            assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() >= 1000
    finally:
        await store.close()
