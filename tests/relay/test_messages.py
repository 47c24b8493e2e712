"""Send, ack, deliver, dedup, order, typing, reads, shares and history over real sockets."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from .harness import Relay, World, join

pytestmark = pytest.mark.anyio


async def test_send_is_acked_then_delivered_to_every_member_socket(relay: Relay, world: World) -> None:
    a1 = await join(relay, await world.token(world.alice))
    a2 = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob))
    assert a1.welcome["me"] == {"id": world.alice.id, "username": "alice", "name": "Alice"}

    cid = await a1.send_text(world.conv, "hello bob")
    ack = await a1.expect("ack", cid=cid)
    assert ack["conv"] == world.conv and ack["pos"] == 1 and ack["id"] > 0 and ack["ts"] > 0
    for other in (a2, b):
        msg = await other.expect("msg", cid=cid)
        assert (msg["id"], msg["pos"], msg["from"], msg["text"], msg["kind"]) == (
            ack["id"],
            1,
            world.alice.id,
            "hello bob",
            "text",
        )
    assert await a1.quiet(("msg",)) == []  # the sending socket gets the ack, not the msg
    stored = await relay.store.messages_after(world.conv, world.alice.id, 0)
    assert [m.text for m in stored] == ["hello bob"]


async def test_resend_with_same_cid_is_acked_again_and_never_stored_twice(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob))
    cid = await a.send_text(world.conv, "once")
    first = await a.expect("ack", cid=cid)
    await b.expect("msg", cid=cid)
    await a.send_text(world.conv, "once", cid=cid)
    again = await a.expect("ack", cid=cid)
    assert again == first
    assert await b.quiet() == []
    assert len(await relay.store.messages_after(world.conv, world.alice.id, 0)) == 1


async def test_order_is_the_same_for_every_member(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob))
    b2 = await join(relay, await world.token(world.bob))
    cids = []
    for i in range(30):
        cids.append(await a.send_text(world.conv, f"a{i}"))
        cids.append(await b.send_text(world.conv, f"b{i}"))
    acks = {}
    while len(acks) < 30:
        ack = await a.expect("ack")
        acks[ack["cid"]] = ack["pos"]
    positions = []
    while len(positions) < 60:
        frame = await b2.recv()
        if frame["t"] == "msg":
            positions.append(frame["pos"])
    assert positions == list(range(1, 61))
    stored = await relay.store.messages_after(world.conv, world.alice.id, 0)
    mine = [m.client_id for m in stored if m.sender_id == world.alice.id]
    assert mine == cids[0::2]  # one sender's messages keep their order
    assert sorted(m.position for m in stored) == list(range(1, 61))


async def test_concurrent_sends_are_group_committed(relay: Relay, world: World) -> None:
    clients = [await join(relay, await world.token(world.alice)) for _ in range(8)]
    batches = relay.hub.committer.batches
    cids = await asyncio.gather(*(c.send_text(world.conv, f"m{i}") for i, c in enumerate(clients) for _ in range(5)))
    for c in clients:
        for _ in range(5):
            await c.expect("ack")
    assert relay.hub.committer.batches - batches < len(cids)  # several messages shared a transaction
    assert len(await relay.store.messages_after(world.conv, world.alice.id, 0)) == len(cids)


async def test_the_ack_is_written_before_the_fan_out_runs(relay: Relay, world: World) -> None:
    # issue 18: the ack goes on the wire once the commit is done, not after the batch's fan-out work
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob))
    fanout = relay.hub.fanout
    (sender,) = relay.hub.users[world.alice.id]
    left_queued: list[list[str] | None] = []
    publish = fanout.post_to_members

    async def watched(conversation_id: int, frame: dict[str, Any], skip: str = "") -> None:
        left_queued.append(sender.queue)  # what of the sender's output still waits for the send queue's flush
        await publish(conversation_id, frame, skip)

    fanout.post_to_members = watched  # type: ignore[method-assign]
    cid = await a.send_text(world.conv, "ack first")
    await a.expect("ack", cid=cid)
    await b.expect("msg", cid=cid)
    assert left_queued == [None]


async def test_send_to_a_foreign_conversation_is_forbidden(relay: Relay, world: World) -> None:
    c = await join(relay, await world.token(world.carol))
    cid = await c.send_text(world.conv, "let me in")
    error = await c.expect("error", ref=cid)
    assert error["code"] == "forbidden"


async def test_typing_reaches_the_other_members_only(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    a2 = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob))
    await a.send({"t": "typing", "conv": world.conv})
    assert await b.expect("typing", conv=world.conv) == {"t": "typing", "conv": world.conv, "from": world.alice.id}
    assert await a2.quiet(("typing",)) == []
    c = await join(relay, await world.token(world.carol))
    await c.send({"t": "typing", "conv": world.conv})
    assert (await c.expect("error"))["code"] == "forbidden"


async def test_read_position_is_stored_and_reaches_members_and_own_tabs(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    a2 = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob))
    for i in range(3):
        await b.send_text(world.conv, f"m{i}")
    for _ in range(3):
        await b.expect("ack")
    await a.send({"t": "read", "conv": world.conv, "pos": 2})
    expected = {"t": "read", "conv": world.conv, "user": world.alice.id, "pos": 2}
    assert await a2.expect("read") == expected
    assert await b.expect("read") == expected
    conv = await relay.store.get_conversation(world.conv, world.alice.id)
    assert conv.read_position == 2


async def test_share_to_friends_uses_direct_conversations_and_dedups(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob))
    d = await join(relay, await world.token(world.dave))
    data = {"url": "https://shop.example/p/7", "title": "Red shoes"}
    share = {"t": "share", "cid": "share-1", "to": [world.bob.id, world.dave.id], "data": data, "text": "look"}
    await a.send(share)
    acks = [await a.expect("ack", cid="share-1") for _ in range(2)]
    assert sorted(ack.get("rest", 0) for ack in acks) == [0, 1]
    assert acks[-1].get("rest", 0) == 0
    for friend in (b, d):
        msg = await friend.expect("msg", kind="share")
        assert msg["data"] == data and msg["from"] == world.alice.id
    await a.send(share)  # a resend: acked again, stored once
    again = [await a.expect("ack", cid="share-1") for _ in range(2)]
    assert {x["id"] for x in again} == {x["id"] for x in acks}
    assert await b.quiet() == [] and await d.quiet() == []
    await a.send({"t": "share", "cid": "share-2", "to": [world.carol.id], "data": data})
    assert (await a.expect("error", ref="share-2"))["code"] == "forbidden"


async def test_share_to_a_conversation(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob))
    await a.send({"t": "share", "cid": "s", "conv": world.conv, "data": {"url": "https://x.example/"}})
    ack = await a.expect("ack", cid="s")
    assert ack["conv"] == world.conv and ack.get("rest", 0) == 0
    assert (await b.expect("msg", kind="share"))["data"] == {"url": "https://x.example/", "title": "x.example"}


async def test_history_pages(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    for i in range(7):
        await a.send_text(world.conv, f"m{i}")
    for _ in range(7):
        await a.expect("ack")
    await a.send({"t": "history", "rid": "r1", "conv": world.conv, "limit": 3})
    page = await a.expect("history_page", rid="r1")
    assert [m["pos"] for m in page["messages"]] == [5, 6, 7] and page["next"] == 5
    await a.send({"t": "history", "rid": "r2", "conv": world.conv, "before": 5, "limit": 3})
    page = await a.expect("history_page", rid="r2")
    assert [m["pos"] for m in page["messages"]] == [2, 3, 4]
    await a.send({"t": "history", "rid": "r3", "conv": world.conv, "after": 4, "limit": 10})
    page = await a.expect("history_page", rid="r3")
    assert [m["text"] for m in page["messages"]] == ["m4", "m5", "m6"] and page.get("next") is None
    c = await join(relay, await world.token(world.carol))
    await c.send({"t": "history", "rid": "r4", "conv": world.conv})
    assert (await c.expect("error", ref="r4"))["code"] == "forbidden"


async def test_scopes_are_enforced_per_frame(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice, scope="profile friends"))
    cid = await a.send_text(world.conv, "no scope")
    assert (await a.expect("error", ref=cid))["code"] == "forbidden"
    await a.send({"t": "share", "cid": "s1", "conv": world.conv, "data": {"url": "https://x.example/"}})
    assert (await a.expect("error", ref="s1"))["code"] == "forbidden"
    await a.send({"t": "ping"})
    await a.expect("pong")
