"""Groups over real sockets: every change is a system message every member sees live, then the group's info;
removed members and leavers are told they are gone; resume covers changes; shares reach several conversations."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from parley import protocol as P
from sqlalchemy import insert

from server.relay.handlers import share_client_id
from server.store import tables
from server.store.clock import now_ms
from tests.support.store_data import make_friends

from .harness import Client, Relay, World, join

pytestmark = pytest.mark.anyio


BACKLOG: dict[int, list[dict[str, Any]]] = {}  # frames seen_all read but did not match yet, per client


async def seen_all(client: Client, *wanted: tuple[str, dict[str, Any]], timeout: float = 5.0) -> list[dict[str, Any]]:
    """Frames matching each (type, fields) of ``wanted``, in any order of arrival: the matches in the order asked,
    each valid by the protocol's server frame rules. Frames read but not matched are kept for the next call."""
    backlog = BACKLOG.setdefault(id(client), [])
    found: list[dict[str, Any] | None] = [None] * len(wanted)

    def take(frame: dict[str, Any]) -> bool:
        for i, (t, fields) in enumerate(wanted):
            if found[i] is None and frame.get("t") == t and all(frame.get(k) == v for k, v in fields.items()):
                found[i] = frame
                return True
        return False

    backlog[:] = [frame for frame in backlog if not take(frame)]
    while None in found:
        frame = await client.recv(timeout)
        if not take(frame):
            backlog.append(frame)
    for frame in found:
        assert frame is not None
        P.validate(dict(frame), P.SERVER_FRAMES)
    return [frame for frame in found if frame is not None]


def names(conversation: dict[str, Any]) -> set[str]:
    return {person["username"] for person in conversation["members"]}


async def create(client: Client, users: list[int], title: str | None = None, rid: str = "c1") -> int:
    frame: dict[str, Any] = {"t": "group", "rid": rid, "op": "create", "users": users}
    if title is not None:
        frame["title"] = title
    await client.send(frame)
    done = (await seen_all(client, ("done", {"rid": rid})))[0]
    return int(done["conv"])


async def test_every_change_is_seen_live_by_every_member(relay: Relay, world: World) -> None:
    alice, bob, carol, dave = world.alice, world.bob, world.carol, world.dave
    await make_friends(relay.store, alice, carol)
    a = await join(relay, await world.token(alice))
    a2 = await join(relay, await world.token(alice))  # another tab of alice
    b = await join(relay, await world.token(bob))
    c = await join(relay, await world.token(carol))
    d = await join(relay, await world.token(dave))

    await a.send({"t": "group", "rid": "r1", "op": "create", "users": [bob.id, dave.id], "title": "Trip"})
    msg, info, done = await seen_all(a, ("msg", {"kind": "system"}), ("conversation", {}), ("done", {"rid": "r1"}))
    conv = done["conv"]
    assert (msg["conv"], msg["pos"], msg["from"]) == (conv, 1, alice.id)  # the actor sees its own change
    assert msg["data"] == {"event": "created", "users": sorted([bob.id, dave.id]), "title": "Trip"}
    assert info["title"] == "Trip" and info["owner"] == alice.id and names(info) == {"alice", "bob", "dave"}
    for other in (a2, b, d):
        got, info = await seen_all(other, ("msg", {"conv": conv, "pos": 1}), ("conversation", {"conv": conv}))
        assert got["data"]["event"] == "created"
    assert await c.quiet(("msg", "conversation")) == []

    cid = await b.send_text(conv, "before carol")  # fills every cache of the group's members
    await seen_all(b, ("ack", {"cid": cid}))
    await b.send({"t": "group", "rid": "r2", "op": "rename", "conv": conv, "title": "Road trip"})
    await seen_all(b, ("done", {"rid": "r2", "conv": conv}))
    for member in (a, b, d):
        got, info = await seen_all(member, ("msg", {"pos": 3}), ("conversation", {"title": "Road trip"}))
        assert got["data"] == {"event": "renamed", "title": "Road trip"} and got["from"] == bob.id

    await a.send({"t": "group", "rid": "r3", "op": "add", "conv": conv, "users": [carol.id]})
    await seen_all(a, ("done", {"rid": "r3"}))
    for member in (a, b, c, d):
        got, info = await seen_all(member, ("msg", {"pos": 4}), ("conversation", {"conv": conv}))
        assert got["data"] == {"event": "added", "users": [carol.id]}
        assert names(info) == {"alice", "bob", "carol", "dave"}
    await c.send({"t": "history", "rid": "h", "conv": conv, "after": 0})  # carol reads the group from the start
    page = (await seen_all(c, ("history_page", {"rid": "h"})))[0]
    assert [m["pos"] for m in page["messages"]] == [1, 2, 3, 4]
    cid = await b.send_text(conv, "hi carol")  # a new member gets messages live at once
    assert (await seen_all(c, ("msg", {"cid": cid})))[0]["pos"] == 5

    await b.send({"t": "group", "rid": "r4", "op": "remove", "conv": conv, "user": dave.id})
    assert (await seen_all(b, ("error", {"ref": "r4"})))[0]["code"] == "forbidden"  # only the owner removes
    await a.send({"t": "group", "rid": "r5", "op": "remove", "conv": conv, "user": dave.id})
    await seen_all(a, ("done", {"rid": "r5"}))
    gone_msg = await d.expect("msg", pos=6)
    assert gone_msg["data"] == {"event": "removed", "users": [dave.id]}
    assert await d.expect("resync") == {"t": "resync", "conv": conv, "reason": "gone"}
    cid = await d.send_text(conv, "am I still here?")
    assert (await d.expect("error", ref=cid))["code"] == "forbidden"
    for member in (b, c):
        info = (await seen_all(member, ("msg", {"pos": 6}), ("conversation", {"conv": conv})))[1]
        assert "dave" not in names(info)
    cid = await b.send_text(conv, "dave is out")
    await seen_all(c, ("msg", {"cid": cid}))
    assert await d.quiet(("msg",)) == []  # no cached member list still names dave

    await a.send({"t": "group", "rid": "r6", "op": "leave", "conv": conv})
    await seen_all(a, ("done", {"rid": "r6", "conv": conv}))
    assert (await a2.expect("msg", pos=8))["data"] == {"event": "left"}
    assert await a2.expect("resync") == {"t": "resync", "conv": conv, "reason": "gone"}
    info = (await seen_all(b, ("msg", {"pos": 8}), ("conversation", {"conv": conv})))[1]
    assert info["owner"] == bob.id and names(info) == {"bob", "carol"}  # bob joined before carol
    leftovers = BACKLOG.get(id(a), []) + await a.quiet(("msg", "resync"))
    assert [f for f in leftovers if f["t"] == "resync" or f.get("pos") == 8] == []  # the leaving socket: done

    resumed = await join(relay, await world.token(dave), resume={conv: 6})
    assert await resumed.expect("resync") == {"t": "resync", "conv": conv, "reason": "gone"}


async def test_a_member_who_was_away_resumes_through_the_changes(relay: Relay, world: World) -> None:
    alice, bob, carol = world.alice, world.bob, world.carol
    await make_friends(relay.store, alice, carol)
    a = await join(relay, await world.token(alice))
    conv = await create(a, [bob.id])
    b = await join(relay, await world.token(bob), resume={conv: 0})
    assert (await b.expect("msg", conv=conv))["pos"] == 1
    await b.close()
    await a.send({"t": "group", "rid": "r", "op": "rename", "conv": conv, "title": "New name"})
    await seen_all(a, ("done", {"rid": "r"}))
    cid = await a.send_text(conv, "while you were out")
    await seen_all(a, ("ack", {"cid": cid}))
    await a.send({"t": "group", "rid": "s", "op": "add", "conv": conv, "users": [carol.id]})
    await seen_all(a, ("done", {"rid": "s"}))
    back = await join(relay, await world.token(bob), resume={conv: 1})
    replayed = [await back.expect("msg", conv=conv) for _ in range(3)]
    assert [m["pos"] for m in replayed] == [2, 3, 4]
    assert [m["kind"] for m in replayed] == ["system", "text", "system"]
    assert [m["data"]["event"] for m in replayed if m["kind"] == "system"] == ["renamed", "added"]


async def add_friends(relay: Relay, user_id: int, count: int) -> list[int]:
    """``count`` new accounts, each a friend of ``user_id`` (rows made directly: hashing 50 passwords is slow)."""
    now = now_ms()
    async with relay.store.transaction() as conn:
        ids = [
            (
                await conn.execute(
                    insert(tables.users)
                    .values(username=f"pal{i}", display_name=f"Pal {i}", password_hash="-", created_at=now)
                    .returning(tables.users.c.id)
                )
            ).scalar_one()
            for i in range(count)
        ]
        rows = [{"user_id": a, "other_id": b, "state": "accepted", "created_at": now}
                for uid in ids for a, b in ((user_id, uid), (uid, user_id))]
        await conn.execute(insert(tables.friendships), rows)
    return ids


async def test_fifty_members_at_most(relay: Relay, world: World) -> None:
    pals = await add_friends(relay, world.alice.id, 49)
    a = await join(relay, await world.token(world.alice))
    conv = await create(a, [world.bob.id, *pals[:48]])  # 50 members
    await a.send({"t": "group", "rid": "more", "op": "add", "conv": conv, "users": [pals[48]]})
    error = await a.expect("error", ref="more")
    assert error["code"] == "limit" and "50" in error["message"]
    assert len(await relay.store.member_ids(conv)) == 50


async def test_only_friends_of_the_actor_are_added(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob))
    conv = await create(a, [world.bob.id])
    await b.send({"t": "group", "rid": "x", "op": "add", "conv": conv, "users": [world.dave.id]})  # alice's friend
    assert (await b.expect("error", ref="x"))["code"] == "forbidden"
    await a.send({"t": "group", "rid": "y", "op": "add", "conv": conv, "users": [world.carol.id]})  # a stranger
    assert (await a.expect("error", ref="y"))["code"] == "forbidden"
    await a.send({"t": "group", "rid": "z", "op": "rename", "conv": world.conv, "title": "direct"})
    assert (await a.expect("error", ref="z"))["code"] == "bad_field"
    c = await join(relay, await world.token(world.carol))
    await c.send({"t": "group", "rid": "w", "op": "rename", "conv": conv, "title": "mine now"})
    assert (await c.expect("error", ref="w"))["code"] == "forbidden"
    assert await relay.store.member_ids(conv) == tuple(sorted((world.alice.id, world.bob.id)))
    assert (await relay.store.get_conversation(conv, world.alice.id)).last_position == 1


async def test_share_to_a_friend_and_two_groups(relay: Relay, world: World) -> None:
    alice, bob, dave = world.alice, world.bob, world.dave
    a = await join(relay, await world.token(alice))
    b = await join(relay, await world.token(bob))
    first = await create(a, [bob.id, dave.id], rid="g1")
    second = await create(a, [dave.id], rid="g2")
    data = {"url": "https://shop.example/p/7", "title": "Red shoes"}
    # bob named twice (in to, and his direct conversation in convs): one message for him
    await a.send({"t": "share", "cid": "multi", "to": [bob.id], "convs": [world.conv, first, second], "data": data})
    acks = [await a.expect("ack", cid="multi") for _ in range(3)]
    assert [ack.get("rest", 0) for ack in acks] == [2, 1, 0]
    assert sorted(ack["conv"] for ack in acks) == sorted([world.conv, first, second])
    assert await a.quiet(("ack",)) == []
    got = [await b.expect("msg", kind="share") for _ in range(2)]
    assert sorted(m["conv"] for m in got) == sorted([world.conv, first])
    assert {m["cid"] for m in got} == {share_client_id("multi", m["conv"]) for m in got}  # derived per target
    stored = [m for m in await relay.store.messages_after(second, dave.id, 0) if m.kind == "share"]
    assert len(stored) == 1 and stored[0].data == data


async def test_a_share_has_at_most_twenty_targets(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    frame = {"t": "share", "cid": "many", "to": [world.bob.id], "convs": list(range(1, 21)),
             "data": {"url": "https://x.example/"}}
    await a.send(frame)
    assert (await a.expect("error", ref="many"))["code"] == "bad_field"


async def test_a_group_frame_needs_the_messages_scope(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice, scope="profile friends share"))
    await a.send({"t": "group", "rid": "n", "op": "create", "users": [world.bob.id]})
    assert (await a.expect("error", ref="n"))["code"] == "forbidden"
    assert await relay.store.list_conversations(world.bob.id) != []  # only the direct conversation
    assert all(c.kind == "direct" for c in await relay.store.list_conversations(world.bob.id))


async def test_changes_made_through_the_json_api_reach_live_sockets(relay: Relay, world: World) -> None:
    alice, bob, dave = world.alice, world.bob, world.dave
    token = await world.token(alice)
    b = await join(relay, await world.token(bob))
    d = await join(relay, await world.token(dave))
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"{relay.http}/api/v1", headers=headers) as api:
        made = await api.post("/conversations", json={"members": [bob.id, dave.id], "title": "By API"})
        assert made.status_code == 200, made.text
        conv = made.json()["id"]
        for member in (b, d):
            got, info = await seen_all(member, ("msg", {"conv": conv, "pos": 1}), ("conversation", {"conv": conv}))
            assert got["data"]["event"] == "created" and info["title"] == "By API"
        assert (await api.patch(f"/conversations/{conv}", json={"title": "Renamed"})).status_code == 200
        for member in (b, d):
            await seen_all(member, ("msg", {"conv": conv, "pos": 2}), ("conversation", {"title": "Renamed"}))
        assert (await api.delete(f"/conversations/{conv}/members/{dave.id}")).status_code == 204
    assert (await d.expect("msg", conv=conv, pos=3))["data"] == {"event": "removed", "users": [dave.id]}
    assert await d.expect("resync") == {"t": "resync", "conv": conv, "reason": "gone"}
    info = (await seen_all(b, ("msg", {"conv": conv, "pos": 3}), ("conversation", {"conv": conv})))[1]
    assert names(info) == {"alice", "bob"}
