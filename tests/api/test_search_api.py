"""GET /search through the JSON API on both databases: own conversations, hits and cursor, bad input (422,
nothing read), the messages scope, pacing (429) and the OpenAPI schema."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from server.api import api_router, install_error_handlers
from tests.support.store_data import add_access_token, make_friends, make_user

pytestmark = pytest.mark.anyio


def auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer tok-{name}"}


@pytest.fixture
async def world(store):
    alice, bob, carol = [await make_user(store, n) for n in ("alice", "bob", "carol")]
    await make_friends(store, alice, bob)
    await make_friends(store, bob, carol)
    for user in (alice, bob, carol):
        await add_access_token(store, user.id, f"tok-{user.username}", "profile friends messages")
    await add_access_token(store, alice.id, "tok-noscope", "profile friends")
    return {"alice": alice, "bob": bob, "carol": carol}


@pytest.fixture
async def client(store) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.state.store = store
    app.include_router(api_router())
    install_error_handlers(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver/api/v1") as http:
        yield http


async def test_search_finds_own_messages_pages_and_hides_others(client, store, world):
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    ab = (await store.open_direct(alice.id, bob.id)).id
    bc = (await store.open_direct(bob.id, carol.id)).id
    ids = [(await store.append_message(ab, bob.id, f"m{i}", "text", f"Invoice number {i}"))[0].id for i in range(22)]
    await store.append_message(bc, bob.id, "x", "text", "invoice for carol only")
    first = await client.get("/search", params={"q": "invoice"}, headers=auth("alice"))
    assert first.status_code == 200
    body = first.json()
    assert len(body["hits"]) == 20 and body["next_before"] == ids[2]
    assert body["hits"][0] == {"message_id": ids[-1], "conversation_id": ab, "position": 22,
                               "sender_id": bob.id, "created_at": body["hits"][0]["created_at"], "kind": "text",
                               "snippet": "Invoice number 21", "marks": [[0, 7]]}
    rest = (await client.get("/search", params={"q": "invoice", "before": ids[2]}, headers=auth("alice"))).json()
    assert [h["message_id"] for h in rest["hits"]] == [ids[1], ids[0]] and rest["next_before"] is None
    carols = (await client.get("/search", params={"q": "invoice"}, headers=auth("carol"))).json()
    assert [h["snippet"] for h in carols["hits"]] == ["invoice for carol only"]


@pytest.mark.parametrize("params", [{"q": ""}, {"q": "   "}, {"q": "x" * 201}, {"q": "ok", "before": 0},
                                    {"q": "ok", "before": "x"}, {}])
async def test_bad_queries_are_422(client, world, params):
    response = await client.get("/search", params=params, headers=auth("alice"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


async def test_search_needs_the_messages_scope_and_is_paced(client, world):
    refused = await client.get("/search", params={"q": "ok"}, headers={"Authorization": "Bearer tok-noscope"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_scope"
    codes = [(await client.get("/search", params={"q": f"w{i}"}, headers=auth("bob"))).status_code for i in range(22)]
    assert codes == [200] * 20 + [429] * 2


async def test_search_is_in_the_openapi_schema(client, world):
    app = FastAPI()
    app.include_router(api_router())  # its own /api/v1 prefix
    schema = app.openapi()
    operation = schema["paths"]["/api/v1/search"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"q", "before"}
    assert "SearchOut" in schema["components"]["schemas"]
