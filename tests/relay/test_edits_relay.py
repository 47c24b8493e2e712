"""Edits, deletions, reactions and replies over real sockets: every member's sockets see ``changed`` live, the
asker gets ``done``, bad input is refused and changes nothing, and a client that was away gets the current
state of what changed (``hello.changes``), never the old text."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest
from parley import protocol as P

from server.relay import resume as resume_module

from .harness import SITE_ORIGIN, Client, Relay, World, join, open_socket
from .test_groups import seen_all

pytestmark = pytest.mark.anyio

THUMBS, HEART = P.REACTIONS[0], P.REACTIONS[1]


async def rejoin(relay: Relay, token: str, resume: dict[int, int], changes: dict[int, int]) -> Client:
    """A socket whose hello carries both ``resume`` and ``changes``."""
    client = Client(await open_socket(relay.url, SITE_ORIGIN))
    await client.send(P.make_hello(token, resume=resume, changes=changes))
    client.welcome = await client.expect("welcome")
    return client


async def sent(client: Client, conv: int, text: str, **extra: Any) -> dict[str, Any]:
    """Send a text; its ack."""
    cid = await client.send_text(conv, text) if not extra else await _send(client, conv, text, extra)
    return (await seen_all(client, ("ack", {"cid": cid})))[0]


async def _send(client: Client, conv: int, text: str, extra: dict[str, Any]) -> str:
    cid = "x" + str(len(client.seen))
    await client.send({"t": "send", "cid": cid, "conv": conv, "kind": "text", "text": text, **extra})
    return cid


async def test_edit_delete_react_reply_reach_every_member_live(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    a2 = await join(relay, await world.token(world.alice))  # another tab of alice
    b = await join(relay, await world.token(world.bob))
    conv = world.conv
    first = await sent(a, conv, "hello bob")
    await seen_all(b, ("msg", {"id": first["id"]}))

    await a.send(P.make_edit("e1", conv, first["id"], "hello, Bob!"))
    done, mine = await seen_all(a, ("done", {"rid": "e1"}), ("changed", {"conv": conv}))
    assert done["conv"] == conv and mine["change"] == 1
    for other in (a2, b):
        changed = (await seen_all(other, ("changed", {"conv": conv, "change": 1})))[0]
        message = changed["message"]
        assert (message["id"], message["text"], message["change"]) == (first["id"], "hello, Bob!", 1)
        assert message["edited"] >= first["ts"] and "resumed" not in changed

    await b.send(P.make_react("r1", conv, first["id"], HEART))
    await seen_all(b, ("done", {"rid": "r1"}))
    changed = (await seen_all(a, ("changed", {"change": 2})))[0]
    assert changed["message"]["reactions"] == [{"emoji": HEART, "users": [world.bob.id]}]

    reply = await _send(b, conv, "hi alice", {"reply_to": first["id"]})
    ack = (await seen_all(b, ("ack", {"cid": reply})))[0]
    got = (await seen_all(a, ("msg", {"id": ack["id"]})))[0]
    assert got["reply_to"] == first["id"]
    assert got["reply"] == {"id": first["id"], "pos": first["pos"], "from": world.alice.id, "text": "hello, Bob!"}

    await a.send(P.make_delete("d1", conv, first["id"]))
    await seen_all(a, ("done", {"rid": "d1"}))
    for other in (a2, b):
        changed = (await seen_all(other, ("changed", {"change": 3})))[0]
        assert changed["message"]["deleted"] is True and changed["message"]["text"] == ""
        assert "reactions" not in changed["message"]
    await b.send({"t": "history", "rid": "h", "conv": conv})
    page = (await seen_all(b, ("history_page", {"rid": "h"})))[0]
    assert page["changes"] == 3
    held = {m["id"]: m for m in page["messages"]}
    assert held[first["id"]]["deleted"] is True and held[first["id"]]["text"] == ""
    assert held[ack["id"]]["reply"] == {"id": first["id"], "pos": first["pos"], "from": world.alice.id,
                                        "text": "", "deleted": True}


async def test_bad_changes_get_clear_errors_and_change_nothing(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob))
    c = await join(relay, await world.token(world.carol))
    conv = world.conv
    first = await sent(a, conv, "mine")
    attempts = [
        (b, P.make_edit("x1", conv, first["id"], "not yours"), P.E_FORBIDDEN),
        (b, P.make_delete("x2", conv, first["id"]), P.E_FORBIDDEN),
        (c, P.make_react("x3", conv, first["id"], THUMBS), P.E_FORBIDDEN),  # not a member
        (b, P.make_react("x4", conv, 987654, THUMBS), P.E_NOT_FOUND),
        (a, P.make_edit("x5", conv, 987654, "nothing there"), P.E_NOT_FOUND),
    ]
    for client, frame, code in attempts:
        await client.send(frame)
        error = await client.expect("error", ref=frame["rid"])
        assert error["code"] == code, (frame, error)
    await b.send({"t": "react", "rid": "x6", "conv": conv, "id": first["id"], "emoji": "🍕"})
    assert (await b.expect("error", ref="x6"))["code"] == P.E_BAD_FIELD
    await b.send({"t": "send", "cid": "rx", "conv": conv, "kind": "text", "text": "?", "reply_to": 987654})
    assert (await b.expect("error", ref="rx"))["code"] == P.E_NOT_FOUND
    assert await a.quiet(("changed", "msg")) == [] and await b.quiet(("changed", "msg")) == []
    page = await relay.store.history(conv, world.alice.id)
    assert [(m.text, m.change) for m in page.messages] == [("mine", 0)] and page.last_change == 0


async def test_a_client_that_was_away_gets_the_current_state(relay: Relay, world: World) -> None:
    store, conv, alice = relay.store, world.conv, world.alice
    one, _ = await store.append_message(conv, alice.id, "c1", "text", "first draft")
    two, _ = await store.append_message(conv, alice.id, "c2", "text", "to be deleted")
    b = await join(relay, await world.token(world.bob), resume={conv: 2})
    assert await b.quiet(("msg", "changed")) == []  # nothing missed yet
    await b.close()

    # while bob is away: an edit, a reaction, a deletion, and a new message that was edited too
    await store.edit_message(conv, alice.id, one.id, "final text")  # 1
    await store.react(conv, alice.id, one.id, THUMBS)  # 2
    await store.delete_message(conv, alice.id, two.id)  # 3
    three, _ = await store.append_message(conv, alice.id, "c3", "text", "new")
    await store.edit_message(conv, alice.id, three.id, "new, edited")  # 4

    back = await rejoin(relay, await world.token(world.bob), {conv: 2}, {conv: 0})
    replayed = await back.expect("msg")
    assert (replayed["id"], replayed["text"], replayed["change"]) == (three.id, "new, edited", 4)
    changes = [await back.expect("changed") for _ in range(3)]
    assert [(f["message"]["id"], f["change"], f["resumed"]) for f in changes] == [
        (one.id, 2, True), (two.id, 3, True), (three.id, 4, True)]
    assert changes[0]["message"]["text"] == "final text" and changes[0]["message"]["edited"]
    assert changes[0]["message"]["reactions"] == [{"emoji": THUMBS, "users": [alice.id]}]
    assert changes[1]["message"]["deleted"] is True and changes[1]["message"]["text"] == ""
    assert "first draft" not in str(back.seen) and "to be deleted" not in str(back.seen)
    for frame in back.seen:
        P.validate(dict(frame), P.SERVER_FRAMES)

    again = await rejoin(relay, await world.token(world.bob), {conv: 3}, {conv: 4})
    assert await again.quiet(("msg", "changed")) == []  # up to date: nothing replayed
    partly = await rejoin(relay, await world.token(world.bob), {conv: 3}, {conv: 3})
    assert [(f["message"]["id"]) for f in [await partly.expect("changed")]] == [three.id]
    assert await partly.quiet(("msg", "changed")) == []


async def test_too_many_changes_say_resync(relay: Relay, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resume_module, "MAX_CHANGE_REPLAY", 2)
    store, conv, alice = relay.store, world.conv, world.alice
    for i in range(3):
        message, _ = await store.append_message(conv, alice.id, f"c{i}", "text", f"m{i}")
        await store.react(conv, alice.id, message.id, THUMBS)
    back = await rejoin(relay, await world.token(world.bob), {conv: 3}, {conv: 0})
    assert await back.expect("resync") == {"t": "resync", "conv": conv, "reason": "too_old"}
    assert await back.quiet(("changed",)) == []


async def test_changes_through_the_json_api_reach_live_sockets(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob))
    first = await sent(a, world.conv, "from the socket")
    headers = {"Authorization": f"Bearer {await world.token(world.alice)}"}
    path = f"/conversations/{world.conv}/messages/{first['id']}"
    async with httpx.AsyncClient(base_url=f"{relay.http}/api/v1", headers=headers) as api:
        assert (await api.patch(path, json={"text": "edited by API"})).status_code == 200
        changed = (await seen_all(b, ("changed", {"change": 1})))[0]
        assert changed["message"]["text"] == "edited by API"
        assert (await api.put(path + "/reactions/" + quote(THUMBS))).status_code == 200
        assert (await seen_all(a, ("changed", {"change": 2})))[0]["message"]["reactions"][0]["emoji"] == THUMBS
        assert (await api.delete(path)).status_code == 204
        assert (await seen_all(b, ("changed", {"change": 3})))[0]["message"]["deleted"] is True
