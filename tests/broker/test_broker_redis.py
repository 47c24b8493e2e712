"""Redis-only behaviour: several processes sharing one Redis behave as one, and crashed ones fade out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import anyio
import pytest
import redis

from server.broker import open_broker
from server.broker.redis import RedisBroker
from tests.support.broker_inbox import Inbox, drain

pytestmark = [pytest.mark.anyio, pytest.mark.redis]


async def test_fan_out_and_presence_cross_processes(redis_broker_url: str) -> None:
    one = await open_broker(redis_broker_url)
    two = await open_broker(redis_broker_url)
    try:
        inbox_one, inbox_two = Inbox(), Inbox()
        await one.subscribe("conv:9", inbox_one)
        await two.subscribe("conv:9", inbox_two)
        await one.publish("conv:9", "from one")
        await two.publish("conv:9", "from two")
        assert await inbox_one.wait_for(2) == ["from one", "from two"]
        assert await inbox_two.wait_for(2) == ["from one", "from two"]
        await one.set_presence(3, "dev", {"status": "online"}, ttl_s=30)
        assert await two.get_presence([3]) == {3: {"dev": {"status": "online"}}}
    finally:
        await one.close()
        await two.close()


async def test_prefixes_keep_deployments_apart(redis_broker_url: str) -> None:
    other_url = redis_broker_url.replace("prefix=", "prefix=other-")
    mine, theirs = await open_broker(redis_broker_url), await open_broker(other_url)
    try:
        inbox = Inbox()
        await mine.subscribe("conv:1", inbox)
        await theirs.publish("conv:1", "wrong deployment")
        await theirs.set_presence(1, "d", {"x": 1}, ttl_s=30)
        await mine.publish("conv:1", "right")
        assert await drain(mine, "conv:1", inbox) == ["right"]
        assert await mine.get_presence([1]) == {}
    finally:
        await mine.close()
        await theirs.close()


CRASHING_PROCESS = textwrap.dedent(
    """
    import asyncio, sys
    from server.broker import open_broker

    async def main():
        broker = await open_broker(sys.argv[1])
        await broker.set_presence(42, "crashing-tab", {"status": "online"}, ttl_s=0.5)
        print("ready", flush=True)
        await asyncio.sleep(60)

    asyncio.run(main())
    """
)


async def test_a_killed_process_users_fade_out_within_the_ttl(redis_broker_url: str) -> None:
    survivor = await open_broker(redis_broker_url)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    process = subprocess.Popen(
        [sys.executable, "-c", CRASHING_PROCESS, redis_broker_url],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        await survivor.set_presence(7, "steady", {"status": "online"}, ttl_s=30)
        assert 42 in await survivor.get_presence([42])
        process.send_signal(signal.SIGKILL)  # no clean shutdown, nobody removes its entry
        process.wait(timeout=10)
        await anyio.sleep(0.7)
        assert await survivor.get_presence([42, 7]) == {7: {"steady": {"status": "online"}}}
        assert isinstance(survivor, RedisBroker)
        assert await survivor.redis.exists(f"{survivor.prefix}:pres:42") == 0  # the key expired too
    finally:
        if process.poll() is None:
            process.kill()
        await survivor.close()


async def test_listener_recovers_from_a_dropped_connection(redis_broker_url: str) -> None:
    broker = await open_broker(redis_broker_url)
    assert isinstance(broker, RedisBroker)
    resets: list[int] = []
    broker.on_reset(lambda: resets.append(1))
    try:
        inbox = Inbox()
        await broker.subscribe("conv:5", inbox)
        admin = redis.Redis.from_url(redis_broker_url.split("?")[0], decode_responses=True)
        killed = 0
        for client in admin.client_list(_type="pubsub"):
            if client.get("name") == broker.prefix:
                admin.client_kill_filter(_id=client["id"])
                killed += 1
        admin.close()
        assert killed == 1
        with anyio.fail_after(5):
            while not resets:
                await anyio.sleep(0.05)
        await broker.publish("conv:5", "after the cut")
        assert await inbox.wait_for(1) == ["after the cut"]
    finally:
        await broker.close()


async def test_backends_are_imported_only_when_chosen() -> None:
    code = "import sys, asyncio\nfrom server.broker import open_broker\n"
    code += "asyncio.run(open_broker('memory://'))\nprint('redis' in sys.modules)"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert result.stdout.strip() == "False"


async def test_claim_once_holds_across_processes(redis_broker_url: str) -> None:
    """Two brokers on one Redis (two server processes): a key claimed by one is refused to the other, even
    when both claim at the same moment."""
    one = await open_broker(redis_broker_url)
    two = await open_broker(redis_broker_url)
    try:
        assert await one.claim_once("dpop:k1", ttl_s=30) is True
        assert await two.claim_once("dpop:k1", ttl_s=30) is False
        results = []

        async def claim(broker: RedisBroker) -> None:
            results.append(await broker.claim_once("dpop:k2", ttl_s=30))

        async with anyio.create_task_group() as group:
            for _ in range(5):
                group.start_soon(claim, one)
                group.start_soon(claim, two)
        assert sorted(results) == [False] * 9 + [True]
    finally:
        await one.close()
        await two.close()


def test_links_work_on_uvloop(redis_broker_url: str) -> None:
    """The server runs on uvloop (whose transports are not asyncio's): connect, subscribe, publish in order,
    waiting (publish_many) and not waiting (publish_later) mixed."""
    import asyncio

    import uvloop

    async def scenario() -> list[str]:
        broker = await open_broker(redis_broker_url)
        got: list[str] = []
        try:
            await broker.subscribe("u:1", got.append)
            await broker.subscribe("u:2", got.append)
            for i in range(50):
                broker.publish_later(["u:1", "u:2"], f"later {i}")
            await broker.publish_many(["u:2"], "waited")
            for _ in range(100):
                if len(got) == 101:
                    break
                await asyncio.sleep(0.02)
        finally:
            await broker.close()
        return got

    got = uvloop.run(scenario())
    assert got == [f"later {i}" for i in range(50) for _ in (1, 2)] + ["waited"]


async def test_publisher_reconnects_after_its_connection_is_cut(redis_broker_url: str) -> None:
    """The publishing link is killed by the server: publishes after that reconnect and arrive; the one that
    was in flight fails loudly (logged), never silently succeeds."""
    broker = await open_broker(redis_broker_url)
    assert isinstance(broker, RedisBroker)
    try:
        inbox = Inbox()
        await broker.subscribe("conv:6", inbox)
        await broker.publish("conv:6", "before")
        admin = redis.Redis.from_url(redis_broker_url.split("?")[0], decode_responses=True)
        killed = 0
        for client in admin.client_list(_type="normal"):
            if client.get("name") == broker.prefix and "publish" in client.get("cmd", ""):
                admin.client_kill_filter(_id=client["id"])
                killed += 1
        admin.close()
        assert killed == 1
        with anyio.fail_after(5):
            while True:
                try:
                    await broker.publish("conv:6", "after")
                    break
                except ConnectionError:
                    await anyio.sleep(0.05)
        assert await inbox.wait_for(2) == ["before", "after"]
    finally:
        await broker.close()
