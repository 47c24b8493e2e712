"""The /api/v1 endpoints over a real app and database: auth, scopes, object authorization, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from server.api import api_router, install_error_handlers
from tests.support.store_data import add_access_token, add_web_session, make_friends, make_user

pytestmark = pytest.mark.anyio
ALL = "profile friends messages share people"


def build_app(store) -> FastAPI:
    app = FastAPI()
    app.state.store = store
    app.include_router(api_router())
    install_error_handlers(app)
    return app


@pytest.fixture
async def world(store):
    alice, bob, carol, eve = [await make_user(store, n) for n in ("alice", "bob", "carol", "eve")]
    await make_friends(store, alice, bob)
    await make_friends(store, alice, carol)
    for user in (alice, bob, carol, eve):
        await add_access_token(store, user.id, f"tok-{user.username}", ALL)
    conv = await store.open_direct(alice.id, bob.id)
    await store.append_message(conv.id, alice.id, "seed", "text", "hello bob")
    return {"alice": alice, "bob": bob, "carol": carol, "eve": eve, "conv": conv}


@pytest.fixture
async def client(store) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(store))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver/api/v1") as http:
        yield http


def auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer tok-{name}"}


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    if code is not None:
        assert body["error"]["code"] == code
    return body


async def test_me(client, world):
    response = await client.get("/me", headers=auth("alice"))
    assert response.status_code == 200
    assert response.json()["username"] == "alice" and "messages" in response.json()["scopes"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer"}],
)
async def test_missing_or_bad_credentials_get_401(client, world, headers):
    assert_error(await client.get("/me", headers=headers), 401, "unauthenticated")


async def test_scopes_are_enforced(client, store, world):
    await add_access_token(store, world["alice"].id, "tok-profile-only", "profile")
    only = {"Authorization": "Bearer tok-profile-only"}
    assert (await client.get("/me", headers=only)).status_code == 200
    assert_error(await client.get("/friends", headers=only), 403, "insufficient_scope")
    assert_error(await client.get("/conversations", headers=only), 403, "insufficient_scope")
    await add_access_token(store, world["alice"].id, "tok-share-only", "share")
    share_only = {"Authorization": "Bearer tok-share-only"}
    cid = world["conv"].id
    text = {"client_id": "t1", "kind": "text", "text": "hi"}
    share = {"client_id": "s1", "kind": "share", "data": {"url": "https://example.com/", "title": "Example"}}
    assert_error(await client.post(f"/conversations/{cid}/messages", json=text, headers=share_only), 403)
    assert (await client.post(f"/conversations/{cid}/messages", json=share, headers=share_only)).status_code == 201
    assert_error(await client.get("/me", headers=share_only), 403, "insufficient_scope")


async def test_friend_flow(client, world):
    response = await client.post("/friends/requests", json={"username": "eve"}, headers=auth("bob"))
    assert response.json() == {"state": "pending"}
    incoming = (await client.get("/friends/requests", headers=auth("eve"))).json()["incoming"]
    assert [u["username"] for u in incoming] == ["bob"]
    bob_id = world["bob"].id
    assert (await client.post(f"/friends/requests/{bob_id}/accept", headers=auth("eve"))).status_code == 204
    friends = (await client.get("/friends", headers=auth("eve"))).json()["friends"]
    assert [u["username"] for u in friends] == ["bob"]
    assert (await client.delete(f"/friends/{bob_id}", headers=auth("eve"))).status_code == 204
    assert_error(await client.delete(f"/friends/{bob_id}", headers=auth("eve")), 404, "not_found")
    assert_error(await client.post(f"/friends/requests/{bob_id}/decline", headers=auth("eve")), 404)
    assert_error(await client.post("/friends/requests", json={"username": "nobody"}, headers=auth("eve")), 404)


async def test_blocks(client, world):
    eve_id = world["eve"].id
    assert (await client.post(f"/blocks/{eve_id}", headers=auth("alice"))).status_code == 204
    response = await client.post("/friends/requests", json={"username": "alice"}, headers=auth("eve"))
    assert_error(response, 403, "forbidden")  # the same answer as any refusal: a block is not revealed
    assert (await client.delete(f"/blocks/{eve_id}", headers=auth("alice"))).status_code == 204
    assert_error(await client.delete(f"/blocks/{eve_id}", headers=auth("alice")), 404)
    assert_error(await client.post("/blocks/999999", headers=auth("alice")), 404)


async def test_conversations_and_messages(client, world):
    carol_id, bob_id = world["carol"].id, world["bob"].id
    direct = await client.post("/conversations", json={"members": [carol_id]}, headers=auth("alice"))
    assert direct.status_code == 200 and direct.json()["kind"] == "direct"
    again = await client.post("/conversations", json={"members": [carol_id]}, headers=auth("alice"))
    assert again.json()["id"] == direct.json()["id"]
    group = await client.post(
        "/conversations", json={"members": [carol_id, bob_id], "title": "Trio"}, headers=auth("alice")
    )
    assert group.json()["kind"] == "group" and len(group.json()["members"]) == 3
    assert_error(
        await client.post("/conversations", json={"members": [world["eve"].id]}, headers=auth("alice")),
        403,
        "not_friend",
    )

    cid = direct.json()["id"]
    body = {"client_id": "m-1", "kind": "text", "text": "hi carol"}
    sent = await client.post(f"/conversations/{cid}/messages", json=body, headers=auth("alice"))
    assert sent.status_code == 201 and sent.json()["position"] == 1
    resent = await client.post(f"/conversations/{cid}/messages", json=body, headers=auth("alice"))
    assert resent.status_code == 200 and resent.json() == sent.json()
    for i in range(2, 5):
        body = {"client_id": f"m-{i}", "kind": "text", "text": f"#{i}"}
        await client.post(f"/conversations/{cid}/messages", json=body, headers=auth("carol"))

    page = (await client.get(f"/conversations/{cid}/messages?limit=2", headers=auth("carol"))).json()
    assert [m["position"] for m in page["messages"]] == [4, 3] and page["next_before"] == 3
    page = (await client.get(f"/conversations/{cid}/messages?before=3&limit=2", headers=auth("carol"))).json()
    assert [m["position"] for m in page["messages"]] == [2, 1] and page["next_before"] is None
    after = (await client.get(f"/conversations/{cid}/messages?after=2", headers=auth("alice"))).json()
    assert [m["position"] for m in after["messages"]] == [3, 4]
    assert_error(await client.get(f"/conversations/{cid}/messages?after=1&before=3", headers=auth("alice")), 422)

    listed = (await client.get("/conversations", headers=auth("alice"))).json()["conversations"]
    assert {c["id"]: c["unread"] for c in listed}[cid] == 3  # alice sent message 1: sending marks it read
    read = await client.put(f"/conversations/{cid}/read", json={"position": 3}, headers=auth("alice"))
    assert read.json() == {"read_position": 3}
    assert (await client.get(f"/conversations/{cid}", headers=auth("alice"))).json()["unread"] == 1


async def test_non_members_cannot_reach_a_conversation_even_with_its_id(client, world):
    cid = world["conv"].id
    missing = cid + 10_000
    requests = [
        ("GET", "/conversations/{id}", None),
        ("GET", "/conversations/{id}/messages", None),
        ("GET", "/conversations/{id}/messages?after=0", None),
        ("POST", "/conversations/{id}/messages", {"client_id": "x", "kind": "text", "text": "hi"}),
        ("PUT", "/conversations/{id}/read", {"position": 1}),
    ]
    for method, path, body in requests:
        hidden = await client.request(method, path.format(id=cid), json=body, headers=auth("eve"))
        absent = await client.request(method, path.format(id=missing), json=body, headers=auth("eve"))
        assert hidden.status_code == absent.status_code == 404, (method, path)
        assert hidden.json() == absent.json()
    history = await client.get(f"/conversations/{cid}/messages", headers=auth("bob"))
    assert [m["text"] for m in history.json()["messages"]] == ["hello bob"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/friends/requests", {}),
        ("POST", "/friends/requests", {"username": 5}),
        ("POST", "/friends/requests", {"username": "bob", "extra": True}),
        ("POST", "/conversations", {"members": []}),
        ("POST", "/conversations", {"members": ["x"]}),
        ("POST", "/conversations", {"members": [2**70]}),
        ("GET", "/conversations/0", None),
        ("GET", "/conversations/99999999999999999999999", None),
        ("GET", "/conversations/abc", None),
        ("GET", "/conversations/{cid}/messages?limit=0", None),
        ("GET", "/conversations/{cid}/messages?before=-1", None),
        ("POST", "/conversations/{cid}/messages", {"client_id": "c", "kind": "text", "text": "  "}),
        ("POST", "/conversations/{cid}/messages", {"client_id": "c", "kind": "text", "text": "a\u0000b"}),
        ("POST", "/conversations/{cid}/messages", b'{"client_id": "c", "kind": "text", "text": "\\ud800"}'),
        ("POST", "/conversations/{cid}/messages", {"client_id": "", "kind": "text", "text": "hi"}),
        ("POST", "/conversations/{cid}/messages", {"client_id": "c", "kind": "video", "text": "hi"}),
        (
            "POST",
            "/conversations/{cid}/messages",
            {"client_id": "c", "kind": "share", "data": {"url": "javascript:alert(1)", "title": "t"}},
        ),
        ("PUT", "/conversations/{cid}/read", {"position": -1}),
        ("PUT", "/conversations/{cid}/read", "not json"),
        ("DELETE", "/friends/0", None),
        ("GET", "/nowhere", None),
        ("PATCH", "/me", None),
    ],
)
async def test_bad_input_gets_a_4xx_json_error(client, world, method, path, body):
    path = path.format(cid=world["conv"].id)
    headers = auth("alice")
    if isinstance(body, (str, bytes)):
        headers["Content-Type"] = "application/json"
        kwargs = {"content": body}
    else:
        kwargs = {"json": body}
    response = await client.request(method, path, headers=headers, **kwargs)
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)


async def test_cookie_sessions_need_csrf_header_for_unsafe_methods(client, store, world):
    await add_web_session(store, world["alice"].id, "sess-1", "csrf-1")
    client.cookies.set("parley_session", "sess-1")
    assert (await client.get("/me")).json()["username"] == "alice"
    response = await client.post("/friends/requests", json={"username": "eve"})
    assert_error(response, 403, "csrf_failed")
    response = await client.post("/friends/requests", json={"username": "eve"}, headers={"X-CSRF-Token": "no"})
    assert_error(response, 403, "csrf_failed")
    response = await client.post("/friends/requests", json={"username": "eve"}, headers={"X-CSRF-Token": "csrf-1"})
    assert response.json() == {"state": "pending"}
    client.cookies.set("parley_session", "expired-or-unknown")
    assert_error(await client.get("/me"), 401)


async def test_export_and_delete_need_a_session_and_the_password(client, store, world):
    assert_error(await client.get("/me/export", headers=auth("alice")), 403, "session_required")
    await add_web_session(store, world["alice"].id, "sess-1", "csrf-1")
    client.cookies.set("parley_session", "sess-1")
    export = (await client.get("/me/export")).json()
    assert export["profile"]["username"] == "alice" and [m["text"] for m in export["messages"]] == ["hello bob"]
    csrf = {"X-CSRF-Token": "csrf-1"}
    wrong = await client.request("DELETE", "/me", json={"password": "wrong-one"}, headers=csrf)
    assert_error(wrong, 403, "wrong_password")
    done = await client.request("DELETE", "/me", json={"password": "password-1"}, headers=csrf)
    assert done.status_code == 204
    assert_error(await client.get("/me"), 401)
    client.cookies.clear()
    assert_error(await client.get("/me", headers=auth("alice")), 401)
    history = (await client.get(f"/conversations/{world['conv'].id}/messages", headers=auth("bob"))).json()
    assert history["messages"][0]["sender_deleted"] is True and history["messages"][0]["sender_id"] is None


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/conversations/{cid}/read", {"position": False}),
        ("PUT", "/conversations/{cid}/read", {"position": True}),
        ("PUT", "/conversations/{cid}/read", {"position": "1"}),
        ("PUT", "/conversations/{cid}/read", {"position": 1.0}),
        ("POST", "/conversations", {"members": [True]}),
        ("POST", "/conversations", {"members": ["{bob}"]}),
        ("POST", "/conversations", {"members": [1.0]}),
        ("PATCH", "/me/settings", {"site_id": True, "hidden": True}),
        ("PATCH", "/me/settings", {"hidden": 1}),
        ("PATCH", "/me/settings", {"hidden": "true"}),
    ],
)
async def test_numbers_and_booleans_in_bodies_are_never_coerced(client, world, method, path, body):
    """A bool, a numeric string or a float is not an integer (nor an integer a bool): 422, nothing changes."""
    path = path.format(cid=world["conv"].id)
    body = {k: [m.format(bob=world["bob"].id) if isinstance(m, str) else m for m in v] if isinstance(v, list) else v
            for k, v in body.items()}
    response = await client.request(method, path, json=body, headers=auth("alice"))
    assert_error(response, 422, "invalid_request")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/friends/requests", {"GET", "POST"}),
        ("PUT", "/friends/requests", {"GET", "POST"}),
        ("GET", "/friends/requests/1/accept", {"POST"}),
        ("POST", "/friends/1", {"DELETE"}),
        ("DELETE", "/conversations/{cid}/read", {"PUT"}),
        ("PATCH", "/me", {"GET", "DELETE"}),
    ],
)
async def test_a_method_the_path_does_not_have_gets_405_with_allow(client, world, method, path, allow):
    response = await client.request(method, path.format(cid=world["conv"].id), headers=auth("alice"))
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["allow"].replace(" ", "").split(",")) == allow


@pytest.mark.parametrize(
    "body",
    [
        {"client_id": "c1", "kind": "text", "text": "a\u0085b"},  # a C1 control character
        {"client_id": "c2", "kind": "text", "text": "bell\u0007"},
        {"client_id": "c 3", "kind": "text", "text": "hi"},  # a client id is visible ASCII, as a relay cid
        {"client_id": "c4", "kind": "share", "data": {"url": "http://example.com:0/", "title": "t"}},
        {"client_id": "c5", "kind": "share", "data": {"url": "https://exa\u00a0mple.com/", "title": "t"}},
        {"client_id": "c6", "kind": "share", "data": {"url": "https://example.com\\evil/", "title": "t"}},
    ],
)
async def test_the_api_refuses_what_the_relay_refuses(client, world, body):
    """POST /conversations/{id}/messages applies the relay's `send` rules (parley.protocol) before the store's:
    the same message is refused through either door, and nothing is stored."""
    path = f"/conversations/{world['conv'].id}/messages"
    response = await client.post(path, json=body, headers=auth("alice"))
    assert_error(response, 422, "invalid_request")
    history = await client.get(path, headers=auth("alice"))
    assert [m["text"] for m in history.json()["messages"]] == ["hello bob"]  # the world's seed only


async def test_the_api_normalizes_a_share_title_as_the_relay_does(client, world):
    """A C1 control character in a card's title becomes a space, through the API as through the relay."""
    path = f"/conversations/{world['conv'].id}/messages"
    body = {"client_id": "n1", "kind": "share", "data": {"url": "https://example.com/", "title": "Red\u0085shoes"}}
    response = await client.post(path, json=body, headers=auth("alice"))
    assert response.status_code == 201, response.text
    assert response.json()["data"]["title"] == "Red shoes"
