"""Broker fixtures: the same contract suite runs against the memory backend and a real Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import redis

from server.broker import Broker, open_broker
from tests.conftest import service_missing

REDIS_URL = os.environ.get("PARLEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")



def redis_url_or_skip() -> str:
    """The test Redis URL; skip if Redis is unreachable, except on CI where that is a failure."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {REDIS_URL}", exc)
    return REDIS_URL


def delete_prefixed(url: str) -> None:
    """Remove every key a test wrote under its unique prefix."""
    cleanup = redis.Redis.from_url(url.split("?")[0])
    keys = list(cleanup.scan_iter(f"{url.split('prefix=')[1]}:*"))
    if keys:
        cleanup.delete(*keys)
    cleanup.close()


@pytest.fixture
def redis_broker_url() -> Iterator[str]:
    """A redis:// broker URL with a prefix unique to this test, so parallel runs never meet."""
    url = f"{redis_url_or_skip()}?prefix=parleytest-{uuid.uuid4().hex[:12]}"
    yield url
    delete_prefixed(url)
    delete_prefixed(url.replace("prefix=", "prefix=other-"))


@pytest.fixture(params=["memory", "redis"])
async def broker_url(request: pytest.FixtureRequest) -> str:
    if request.param == "memory":
        return "memory://"
    return f"{redis_url_or_skip()}?prefix=parleytest-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def broker(broker_url: str) -> AsyncIterator[Broker]:
    opened = await open_broker(broker_url)
    try:
        yield opened
    finally:
        await opened.close()
        if broker_url.startswith("redis"):
            delete_prefixed(broker_url)
