"""Groups through /api/v1 on both databases: rename, add, remove, leave; scopes, rules, errors; every member
named in ConversationOut; the routes in the OpenAPI document. (Their reaching live sockets is in
tests/relay/test_groups.py.)"""

from __future__ import annotations

import pytest

from tests.api.test_api import assert_error, auth, build_app, client, world
from tests.support.store_data import add_access_token, make_friends, make_user

pytestmark = pytest.mark.anyio

__all__ = ["client", "world"]  # fixtures shared with test_api.py


@pytest.fixture
async def group(client, world):
    """alice's group "Trio" with bob and carol (made through the API)."""
    made = await client.post(
        "/conversations", json={"members": [world["bob"].id, world["carol"].id], "title": " Trio\x01 "},
        headers=auth("alice"),
    )
    assert made.status_code == 200, made.text
    return made.json()


async def test_conversations_name_every_member_and_the_owner(client, world, group):
    assert group["title"] == "Trio" and group["owner"] == world["alice"].id  # control characters as the relay
    assert {p["username"] for p in group["people"]} == {"alice", "bob", "carol"}
    # bob and carol are not friends: each still sees the other named
    seen_by_bob = (await client.get(f"/conversations/{group['id']}", headers=auth("bob"))).json()
    assert {p["display_name"] for p in seen_by_bob["people"]} == {"Alice", "Bob", "Carol"}
    direct = (await client.get(f"/conversations/{world['conv'].id}", headers=auth("alice"))).json()
    assert direct["owner"] is None and len(direct["people"]) == 2
    first = (await client.get(f"/conversations/{group['id']}/messages?after=0", headers=auth("bob"))).json()
    (created,) = first["messages"]
    assert created["kind"] == "system" and created["sender_id"] == world["alice"].id
    assert created["data"] == {"event": "created", "users": sorted([world["bob"].id, world["carol"].id]),
                               "title": "Trio"}


async def test_any_member_renames(client, world, group):
    gid = group["id"]
    renamed = await client.patch(f"/conversations/{gid}", json={"title": "Quartet"}, headers=auth("carol"))
    assert renamed.status_code == 200 and renamed.json()["title"] == "Quartet"
    cleared = await client.patch(f"/conversations/{gid}", json={"title": ""}, headers=auth("bob"))
    assert cleared.json()["title"] is None and cleared.json()["last_position"] == 3
    assert_error(await client.patch(f"/conversations/{gid}", json={"title": "x" * 101}, headers=auth("bob")), 422)
    assert_error(await client.patch(f"/conversations/{gid}", json={}, headers=auth("bob")), 422)
    assert_error(await client.patch(f"/conversations/{gid}", json={"title": "mine"}, headers=auth("eve")), 404,
                 "not_member")
    direct = world["conv"].id
    assert_error(await client.patch(f"/conversations/{direct}", json={"title": "x"}, headers=auth("alice")), 422,
                 "invalid")


async def test_members_add_their_friends(client, store, world, group):
    gid, eve = group["id"], world["eve"]
    assert_error(await client.post(f"/conversations/{gid}/members", json={"users": [eve.id]}, headers=auth("alice")),
                 403, "not_friend")
    await make_friends(store, world["bob"], eve)
    added = await client.post(f"/conversations/{gid}/members", json={"users": [eve.id]}, headers=auth("bob"))
    assert added.status_code == 200 and eve.id in added.json()["members"]
    history = (await client.get(f"/conversations/{gid}/messages?after=0", headers=auth("eve"))).json()
    assert [m["data"]["event"] for m in history["messages"]] == ["created", "added"]
    assert_error(await client.post(f"/conversations/{gid}/members", json={"users": [eve.id]}, headers=auth("bob")),
                 422, "invalid")
    for bad in ({"users": []}, {"users": [True]}, {"users": ["1"]}, {"members": [eve.id]}):
        assert_error(await client.post(f"/conversations/{gid}/members", json=bad, headers=auth("bob")), 422)


async def test_a_group_holds_at_most_fifty(client, store, world, group):
    alice = world["alice"]
    pals = []
    for i in range(48):
        pal = await make_user(store, f"pal{i:02d}")
        await make_friends(store, alice, pal)
        pals.append(pal.id)
    full = await client.post(f"/conversations/{group['id']}/members", json={"users": pals[:47]}, headers=auth("alice"))
    assert len(full.json()["members"]) == 50
    over = await client.post(f"/conversations/{group['id']}/members", json={"users": [pals[47]]}, headers=auth("alice"))
    assert_error(over, 422, "limit")


async def test_the_owner_removes_and_anyone_leaves(client, world, group):
    gid, alice, bob, carol = group["id"], world["alice"], world["bob"], world["carol"]
    assert_error(await client.delete(f"/conversations/{gid}/members/{carol.id}", headers=auth("bob")), 403, "forbidden")
    assert_error(await client.delete(f"/conversations/{gid}/members/{world['eve'].id}", headers=auth("alice")), 404)
    removed = await client.delete(f"/conversations/{gid}/members/{carol.id}", headers=auth("alice"))
    assert removed.status_code == 204
    assert_error(await client.get(f"/conversations/{gid}", headers=auth("carol")), 404, "not_member")
    left = await client.delete(f"/conversations/{gid}/members/{alice.id}", headers=auth("alice"))  # own id: leave
    assert left.status_code == 204
    now = (await client.get(f"/conversations/{gid}", headers=auth("bob"))).json()
    assert now["owner"] == bob.id and now["members"] == [bob.id]
    events = [m["data"]["event"] for m in
              (await client.get(f"/conversations/{gid}/messages?after=0", headers=auth("bob"))).json()["messages"]]
    assert events == ["created", "removed", "left"]


async def test_group_routes_need_the_messages_scope(client, store, world, group):
    await add_access_token(store, world["bob"].id, "tok-bob-noscope", "profile friends share")
    headers = {"Authorization": "Bearer tok-bob-noscope"}
    gid = group["id"]
    for response in (
        await client.patch(f"/conversations/{gid}", json={"title": "x"}, headers=headers),
        await client.post(f"/conversations/{gid}/members", json={"users": [world["alice"].id]}, headers=headers),
        await client.delete(f"/conversations/{gid}/members/{world['bob'].id}", headers=headers),
    ):
        assert_error(response, 403, "insufficient_scope")
    assert world["bob"].id in (await client.get(f"/conversations/{gid}", headers=auth("bob"))).json()["members"]


async def test_openapi_lists_the_group_routes(store):
    paths = build_app(store).openapi()["paths"]
    assert "patch" in paths["/api/v1/conversations/{conversation_id}"]
    assert "post" in paths["/api/v1/conversations/{conversation_id}/members"]
    assert "delete" in paths["/api/v1/conversations/{conversation_id}/members/{user_id}"]
    person = build_app(store).openapi()["components"]["schemas"]["ConversationOut"]["properties"]
    assert {"owner", "people"} <= set(person)
