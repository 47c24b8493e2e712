"""POST /reports through the JSON API on both databases: a token reports to its own site, bad input is
refused with nothing stored, a banned user's token is refused, pacing (429)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from server.api import api_router, install_error_handlers
from tests.support.store_data import add_access_token, add_token, make_friends, make_user

pytestmark = pytest.mark.anyio


def auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer tok-{name}"}


@pytest.fixture
async def world(store):
    alice, bob, carol = [await make_user(store, n) for n in ("alice", "bob", "carol")]
    await make_friends(store, alice, bob)
    site = await add_access_token(store, bob.id, "tok-bob", "profile")
    await add_token(store, carol.id, site, "tok-carol", "profile", 60_000)
    return {"alice": alice, "bob": bob, "carol": carol, "site": site}


@pytest.fixture
async def client(store) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.state.store = store
    app.include_router(api_router())
    install_error_handlers(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver/api/v1") as http:
        yield http


async def test_report_a_message_and_a_person(client, store, world):
    alice, bob, site = world["alice"], world["bob"], world["site"]
    conv = (await store.open_direct(alice.id, bob.id)).id
    message, _ = await store.append_message(conv, alice.id, "m1", "text", "buy my pills")
    response = await client.post("/reports", json={"reason": "spam", "message_id": message.id}, headers=auth("bob"))
    assert response.status_code == 201
    assert response.json()["site_id"] == site and response.json()["reported"] == alice.id
    person = await client.post("/reports", json={"reason": "other", "user": alice.id, "note": "odd"},
                               headers=auth("carol"))
    assert person.status_code == 201
    reports = await store.open_reports(site)
    assert [(r.reporter.username, r.message_text, r.note) for r in reports] == [
        ("bob", "buy my pills", ""), ("carol", "", "odd")]


@pytest.mark.parametrize("body, status", [
    ({"reason": "meh", "user": 1}, 422),
    ({"reason": "spam"}, 422),
    ({"reason": "spam", "user": "1"}, 422),
    ({"reason": "spam", "user": 1, "note": "x" * 501}, 422),
    ({"reason": "spam", "user": 1, "extra": True}, 422),
    ({"reason": "spam", "user": 999_999}, 404),
    ({"reason": "spam", "message_id": 999_999}, 404),
    ({"reason": "spam", "user": 1, "site_id": 999_999}, 404),
])
async def test_bad_reports_are_refused_and_store_nothing(client, store, world, body, status):
    if body.get("user") == 1:
        body = {**body, "user": world["alice"].id}
    response = await client.post("/reports", json=body, headers=auth("bob"))
    assert response.status_code == status, response.text
    assert "error" in response.json()
    assert await store.open_reports(world["site"]) == []


async def test_reporting_yourself_is_invalid(client, store, world):
    response = await client.post("/reports", json={"reason": "spam", "user": world["bob"].id}, headers=auth("bob"))
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid"


async def test_a_banned_users_token_is_refused_on_that_site(client, store, world):
    await store.ban_from_site(world["site"], world["bob"].id, world["alice"].id)
    response = await client.post("/reports", json={"reason": "spam", "user": world["alice"].id}, headers=auth("bob"))
    assert response.status_code == 401
    assert (await client.get("/me", headers=auth("carol"))).status_code == 200


async def test_reports_are_paced_per_user(client, store, world):
    body = {"reason": "spam", "user": world["alice"].id}
    codes = [(await client.post("/reports", json=body, headers=auth("bob"))).status_code for _ in range(11)]
    assert codes == [201] * 10 + [429]
    assert len(await store.open_reports(world["site"])) == 10
