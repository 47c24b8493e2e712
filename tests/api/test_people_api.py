"""People through the JSON API: the people scope for changes and search, search rules and pacing, the
privacy choices in /me/settings, invites (create, list, revoke, accept, preview signed out)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from server.api import api_router, install_error_handlers
from server.invite_codes import InviteCodes
from tests.support.store_data import add_access_token, make_friends, make_user

pytestmark = pytest.mark.anyio
FRIENDS_ONLY = "profile friends messages share"
PEOPLE = FRIENDS_ONLY + " people"


@pytest.fixture
async def world(store):
    alice, bob, carol = [await make_user(store, n) for n in ("alice", "bob", "carol")]
    await make_friends(store, alice, bob)
    for user in (alice, bob, carol):
        await add_access_token(store, user.id, f"tok-{user.username}", PEOPLE)
        await add_access_token(store, user.id, f"old-{user.username}", FRIENDS_ONLY)
    return {"alice": alice, "bob": bob, "carol": carol}


@pytest.fixture
async def client(store) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.state.store = store
    app.state.invite_codes = InviteCodes("api-test-secret")
    app.include_router(api_router())
    install_error_handlers(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver/api/v1") as http:
        yield http


def auth(name: str, prefix: str = "tok") -> dict[str, str]:
    return {"Authorization": f"Bearer {prefix}-{name}"}


def error_code(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    code: str = response.json()["error"]["code"]
    return code


async def test_changes_and_search_need_people_reads_need_friends(client, world):
    old = auth("carol", "old")
    assert (await client.get("/friends", headers=old)).status_code == 200
    assert (await client.get("/friends/requests", headers=old)).status_code == 200
    for method, path, body in (
        ("POST", "/friends/requests", {"username": "alice"}),
        ("POST", f"/blocks/{world['alice'].id}", None),
        ("DELETE", f"/friends/{world['alice'].id}", None),
        ("GET", "/people?q=ali", None),
        ("GET", "/invites", None),
        ("POST", "/invites", {"url": "https://site.example/"}),
    ):
        response = await client.request(method, path, json=body, headers=old)
        assert error_code(response, 403) == "insufficient_scope", (method, path)
    assert (await client.get("/friends/requests", headers=auth("alice"))).json()["incoming"] == []


async def test_request_cancel_and_search(client, world):
    carol = auth("carol")
    response = await client.post("/friends/requests", json={"username": "alice"}, headers=carol)
    assert response.json() == {"state": "pending"}
    found = (await client.get("/people", params={"q": "ali"}, headers=carol)).json()["users"]
    assert found == [{"id": world["alice"].id, "username": "alice", "display_name": "Alice", "rel": "outgoing"}]
    cancel = await client.delete(f"/friends/requests/{world['alice'].id}", headers=carol)
    assert cancel.status_code == 204
    assert (await client.get("/friends/requests", headers=auth("alice"))).json()["incoming"] == []
    assert error_code(await client.delete(f"/friends/requests/{world['alice'].id}", headers=carol), 404) == "not_found"
    assert (await client.get("/people", params={"q": "carol"}, headers=carol)).json()["users"] == []  # not yourself
    assert error_code(await client.get("/people", params={"q": " a "}, headers=carol), 422)


async def test_search_is_paced(client, world):
    carol = auth("carol")
    statuses = [(await client.get("/people", params={"q": f"x{i:02d}"}, headers=carol)).status_code for i in range(12)]
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]
    refused = await client.get("/people", params={"q": "bob"}, headers=carol)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1


async def test_privacy_choices_in_settings(client, world):
    alice = auth("alice")
    shown = (await client.get("/me/settings", headers=alice)).json()
    assert (shown["findable"], shown["requests"]) == ("everyone", "everyone")
    assert "findable" not in (await client.get("/me/settings", headers=auth("alice", "old"))).json()
    changed = await client.patch("/me/settings", json={"findable": "nobody", "requests": "nobody"}, headers=alice)
    assert (changed.json()["findable"], changed.json()["requests"]) == ("nobody", "nobody")
    refused = await client.patch("/me/settings", json={"findable": "everyone"}, headers=auth("alice", "old"))
    assert error_code(refused, 403) == "insufficient_scope"
    assert (await client.get("/people", params={"q": "alice"}, headers=auth("carol"))).json()["users"] == []
    response = await client.post("/friends/requests", json={"username": "alice"}, headers=auth("carol"))
    assert error_code(response, 403) == "forbidden"
    assert error_code(await client.patch("/me/settings", json={"requests": "some"}, headers=alice), 422)


async def test_invites(client, world):
    alice, carol = auth("alice"), auth("carol")
    made = await client.post("/invites", json={"url": "https://site.example/p/7"}, headers=alice)
    assert made.status_code == 201
    invite = made.json()
    assert set(invite) == {"code", "url", "created_at", "expires_at"}
    assert (await client.get("/invites", headers=alice)).json()["invites"] == [invite]
    preview = await client.get(f"/invites/{invite['code']}")  # signed out
    assert preview.json() == {
        "inviter": {"id": world["alice"].id, "username": "alice", "display_name": "Alice"},
        "url": "https://site.example/p/7",
        "expires_at": invite["expires_at"],
    }
    assert error_code(await client.get("/invites/1.forged"), 404) == "not_found"
    assert error_code(await client.post(f"/invites/{invite['code']}/accept", headers=alice), 422) == "invalid"
    accepted = await client.post(f"/invites/{invite['code']}/accept", headers=carol)
    assert accepted.json()["user"]["username"] == "alice"
    assert [u["username"] for u in (await client.get("/friends", headers=carol)).json()["friends"]] == ["alice"]
    assert error_code(await client.get(f"/invites/{invite['code']}"), 404) == "not_found"  # used
    second = (await client.post("/invites", json={"url": "https://site.example/"}, headers=alice)).json()
    assert (await client.delete(f"/invites/{second['code']}", headers=alice)).status_code == 204
    assert error_code(await client.delete(f"/invites/{second['code']}", headers=alice), 404) == "not_found"
    assert error_code(await client.post("/invites", json={"url": "javascript:alert(1)"}, headers=alice), 422)
    foreign = await client.post("/invites", json={"url": "https://evil.example/"}, headers=alice)
    assert error_code(foreign, 422) == "invalid_request"  # a site's token invites to its own pages only
    for i in range(20):
        assert (await client.post("/invites", json={"url": f"https://site.example/{i}"}, headers=alice)).is_success
    over = await client.post("/invites", json={"url": "https://site.example/more"}, headers=alice)
    assert error_code(over, 422) == "limit"


async def test_blocks_are_listed_to_the_blocker_only(client, world):
    carol, bob = auth("carol"), auth("bob")
    assert (await client.get("/blocks", headers=carol)).json() == {"blocked": []}
    assert (await client.post(f"/blocks/{world['bob'].id}", headers=carol)).status_code == 204
    blocked = (await client.get("/blocks", headers=carol)).json()["blocked"]
    assert [user["username"] for user in blocked] == ["bob"]
    assert (await client.get("/blocks", headers=bob)).json() == {"blocked": []}  # bob is never told
    assert error_code(await client.get("/blocks", headers=auth("carol", "old")), 403) == "insufficient_scope"
    assert (await client.delete(f"/blocks/{world['bob'].id}", headers=carol)).status_code == 204
    assert (await client.get("/blocks", headers=carol)).json() == {"blocked": []}
