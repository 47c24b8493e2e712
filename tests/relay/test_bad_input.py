"""Bad input never hurts anyone else: clear errors, documented close codes, nothing acknowledged lost."""

from __future__ import annotations

import asyncio
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parley import protocol as P

from .harness import Client, Relay, World, join, open_socket

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_frame"),
        ('{"t": 5}', "bad_frame"),
        ('{"t": "launch"}', "unknown_type"),
        ('{"t": "send", "cid": "x", "conv": 1, "kind": "text"}', "bad_field"),
        ('{"t": "send", "cid": "x", "conv": 1.5, "kind": "text", "text": "hi"}', "bad_field"),
        ('{"t": "read", "conv": 1}', "bad_field"),
        ('{"t": "share", "cid": "s", "to": [2], "data": {"url": "javascript:alert(1)"}}', "bad_field"),
    ],
)
async def test_malformed_frames_get_an_error_and_the_socket_stays(
    relay: Relay, world: World, raw: str, code: str
) -> None:
    a = await join(relay, await world.token(world.alice))
    await a.send(raw)
    assert (await a.expect("error"))["code"] == code
    cid = await a.send_text(world.conv, "still here")
    await a.expect("ack", cid=cid)


async def test_oversized_frame_closes_1009_and_others_are_unharmed(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob))
    await a.send({"t": "send", "cid": "big", "conv": world.conv, "kind": "text", "text": "x" * 20000})
    assert (await a.expect("error"))["code"] == "too_big"
    assert await a.closed() == 1009
    cid = await b.send_text(world.conv, "fine")
    await b.expect("ack", cid=cid)


async def test_binary_frames_are_parsed_as_utf8_json(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    await a.ws.send(b"\xff\xfe")
    assert (await a.expect("error"))["code"] == "bad_json"


@pytest.mark.relay_settings(max_frames_per_second=5.0)  # burst: 10
async def test_flood_is_rate_limited_then_closed_4008(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob))
    acked = set()
    for i in range(60):
        await a.send_text(world.conv, f"flood {i}", cid=f"f{i}")
    codes = []
    try:
        while True:
            frame = await a.recv(3)
            if frame["t"] == "ack":
                acked.add(frame["cid"])
            elif frame["t"] == "error":
                codes.append(frame["code"])
    except Exception:
        pass
    assert "rate_limited" in codes
    assert a.ws.close_code == 4008
    stored = {m.client_id for m in await relay.store.messages_after(world.conv, world.alice.id, 0)}
    # Everything acknowledged is stored. Sends still committing when the socket closed may or may not be
    # stored (a loaded machine decides), but none of them was acknowledged: the client resends them.
    assert acked <= stored
    again = await join(relay, await world.token(world.alice))  # the client resends its outbox: deduplicated
    for cid in sorted(stored):
        await again.send_text(world.conv, "resend", cid=cid)
        await again.expect("ack", cid=cid)
    assert len(await relay.store.messages_after(world.conv, world.alice.id, 0)) == len(stored)
    cid = await b.send_text(world.conv, "unharmed")
    await b.expect("ack", cid=cid)


async def test_repeated_malformed_frames_close_4400(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    for _ in range(25):
        await a.send("nope")
    assert await a.closed() == 4400


@pytest.mark.relay_settings(max_frames_per_second=1e6, max_queue_frames=32)
async def test_slow_consumer_is_closed_4009_without_stalling_others(relay: Relay, world: World) -> None:
    slow = await join(relay, await world.token(world.bob), max_queue=1, max_size=2**20)
    fast = await join(relay, await world.token(world.bob))
    a = await join(relay, await world.token(world.alice))
    slow.ws.transport.pause_reading()  # a client that stops reading: TCP fills, then the server queue
    slow_id = slow.welcome["session"]

    def slow_closed() -> bool:
        return not any(s.id == slow_id and s.close_code is None for s in relay.hub.connections())

    got = 0

    async def read_fast() -> None:
        nonlocal got
        while True:
            await fast.expect("msg", timeout=60)
            got += 1

    reader = asyncio.create_task(read_fast())
    text = "y" * 3900
    sent = 0
    for round_ in range(500):
        for i in range(20):
            await a.send_text(world.conv, text, cid=f"r{round_}-{i}")
        sent += 20
        for _ in range(20):
            await a.expect("ack")
        if slow_closed():
            break
    assert slow_closed()
    for _ in range(100):  # the fast socket of the same user gets everything meanwhile
        if got >= sent:
            break
        await asyncio.sleep(0.05)
    reader.cancel()
    assert got == sent
    slow.ws.transport.resume_reading()
    assert await slow.closed(30) == 4009
    cid = await a.send_text(world.conv, "after")
    await fast.expect("msg", cid=cid)


async def test_broker_reset_closes_sockets_1012(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    relay.hub.broker._reset()
    assert await a.closed() == 1012


frames = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200),
    st.dictionaries(
        st.sampled_from(
            [
                "t",
                "cid",
                "conv",
                "kind",
                "text",
                "data",
                "to",
                "pos",
                "status",
                "rid",
                "v",
                "token",
                "op",
                "q",
                "code",
                "users",
                "user",
                "username",
                "title",
                "convs",
                "url",
            ]
        ),
        st.one_of(
            st.sampled_from(sorted(P.CLIENT_FRAMES)),  # every frame type the protocol has, new ones included
            st.sampled_from(P.FRIEND_OPS + P.INVITE_OPS + P.GROUP_OPS),
            st.integers(min_value=-3, max_value=2**60),
            st.text(max_size=30),
            st.none(),
            st.booleans(),
            st.lists(st.integers(min_value=-1, max_value=10), max_size=3),
            st.dictionaries(st.sampled_from(["url", "title"]), st.text(max_size=20), max_size=2),
        ),
        max_size=6,
    ).map(json.dumps),
)


async def test_fuzzed_frames_never_crash_the_server(relay: Relay, world: World) -> None:
    token = await world.token(world.alice)
    monitor = await join(relay, await world.token(world.bob))
    batches: list[list[str | bytes]] = []

    # hypothesis drives a sync function: let it generate the frames, then play them over real sockets
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(batch=st.lists(frames, min_size=1, max_size=5))
    def collect(batch: list[str | bytes]) -> None:
        batches.append(batch)

    collect()
    client = await join(relay, token)
    for batch in batches:
        if client.ws.close_code is not None or client.ws.state.name != "OPEN":
            client = await join(relay, token)
        for frame in batch:
            try:
                await client.ws.send(frame)
            except Exception:
                break
    await monitor.send({"t": "ping"})
    await monitor.expect("pong")
    fresh = await join(relay, token)
    cid = await fresh.send_text(world.conv, "alive")
    await fresh.expect("ack", cid=cid)
    unknown = Client(await open_socket(relay.url))
    await unknown.ws.send(b"\x00garbage")
    assert await unknown.closed() in (4400, 1009)
