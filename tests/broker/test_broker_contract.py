"""The broker contract, run against every backend (memory and real Redis)."""

from __future__ import annotations

import anyio
import pytest

from server.broker import Broker, open_broker
from tests.support.broker_inbox import Inbox, drain

pytestmark = pytest.mark.anyio


async def test_publish_reaches_the_channel_dispatcher_in_order(broker: Broker) -> None:
    inbox = Inbox()
    await broker.subscribe("conv:1", inbox)
    for index in range(50):
        await broker.publish("conv:1", f"frame {index} é")
    assert await inbox.wait_for(50) == [f"frame {index} é" for index in range(50)]


async def test_channels_are_isolated_and_unsubscribe_stops_delivery(broker: Broker) -> None:
    first, second = Inbox(), Inbox()
    await broker.subscribe("conv:1", first)
    await broker.subscribe("conv:2", second)
    await broker.publish("conv:2", "for two")
    await broker.publish("conv:3", "for nobody")
    assert await second.wait_for(1) == ["for two"]
    await broker.unsubscribe("conv:2")
    assert broker.subscribed() == ["conv:1"]
    await broker.publish("conv:2", "too late")
    assert await drain(broker, "conv:1", first) == []
    assert second.payloads == ["for two"]
    await broker.unsubscribe("conv:2")  # unsubscribing twice is harmless


async def test_subscribing_again_replaces_the_dispatcher(broker: Broker) -> None:
    old, new = Inbox(), Inbox()
    await broker.subscribe("user:7", old)
    await broker.subscribe("user:7", new)
    await broker.publish("user:7", "x")
    assert await drain(broker, "user:7", new) == ["x"]
    assert old.payloads == []


async def test_a_failing_dispatcher_does_not_stop_the_listener(broker: Broker) -> None:
    def explode(payload: str) -> None:
        raise RuntimeError("dispatcher bug")

    inbox = Inbox()
    await broker.subscribe("bad", explode)
    await broker.subscribe("good", inbox)
    await broker.publish("bad", "boom")
    await broker.publish("good", "still here")
    assert await inbox.wait_for(1) == ["still here"]


async def test_presence_entries_per_device(broker: Broker) -> None:
    await broker.set_presence(1, "tab-a", {"status": "online", "site": 3}, ttl_s=30)
    await broker.set_presence(1, "tab-b", {"status": "away", "site": 4}, ttl_s=30)
    await broker.set_presence(2, "phone", {"status": "online", "title": "Über | <b>"}, ttl_s=30)
    found = await broker.get_presence([1, 2, 3])
    assert found == {
        1: {"tab-a": {"status": "online", "site": 3}, "tab-b": {"status": "away", "site": 4}},
        2: {"phone": {"status": "online", "title": "Über | <b>"}},
    }
    await broker.set_presence(1, "tab-a", {"status": "away", "site": 3}, ttl_s=30)  # refresh = same call
    await broker.remove_presence(1, "tab-b")
    await broker.remove_presence(1, "never-there")
    await broker.remove_presence(9, "nobody")
    assert await broker.get_presence([1, 2]) == {
        1: {"tab-a": {"status": "away", "site": 3}},
        2: {"phone": {"status": "online", "title": "Über | <b>"}},
    }
    await broker.remove_presence(1, "tab-a")
    assert await broker.get_presence([1]) == {}
    assert await broker.get_presence([]) == {}


async def test_presence_expires_without_heartbeat_and_lives_with_it(broker: Broker) -> None:
    await broker.set_presence(5, "quiet", {"s": 1}, ttl_s=0.3)
    await broker.set_presence(5, "beating", {"s": 2}, ttl_s=0.3)
    await broker.set_presence(6, "long", {"s": 3}, ttl_s=30)
    for _ in range(4):  # 0.6 s in all: "beating" refreshes every 0.15 s, "quiet" never
        await anyio.sleep(0.15)
        await broker.set_presence(5, "beating", {"s": 2}, ttl_s=0.3)
    assert await broker.get_presence([5, 6]) == {5: {"beating": {"s": 2}}, 6: {"long": {"s": 3}}}
    await anyio.sleep(0.4)
    assert await broker.get_presence([5, 6]) == {6: {"long": {"s": 3}}}


async def test_ping_succeeds_while_connected(broker: Broker) -> None:
    await broker.ping()


async def test_invalid_ttl_is_refused(broker: Broker) -> None:
    with pytest.raises(ValueError):
        await broker.set_presence(1, "d", {}, ttl_s=0)


async def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported broker URL scheme"):
        await open_broker("kafka://localhost")


async def test_publish_many_reaches_every_channel_in_order(broker: Broker) -> None:
    inboxes = [Inbox() for _ in range(5)]
    for index, inbox in enumerate(inboxes):
        await broker.subscribe(f"user:{index}", inbox)
    channels = [f"user:{index}" for index in range(5)] + ["user:nobody"]
    for n in range(20):
        await broker.publish_many(channels, f"frame {n}")
    await broker.publish_many(["user:3"], "only three")
    await broker.publish_many([], "nowhere")
    for index, inbox in enumerate(inboxes):
        extra = ["only three"] if index == 3 else []
        assert await drain(broker, f"user:{index}", inbox) == [f"frame {n}" for n in range(20)] + extra


async def test_claim_once_wins_once_until_it_expires(broker: Broker) -> None:
    assert await broker.claim_once("jti:a", ttl_s=0.3) is True
    assert await broker.claim_once("jti:a", ttl_s=0.3) is False
    assert await broker.claim_once("jti:b", ttl_s=0.3) is True  # another key is its own claim
    await anyio.sleep(0.45)
    assert await broker.claim_once("jti:a", ttl_s=0.3) is True  # the earlier claim expired


async def test_claim_once_refuses_a_bad_ttl(broker: Broker) -> None:
    with pytest.raises(ValueError):
        await broker.claim_once("jti:c", ttl_s=0)
