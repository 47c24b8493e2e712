"""Migration 0006 (people) on a database that was at 0005 (the last landed schema) with users in it: they are
indexed for find, their choices get the privacy defaults, and the chain goes on to head."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from server.store import open_store
from server.store.engine import create_engine
from server.store.schema import alembic_config, head_revision
from tests.conftest import service_missing
from tests.support.store_data import create_postgres_database, drop_postgres_database

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def empty_url(request, tmp_path):  # type: ignore[no-untyped-def]
    """An empty database of each kind (PostgreSQL: a fresh one, dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
        return
    try:
        url = await create_postgres_database("parley_migration")
    except (OSError, ConnectionError) as error:
        service_missing("PostgreSQL", error)
    try:
        yield url
    finally:
        await drop_postgres_database(url)


async def test_upgrade_from_0005_indexes_existing_users(empty_url):
    engine = create_engine(empty_url)
    try:
        async with engine.begin() as conn:

            def to_0005(sync):  # type: ignore[no-untyped-def]
                command.upgrade(alembic_config(sync), "0005")

            await conn.run_sync(to_0005)
            await conn.execute(
                text(
                    "INSERT INTO users (username, display_name, password_hash, created_at) "
                    "VALUES ('zoe', 'Zoë van Dijk', 'x', 1)"
                )
            )
            await conn.execute(
                text(
                    "INSERT INTO user_settings (user_id, status, sound, updated_at) "
                    "SELECT id, 'away', 'on', 1 FROM users"
                )
            )
    finally:
        await engine.dispose()
    store = await open_store(empty_url)
    try:
        assert await store.schema_revision() == head_revision()
        viewer = await store.create_user("viewer", "Viewer", "password-1")
        zoe = await store.get_user_by_username("zoe")
        assert zoe is not None
        assert [p.user.id for p in await store.find_people(viewer.id, "VAN")] == [zoe.id]
        assert [p.user.id for p in await store.find_people(viewer.id, "zoë")] == [zoe.id]
        chosen = await store.account_settings(zoe.id)
        assert (chosen.status, chosen.findable, chosen.requests) == ("away", "everyone", "everyone")
    finally:
        await store.close()
