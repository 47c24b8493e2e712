"""Pytest fixtures for any test that needs a real store: SQLite (temporary file) and PostgreSQL.

In a conftest.py:  from tests.support.store_fixtures import database_url, postgres_url, sqlite_template, store
(and sqlite_file_store, for what only a SQLite file has: its writer thread, a path other connections open).

`database_url` is parametrized over both databases. An unreachable PostgreSQL skips its half, except under
CI=true where it fails.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import pytest

from server.passwords import Passwords
from server.store.store import Store, open_store
from tests.conftest import service_missing
from tests.support.store_data import clear, create_postgres_database, drop_postgres_database


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (migrating every time would be slow)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"

    async def migrate() -> None:
        store = await open_store(f"sqlite+aiosqlite:///{path}")
        await store.close()

    anyio.run(migrate)
    return path


@pytest.fixture
async def sqlite_file_store(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[tuple[Store, Path]]:
    """A Store on a fresh migrated SQLite file (cheap password hashing), and the file's path."""
    path = tmp_path / "parley.sqlite3"
    shutil.copyfile(sqlite_template, path)
    opened = await open_store(f"sqlite+aiosqlite:///{path}", passwords=Passwords.fast())
    try:
        yield opened, path
    finally:
        await opened.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated throwaway PostgreSQL database for this test session."""
    try:
        url = anyio.run(create_postgres_database)
    except (OSError, ConnectionError) as error:
        service_missing("PostgreSQL", error)

    async def migrate() -> None:
        store = await open_store(url)
        await store.close()

    anyio.run(migrate)
    yield url
    anyio.run(drop_postgres_database, url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated database of each kind."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "parley.sqlite3"
        shutil.copyfile(template, path)
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """A Store on an empty database (cheap password hashing)."""
    opened = await open_store(database_url, passwords=Passwords.fast())
    await clear(opened)
    try:
        yield opened
    finally:
        await opened.close()
