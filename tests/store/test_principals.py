"""Principals: access tokens and web sessions are looked up by hash and must be live."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, update

from server.store import hash_secret, tables
from server.store.clock import now_ms
from tests.support.store_data import add_access_token, make_user

pytestmark = pytest.mark.anyio


async def add_token(store, user_id: int, token: str, scope: str = "profile friends", ttl_ms: int = 60_000) -> int:
    return await add_access_token(store, user_id, token, scope, ttl_ms)


async def test_hash_secret_is_sha256_hex():
    assert hash_secret("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


async def test_access_token_principal(store):
    alice = await make_user(store, "alice")
    site_id = await add_token(store, alice.id, "tok-1", "profile friends")
    principal = await store.principal_for_access_token("tok-1")
    assert principal is not None
    assert (principal.user_id, principal.site_id, principal.scopes) == (
        alice.id,
        site_id,
        {"profile", "friends"},
    )
    assert principal.allows("friends") and not principal.allows("messages")
    assert await store.principal_for_access_token("tok-2") is None
    assert await store.principal_for_access_token("") is None


async def test_expired_revoked_or_deleted_user_tokens_are_refused(store):
    alice = await make_user(store, "alice")
    await add_token(store, alice.id, "expired", ttl_ms=-1)
    assert await store.principal_for_access_token("expired") is None
    await add_token(store, alice.id, "revoked")
    async with store.transaction() as conn:
        await conn.execute(
            update(tables.oauth_tokens)
            .where(tables.oauth_tokens.c.access_token_hash == hash_secret("revoked"))
            .values(revoked_at=now_ms())
        )
    assert await store.principal_for_access_token("revoked") is None
    await add_token(store, alice.id, "live")
    assert await store.principal_for_access_token("live") is not None
    await store.delete_user(alice.id)
    assert await store.principal_for_access_token("live") is None


async def test_session_principal(store):
    alice = await make_user(store, "alice")
    now = now_ms()
    async with store.transaction() as conn:
        await conn.execute(
            insert(tables.web_sessions),
            [
                {
                    "id_hash": hash_secret("s1"),
                    "user_id": alice.id,
                    "csrf_token": "csrf1",
                    "created_at": now,
                    "expires_at": now + 60_000,
                },
                {
                    "id_hash": hash_secret("old"),
                    "user_id": alice.id,
                    "csrf_token": "csrf2",
                    "created_at": now,
                    "expires_at": now - 1,
                },
            ],
        )
    principal = await store.principal_for_session("s1")
    assert principal is not None and principal.user_id == alice.id and principal.site_id is None
    assert principal.session and principal.csrf_token == "csrf1"
    assert principal.scopes == {"profile", "friends", "messages", "share", "people"}
    assert await store.principal_for_session("old") is None
    assert await store.principal_for_session("nope") is None


async def test_revoking_a_token_family_names_whose_sign_in_ended_once(store):
    alice = await make_user(store, "alice")
    site_id = await add_token(store, alice.id, "family-member")
    async with store.transaction() as conn:
        family = await conn.scalar(
            tables.oauth_tokens.select()
            .with_only_columns(tables.oauth_tokens.c.family_id)
            .where(tables.oauth_tokens.c.access_token_hash == hash_secret("family-member"))
        )
    assert await store.revoke_family(family) == {(alice.id, site_id)}
    assert await store.principal_for_access_token("family-member") is None
    assert await store.revoke_family(family) == set()  # already revoked: nobody to re-check
