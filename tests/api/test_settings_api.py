"""GET/PATCH /api/v1/me/settings: the visitor's choices over the JSON API (tokens: their own site; a web
session: every site), validation, and the relay told through app.state.on_settings_changed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.test_api import assert_error, build_app
from tests.support.store_data import add_access_token, add_site, add_token, add_web_session, make_user

pytestmark = pytest.mark.anyio


def keep(old: str, new: str) -> str:
    return old


@pytest.fixture
async def setup(store) -> AsyncIterator[tuple[httpx.AsyncClient, dict, list[int]]]:
    alice = await make_user(store, "alice")
    shop = await add_access_token(store, alice.id, "tok-shop", "profile friends")
    blog = await add_site(store, ["https://blog.example"])
    await add_token(store, alice.id, blog, "tok-blog-no-profile", "friends", 60_000)
    for site in (shop, blog):
        await store.remember_consent(alice.id, site, "profile friends", merge=keep)
    await add_web_session(store, alice.id, "sess-alice", "csrf-alice")
    app = build_app(store)
    told: list[int] = []
    app.state.on_settings_changed = told.append
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver/api/v1") as http:
        yield http, {"alice": alice, "shop": shop, "blog": blog}, told


TOKEN = {"Authorization": "Bearer tok-shop"}


async def test_a_token_reads_and_changes_its_own_sites_choices(setup):
    client, world, told = setup
    got = await client.get("/me/settings", headers=TOKEN)
    assert got.status_code == 200
    assert got.json() == {
        "status": "online", "sound": "site",
        "sites": [{"site_id": world["shop"], "client_id": got.json()["sites"][0]["client_id"], "name": "Test site",
                   "hidden": False, "share_title": False}],
    }
    changed = await client.patch("/me/settings", json={"status": "hidden", "share_title": True}, headers=TOKEN)
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == "hidden" and changed.json()["sites"][0]["share_title"] is True
    assert told == [world["alice"].id]
    other = await client.patch("/me/settings", json={"site_id": world["blog"], "hidden": True}, headers=TOKEN)
    assert_error(other, 404, "not_found")  # a token never changes another site's choices
    assert not (await client.get("/me/settings", headers=TOKEN)).json()["sites"][0]["hidden"]


async def test_a_web_session_sees_every_site_and_needs_csrf(setup):
    client, world, _ = setup
    session = {"Cookie": "parley_session=sess-alice"}
    assert [s["site_id"] for s in (await client.get("/me/settings", headers=session)).json()["sites"]] == [
        world["shop"], world["blog"]]
    assert_error(await client.patch("/me/settings", json={"sound": "off"}, headers=session), 403, "csrf_failed")
    body = {"site_id": world["blog"], "hidden": True, "sound": "off"}
    changed = await client.patch("/me/settings", json=body, headers={**session, "X-CSRF-Token": "csrf-alice"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["sound"] == "off" and [s["hidden"] for s in changed.json()["sites"]] == [False, True]
    assert_error(await client.patch("/me/settings", json={"hidden": True},
                                    headers={**session, "X-CSRF-Token": "csrf-alice"}), 404, "not_found")


@pytest.mark.parametrize("body", [{"status": "offline"}, {"sound": "loud"}, {"hidden": "yes"}, {"share_title": 1},
                                  {"colour": "red"}, {"site_id": 0}])
async def test_bad_input_is_refused_and_changes_nothing(setup, body):
    client, _, told = setup
    assert_error(await client.patch("/me/settings", json={"status": "away", **body}, headers=TOKEN), 422)
    assert (await client.get("/me/settings", headers=TOKEN)).json()["status"] == "online" and told == []


async def test_settings_need_the_profile_scope(setup):
    client, _, _ = setup
    no_profile = {"Authorization": "Bearer tok-blog-no-profile"}
    assert_error(await client.get("/me/settings", headers=no_profile), 403, "insufficient_scope")
    assert_error(await client.patch("/me/settings", json={"status": "away"}, headers=no_profile), 403)
