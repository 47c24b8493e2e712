"""Test support for any part of Parley that needs a real database: throwaway PostgreSQL databases.

    url = await create_postgres_database()   # parley_test_<random>, created through the `test` database
    ...
    await drop_postgres_database(url)

PARLEY_TEST_POSTGRES_URL overrides the admin URL (default postgresql://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import os
import secrets

from sqlalchemy import delete, insert
from sqlalchemy.engine import make_url

from server.store import tables
from server.store.clock import now_ms
from server.store.records import User
from server.store.secrets import hash_secret
from server.store.store import Store
from server.store.tables import metadata

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def admin_url() -> str:
    """The URL of the PostgreSQL database used to create and drop test databases."""
    return os.environ.get("PARLEY_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL)


async def _admin_execute(sql: str) -> None:
    import asyncpg  # imported here: only PostgreSQL tests need it

    url = make_url(admin_url())
    conn = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database or "test",
        timeout=5,
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def create_postgres_database(prefix: str = "parley_test") -> str:
    """Create a uniquely named database; returns its postgresql+asyncpg URL."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    await _admin_execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin_url()).set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(hide_password=False)


async def drop_postgres_database(url: str) -> None:
    """Drop a database made by create_postgres_database (closing any connection left to it)."""
    name = make_url(url).database
    await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def clear(store: Store) -> None:
    """Delete every row of every Parley table (keeps the schema): a fresh store between tests."""
    async with store.transaction() as conn:
        for table in reversed(metadata.sorted_tables):
            await conn.execute(delete(table))


async def make_user(store: Store, username: str, password: str = "password-1") -> User:
    """Create an account named `username` (display name: capitalized username)."""
    return await store.create_user(username, username.capitalize(), password)


async def make_friends(store: Store, a: User, b: User) -> None:
    """Make a and b friends (a asks, b accepts)."""
    await store.request(a.id, b.username)
    await store.accept(b.id, a.id)


async def add_site(store: Store, origins: list[str], scopes: str = "profile friends messages share") -> int:
    """Register a site (OAuth public client) with these exact origins; returns its id."""
    async with store.transaction() as conn:
        site_id = (
            await conn.execute(
                insert(tables.sites)
                .values(
                    client_id=f"test-{secrets.token_hex(6)}",
                    owner_id=None,
                    name="Test site",
                    origins=origins,
                    redirect_uris=[origins[0] + "/callback"],
                    scopes=scopes,
                    settings={},
                    created_at=now_ms(),
                )
                .returning(tables.sites.c.id)
            )
        ).scalar_one()
    return int(site_id)


async def add_token(store: Store, user_id: int, site_id: int, token: str, scope: str, ttl_ms: int) -> None:
    """Issue an access token for a user and site, stored hashed as the OAuth server stores it."""
    now = now_ms()
    async with store.transaction() as conn:
        await conn.execute(
            insert(tables.oauth_tokens).values(
                family_id=secrets.token_hex(8),
                site_id=site_id,
                user_id=user_id,
                scope=scope,
                access_token_hash=hash_secret(token),
                issued_at=now,
                access_expires_at=now + ttl_ms,
            )
        )


async def add_access_token(
    store: Store, user_id: int, token: str, scope: str = "profile friends messages share", ttl_ms: int = 60_000
) -> int:
    """Register a site and an access token for `user_id`. Returns the site id."""
    site_id = await add_site(store, ["https://site.example"], scope)
    await add_token(store, user_id, site_id, token, scope, ttl_ms)
    return site_id


async def add_web_session(store: Store, user_id: int, session_id: str, csrf_token: str) -> None:
    """Register a web session (as the account pages do) whose cookie value is `session_id`."""
    now = now_ms()
    async with store.transaction() as conn:
        await conn.execute(
            insert(tables.web_sessions).values(
                id_hash=hash_secret(session_id),
                user_id=user_id,
                csrf_token=csrf_token,
                created_at=now,
                expires_at=now + 3_600_000,
            )
        )
