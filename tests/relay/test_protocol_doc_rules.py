"""docs/protocol.md's rules checked over a real WebSocket, from the doc's side: share message ids, trimming,
position 0, the text limit's unit, the close after 20 malformed frames, hello after welcome, binary frames,
invalid UTF-8, and `page` URLs."""

from __future__ import annotations

import contextlib
import hashlib
import json

import pytest
from parley import protocol as P
from websockets.exceptions import ConnectionClosed

from .harness import Relay, World, join

pytestmark = pytest.mark.anyio


async def test_a_share_to_several_friends_carries_a_derived_cid(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob))
    await a.send({"t": "share", "cid": "sh1", "to": [world.bob.id, world.dave.id],
                  "data": {"url": "https://shop.example/p/7", "title": "Red shoes"}})
    acks = [await a.expect("ack", cid="sh1") for _ in range(2)]  # the sender's own cid, one ack per message
    assert sorted(ack.get("rest", 0) for ack in acks) == [0, 1]
    got = await b.expect("msg", conv=world.conv)
    assert got["cid"] == hashlib.sha256(f"sh1:{world.conv}".encode()).hexdigest()[:64] != "sh1"


async def test_message_text_is_stored_trimmed(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob))
    cid = await a.send_text(world.conv, "  \n hello there \t\n ")
    await a.expect("ack", cid=cid)
    assert (await b.expect("msg", cid=cid))["text"] == "hello there"


async def test_position_zero_means_the_client_holds_nothing(relay: Relay, world: World) -> None:
    for i in range(3):
        await relay.store.append_message(world.conv, world.bob.id, f"m{i}", "text", f"old {i}")
    a = await join(relay, await world.token(world.alice), resume={world.conv: 0})
    assert [(await a.expect("msg", conv=world.conv))["pos"] for _ in range(3)] == [1, 2, 3]
    await a.send({"t": "history", "rid": "r0", "conv": world.conv, "after": 0})
    page = await a.expect("history_page", rid="r0")
    assert [m["pos"] for m in page["messages"]] == [1, 2, 3]
    await a.send({"t": "read", "conv": world.conv, "pos": 0})
    await a.send({"t": "ping"})
    await a.expect("pong")
    assert [f for f in a.seen if f["t"] == "error"] == []


async def test_the_text_limit_counts_code_points(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    emoji = "\U0001f600" * 4000  # 4000 code points (8000 UTF-16 units): accepted
    await a.send(P.encode({"t": "send", "cid": "e1", "conv": world.conv, "kind": "text", "text": emoji}))
    await a.expect("ack", cid="e1")
    await a.send_text(world.conv, "a" * 4001, cid="e2")
    error = await a.expect("error")
    assert error["code"] == "bad_field" and error["ref"] == "e2"


async def test_twenty_malformed_frames_close_4400_after_the_last_error(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    for i in range(20):
        await a.send({"t": "send", "cid": f"b{i}"})  # malformed: fields missing
    errors = []
    with contextlib.suppress(ConnectionClosed):
        while True:
            frame = await a.recv()
            if frame["t"] == "error":
                errors.append(frame)
    assert a.ws.close_code == P.CLOSE_PROTOCOL
    assert errors[-1] == {"t": "error", "code": "bad_field", "message": errors[-1]["message"], "ref": "b19"}
    # the 20th error is sent just before the close (earlier ones still queued then are dropped)


async def test_hello_after_welcome_is_an_error_and_the_socket_stays(relay: Relay, world: World) -> None:
    token = await world.token(world.alice)
    a = await join(relay, token)
    await a.send({"t": "hello", "v": 1, "token": token})
    assert (await a.expect("error"))["code"] == "bad_frame"
    cid = await a.send_text(world.conv, "still open")
    await a.expect("ack", cid=cid)


async def test_binary_frames_are_read_as_utf8_json_text(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    frame = {"t": "send", "cid": "bin1", "conv": world.conv, "kind": "text", "text": "h\u00e9"}
    await a.ws.send(json.dumps(frame, ensure_ascii=False).encode())
    await a.expect("ack", cid="bin1")


async def test_a_text_frame_of_invalid_utf8_closes_1007(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    await a.ws.send(b'{"t":"ping","x":"\xff"}', text=True)
    assert await a.closed() == 1007
    assert P.close_action(1007) == P.RECONNECT


@pytest.mark.parametrize("url", ["javascript:alert(1)", "http://shop.example:0/", "https://shop.example/\u00a0x"])
async def test_page_urls_follow_the_link_card_rules(relay: Relay, world: World, url: str) -> None:
    a = await join(relay, await world.token(world.alice))
    await a.send({"t": "page", "url": url, "title": "X"})
    error = await a.expect("error")
    assert error["code"] == "bad_field" and "url" in error["message"]
    await a.send({"t": "page", "url": "https://shop.example/ok", "title": "X"})
    await a.send({"t": "ping"})
    await a.expect("pong")
