"""One frame must not silence a socket. A frame holding an unpaired surrogate (valid JSON and valid UTF-8 on
the wire: the JSON escape `\\ud800`) gets an error frame that echoes nothing unencodable, and the socket keeps
working; and a frame the server fails to write closes the socket with the documented 1011."""

from __future__ import annotations

import json
from typing import Any

import pytest
from parley import protocol as P

from .harness import Client, Relay, World, join

pytestmark = pytest.mark.anyio

SURROGATE = "\\ud800"  # the JSON escape, six ASCII characters on the wire


def bad_frames(conv: int) -> list[tuple[str, str]]:
    """(raw frame text, expected error code): an unpaired surrogate in `t`, `cid` or `rid`."""
    return [
        ('{"t":"' + SURROGATE + '"}', "unknown_type"),
        ('{"t":"' + SURROGATE + '","cid":"' + SURROGATE + '"}', "unknown_type"),
        ('{"t":5,"rid":"' + SURROGATE + '"}', "bad_frame"),
        ('{"t":"send","cid":"' + SURROGATE + f'","conv":{conv},"kind":"text","text":"hi"}}', "bad_field"),
        ('{"t":"history","rid":"' + SURROGATE + f'","conv":{conv}}}', "bad_field"),
        ('{"t":"send","cid":"caf\\u00e9",' + f'"conv":{conv},"kind":"text","text":"hi"}}', "bad_field"),
    ]


async def stored_cids(relay: Relay, world: World) -> set[str]:
    page = await relay.store.history(world.conv, world.alice.id, None, 200)
    return {m.client_id for m in page.messages}


@pytest.mark.parametrize("index", range(6))
async def test_an_unencodable_field_gets_a_clean_error_and_the_socket_keeps_working(
    relay: Relay, world: World, index: int
) -> None:
    raw, code = bad_frames(world.conv)[index]
    assert json.loads(raw) is not None and raw.isascii()  # valid JSON, valid UTF-8
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob))
    before = await a.send_text(world.conv, "just before")  # read just before the bad frame, not awaited
    await a.send(raw)
    after = await a.send_text(world.conv, "just after")
    error = await a.expect("error")
    assert error["code"] == code and "ref" not in error
    error["message"].encode("utf-8")  # encodable: the bad value is not echoed
    acked = {(await a.expect("ack"))["cid"] for _ in range(2)}
    assert acked == {before, after}  # both acknowledged, the socket is not deaf
    assert {before, after} <= await stored_cids(relay, world)
    got = {(await b.expect("msg"))["cid"] for _ in range(2)}
    assert got == {before, after}


async def test_a_frame_that_cannot_be_written_closes_the_socket_1011(
    relay: Relay, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = await join(relay, await world.token(world.alice))
    acked = await a.send_text(world.conv, "acknowledged first")
    await a.expect("ack", cid=acked)

    def unencodable_pong(ts: Any = None) -> dict[str, Any]:
        return {"t": "pong", "ts": ts, "note": "\ud800"}

    monkeypatch.setattr(P, "make_pong", unencodable_pong)
    await a.send({"t": "ping"})
    assert await a.closed() == P.CLOSE_INTERNAL == 1011  # documented: reconnect with backoff, resume
    assert P.close_action(1011) == P.RECONNECT
    assert acked in await stored_cids(relay, world)  # nothing acknowledged is lost

    again: Client = await join(relay, await world.token(world.alice), resume={world.conv: 0})
    replayed = await again.expect("msg", cid=acked)
    assert replayed["text"] == "acknowledged first"
