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


async def test_a_live_message_the_replay_already_sent_is_dropped_after_the_release() -> None:
    """A message committed during the replay is read by it, and its live frame may be published only after the
    hold was released: the connection still drops it, and only it (the race behind a doubled position)."""
    from parley import protocol as P

    from server.relay.connection import Connection, SendQueue
    from server.relay.grants import Grant
    from server.relay.limits import ConnectionLimits

    async def send(message: dict[str, object]) -> None:
        return None

    grant = Grant(1, "ann", "Ann", 1, frozenset({P.SCOPE_MESSAGES}), (), "digest", (), frozenset())
    connection = Connection(send, grant, "tab", None, SendQueue(), ConnectionLimits())
    connection.release([], {7: 301, 8: 5})

    def live(conv: int, pos: int) -> str:
        return P.encode({"conv": conv, "pos": pos, "id": pos, "from": 2, "cid": f"c{pos}", "text": "hi", "t": P.MSG})

    connection.push(live(7, 301))  # the replay sent it: dropped
    connection.push(live(9, 1))  # a conversation the replay did not cover
    connection.push(P.encode({"t": "typing", "conv": 7, "user": 2}))
    connection.push(live(7, 302))  # past the replay: kept, and the check ends for conversation 7
    connection.push(live(8, 5))  # dropped too
    assert connection.queue == [live(9, 1), P.encode({"t": "typing", "conv": 7, "user": 2}), live(7, 302)]
    assert connection.replayed == {8: 5}
    connection.push(live(8, 6))
    assert connection.queue[-1] == live(8, 6)
    assert connection.replayed is None  # every replayed conversation moved past: nothing is checked any more
