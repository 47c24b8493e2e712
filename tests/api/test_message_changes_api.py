"""Edits, deletions, reactions and replies through /api/v1 on both databases: the rules and errors (nothing
changes on bad input), the current state in history and exports, the routes in the OpenAPI document. (Their
reaching live sockets is in tests/relay/test_edits_relay.py.)"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi import FastAPI
from parley import protocol as P

from server.api import api_router
from server.api.schemas import ExportOut
from tests.api.test_api import assert_error, auth, client, world

pytestmark = pytest.mark.anyio

__all__ = ["client", "world"]  # fixtures shared with test_api.py

HEART = P.REACTIONS[1]


async def seed(client, world) -> tuple[str, int]:
    """The messages path of alice and bob's conversation and the id of its first message (alice's)."""
    path = f"/conversations/{world['conv'].id}/messages"
    first = (await client.get(path + "?after=0", headers=auth("alice"))).json()["messages"][0]
    return path, first["id"]


async def test_edit_react_reply_delete(client, world):
    path, mid = await seed(client, world)
    edited = await client.patch(f"{path}/{mid}", json={"text": " hello, Bob "}, headers=auth("alice"))
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["text"], body["change"], body["deleted"]) == ("hello, Bob", 1, False) and body["edited_at"]

    reacted = await client.put(f"{path}/{mid}/reactions/{quote(HEART)}", headers=auth("bob"))
    assert reacted.status_code == 200 and reacted.json()["reactions"] == [{"emoji": HEART, "users": [world["bob"].id]}]
    again = await client.put(f"{path}/{mid}/reactions/{quote(HEART)}", headers=auth("bob"))
    assert again.json()["change"] == 2  # already there: nothing changed

    reply = await client.post(path, json={"client_id": "r1", "kind": "text", "text": "yes", "reply_to": mid},
                              headers=auth("bob"))
    assert reply.status_code == 201, reply.text
    assert reply.json()["reply_to"] == {"id": mid, "position": 1, "sender_id": world["alice"].id,
                                        "text": "hello, Bob", "deleted": False}

    gone = await client.delete(f"{path}/{mid}", headers=auth("alice"))
    assert gone.status_code == 204
    held = (await client.get(path + "?after=0", headers=auth("bob"))).json()["messages"]
    assert (held[0]["deleted"], held[0]["text"], held[0]["reactions"], held[0]["change"]) == (True, "", [], 3)
    assert held[1]["reply_to"]["deleted"] is True and held[1]["reply_to"]["text"] == ""
    undone = await client.delete(f"{path}/{held[1]['id']}/reactions/{quote(HEART)}", headers=auth("bob"))
    assert undone.status_code == 200 and undone.json()["reactions"] == []


async def test_bad_input_is_refused_and_changes_nothing(client, world):
    path, mid = await seed(client, world)
    assert_error(await client.patch(f"{path}/{mid}", json={"text": "mine now"}, headers=auth("bob")), 403, "forbidden")
    assert_error(await client.delete(f"{path}/{mid}", headers=auth("bob")), 403, "forbidden")
    assert_error(await client.patch(f"{path}/{mid}", json={"text": "  "}, headers=auth("alice")), 422)
    assert_error(await client.patch(f"{path}/{mid}", json={"text": "x", "extra": 1}, headers=auth("alice")), 422)
    assert_error(await client.patch(f"{path}/999999", json={"text": "x"}, headers=auth("alice")), 404, "not_found")
    assert_error(await client.put(f"{path}/{mid}/reactions/{quote('🍕')}", headers=auth("bob")), 422)
    assert_error(await client.put(f"{path}/{mid}/reactions/{quote(HEART)}", headers=auth("eve")), 404, "not_member")
    assert_error(await client.post(path, json={"client_id": "r9", "kind": "text", "text": "?", "reply_to": 999999},
                                   headers=auth("bob")), 404, "not_found")
    assert_error(await client.post(path, json={"client_id": "r8", "kind": "text", "text": "?", "reply_to": "1"},
                                   headers=auth("bob")), 422)
    (only,) = (await client.get(path + "?after=0", headers=auth("alice"))).json()["messages"]
    assert (only["text"], only["change"], only["reactions"]) == ("hello bob", 0, [])


async def test_export_has_current_text_and_no_deleted_messages(store, world):
    alice, conv = world["alice"], world["conv"].id
    kept, _ = await store.append_message(conv, alice.id, "k", "text", "draft")
    await store.edit_message(conv, alice.id, kept.id, "final")
    seed_id = (await store.messages_after(conv, alice.id, 0))[0].id
    await store.delete_message(conv, alice.id, seed_id)
    exported = ExportOut.model_validate(await store.export_user(alice.id))
    assert [(m.text, m.edited_at is not None) for m in exported.messages] == [("final", True)]


async def test_openapi_lists_the_routes(client):
    app = FastAPI()
    app.include_router(api_router())
    paths = app.openapi()["paths"]
    one = "/api/v1/conversations/{conversation_id}/messages/{message_id}"
    assert {"patch", "delete"} <= set(paths[one]) and {"put", "delete"} <= set(paths[one + "/reactions/{emoji}"])
    assert "reply_to" in app.openapi()["components"]["schemas"]["SendMessageIn"]["properties"]
