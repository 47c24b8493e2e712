"""What copy-paste frames keep for the next page of a visit, per frame sign-in (SQLite and PostgreSQL: the store
fixture runs both)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.store import tables
from server.store.secrets import hash_secret
from tests.support.store_data import add_access_token, make_user

pytestmark = pytest.mark.anyio


async def test_kept_texts_are_replaced_per_field_and_end_with_the_sign_in(store):
    alice = await make_user(store, "alice")
    site = await add_access_token(store, alice.id, "tok-a")
    token = await store.token_by_access_hash(hash_secret("tok-a"))
    assert token is not None and token.site_id == site
    assert await store.kept_for_frame(token.family_id) == {}
    await store.keep_for_frame(token, {"place": "P1", "outbox": "O1"})
    await store.keep_for_frame(token, {"place": "P2"})  # an upsert: the outbox stays
    assert await store.kept_for_frame(token.family_id) == {"place": "P2", "outbox": "O1"}
    await store.keep_for_frame(token, {"outbox": ""})
    assert await store.kept_for_frame(token.family_id) == {"place": "P2"}
    assert await store.kept_for_frame(token.family_id, site) == {"place": "P2"}  # the frame page's first paint
    assert await store.kept_for_frame(token.family_id, site + 1) == {}  # never on another site's frame
    await store.revoke_family(token.family_id)
    assert await store.kept_for_frame(token.family_id) == {}
    await store.keep_for_frame(token, {"place": "late"})  # a write racing the sign-out is never read back
    assert await store.kept_for_frame(token.family_id) == {}


async def test_revoking_the_site_or_deleting_the_account_forgets_it(store):
    bob = await make_user(store, "bob")
    site = await add_access_token(store, bob.id, "tok-b")
    token = await store.token_by_access_hash(hash_secret("tok-b"))
    await store.keep_for_frame(token, {"place": "P"})
    await store.remember_consent(bob.id, site, "profile", merge=lambda old, new: old)
    await store.revoke_consent(bob.id, site)
    assert await store.kept_for_frame(token.family_id) == {}
    carol = await make_user(store, "carol")
    await add_access_token(store, carol.id, "tok-c")
    token = await store.token_by_access_hash(hash_secret("tok-c"))
    await store.keep_for_frame(token, {"outbox": "O"})
    await store.delete_user(carol.id)
    assert await store.kept_for_frame(token.family_id) == {}
    async with store.transaction() as conn:  # the texts themselves are gone, not only unreadable
        left = await conn.scalar(select(func.count()).select_from(tables.frame_kept))
    assert left == 0


async def test_the_export_holds_what_frames_keep_and_the_choices_per_site(store):
    dana = await make_user(store, "dana")
    site = await add_access_token(store, dana.id, "tok-d")
    token = await store.token_by_access_hash(hash_secret("tok-d"))
    await store.remember_consent(dana.id, site, "profile messages", merge=lambda old, new: old)
    await store.keep_for_frame(token, {"place": "P-draft", "outbox": "O-unsent"})
    data = await store.export_user(dana.id)
    assert [(k["site_id"], k["place"], k["outbox"]) for k in data["kept"]] == [(site, "P-draft", "O-unsent")]
    assert [(s["site_id"], s["scope"], s["hidden"], s["share_title"]) for s in data["sites"]] == [
        (site, "profile messages", False, False)
    ]
