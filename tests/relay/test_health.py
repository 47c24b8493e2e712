"""Liveness and readiness probes, and a Redis connection loss making clients resume (1012)."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from pathlib import Path

import pytest
import redis as redis_sync

from .harness import Relay, World, join, running
from .test_processes import REDIS_URL, redis_broker_url

pytestmark = pytest.mark.anyio
__all__ = ["redis_broker_url"]


def get(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


async def test_healthz_and_readyz(relay: Relay) -> None:
    assert await asyncio.to_thread(get, relay.http + "/healthz") == (200, {"status": "ok"})
    status, body = await asyncio.to_thread(get, relay.http + "/readyz")
    assert status == 200 and body["checks"] == {"database": "ok", "broker": "ok"}


@pytest.mark.redis
async def test_lost_redis_connection_closes_sockets_1012(
    tmp_path: Path, relay_template: Path, redis_broker_url: str
) -> None:
    async with running(tmp_path, relay_template, broker_url=redis_broker_url) as relay:
        world = await World(relay.store).build()
        a = await join(relay, await world.token(world.alice))
        name = redis_broker_url.split("prefix=")[1]
        admin = redis_sync.Redis.from_url(REDIS_URL)
        killed = 0
        for client in admin.client_list():
            if client.get("name") == name and int(client.get("sub", 0)) > 0:  # the pub/sub connection
                admin.client_kill_filter(_id=client["id"])
                killed += 1
        admin.close()
        assert killed == 1
        assert await a.closed(10) == 1012
        b = await join(relay, await world.token(world.bob))  # the relay keeps serving after the reset
        cid = await b.send_text(world.conv, "after reset")
        await b.expect("ack", cid=cid)
        await relay.hub.broker.close()  # Redis unreachable from this process: not ready
        status, body = await asyncio.to_thread(get, relay.http + "/readyz")
        assert status == 503 and body["checks"]["broker"].startswith("down") and body["checks"]["database"] == "ok"
