"""A closed relay socket is freed by reference counting alone, not left in a reference cycle for the collector
(which never looks at frozen objects: server/gc_freeze.py), whether the client closed cleanly or went away."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from websockets.server import ServerProtocol

from .harness import Relay, World, join

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> tuple[str, dict[str, Any]]:
    return "asyncio", {"use_uvloop": True}  # as `parley serve` runs


def _server_sides() -> int:
    """websockets' protocol objects of the server's sockets still in memory."""
    return sum(isinstance(o, ServerProtocol) for o in gc.get_objects())


async def test_closed_sockets_are_freed_without_the_collector(relay: Relay, world: World) -> None:
    polite = await join(relay, await world.token(world.alice))
    rude = await join(relay, await world.token(world.bob))
    assert _server_sides() == 2
    gc.disable()  # only reference counting from here on
    try:
        await polite.close()  # a close frame
        rude.ws.transport.abort()  # no close frame: the server's parser sees the end of the stream
        for _ in range(200):
            if not relay.hub.users:
                break
            await asyncio.sleep(0.01)
        assert not relay.hub.users
        await asyncio.sleep(0.2)
        assert _server_sides() == 0
    finally:
        gc.enable()
