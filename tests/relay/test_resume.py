"""Resume: exactly the missed messages, in order, without duplicates; or a plain resync."""

from __future__ import annotations

import pytest

from server.relay import resume as resume_module

from .harness import Relay, World, join

pytestmark = pytest.mark.anyio


async def post(relay: Relay, world: World, count: int, conv: int | None = None) -> None:
    for i in range(count):
        await relay.store.append_message(conv or world.conv, world.bob.id, f"c{i}-{conv}", "text", f"m{i}")


async def test_resume_replays_exactly_the_gap_in_order_then_live(relay: Relay, world: World) -> None:
    await post(relay, world, 10)
    a = await join(relay, await world.token(world.alice), resume={world.conv: 4})
    replayed = [(await a.expect("msg"))["pos"] for _ in range(6)]
    assert replayed == [5, 6, 7, 8, 9, 10]
    b = await join(relay, await world.token(world.bob))
    await b.send_text(world.conv, "live")
    live = await a.expect("msg")
    assert live["pos"] == 11 and live["text"] == "live"
    assert await a.quiet() == []


async def test_resume_when_nothing_was_missed_sends_nothing(relay: Relay, world: World) -> None:
    await post(relay, world, 3)
    a = await join(relay, await world.token(world.alice), resume={world.conv: 3})
    assert await a.quiet(("msg", "resync")) == []


async def test_resume_ahead_and_gone(relay: Relay, world: World) -> None:
    await post(relay, world, 2)
    a = await join(relay, await world.token(world.alice), resume={world.conv: 9, 424242: 1})
    frames = [await a.expect("resync"), await a.expect("resync")]
    assert {(f["conv"], f["reason"]) for f in frames} == {(world.conv, "ahead"), (424242, "gone")}
    c = await join(relay, await world.token(world.carol), resume={world.conv: 0})
    assert (await c.expect("resync"))["reason"] == "gone"  # not a member


async def test_resume_too_old_says_resync(relay: Relay, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resume_module, "MAX_REPLAY", 5)
    await post(relay, world, 8)
    a = await join(relay, await world.token(world.alice), resume={world.conv: 1})
    assert await a.expect("resync") == {"t": "resync", "conv": world.conv, "reason": "too_old"}
    assert await a.quiet() == []


async def test_long_replay_spans_several_pages(relay: Relay, world: World) -> None:
    await post(relay, world, 450)
    a = await join(relay, await world.token(world.alice), resume={world.conv: 0})
    positions = [(await a.expect("msg"))["pos"] for _ in range(450)]
    assert positions == list(range(1, 451))


async def test_messages_sent_during_the_replay_are_neither_lost_nor_doubled(relay: Relay, world: World) -> None:
    await post(relay, world, 300)
    b = await join(relay, await world.token(world.bob))
    a = await join(relay, await world.token(world.alice), resume={world.conv: 0})
    for i in range(20):
        await b.send_text(world.conv, f"live{i}")
    positions = []
    while len(positions) < 320:
        positions.append((await a.expect("msg"))["pos"])
    assert sorted(positions) == list(range(1, 321))
    assert await a.quiet() == []
