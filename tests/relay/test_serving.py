"""How the relay's sockets are served: straight from uvicorn to the relay (around the HTTP middlewares),
on uvicorn's protocol with a smaller idle footprint, and frames written in order without a task per frame
even when a peer stops reading for a while."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from server.app import ParleyApp, server_options
from server.relay import wsprotocol
from server.relay.wsprotocol import Gate, Inbox, SlimWebSocketProtocol

from .harness import SITE_ORIGIN, Relay, World, join

pytestmark = pytest.mark.anyio


def _protocols(relay: Relay) -> list[Any]:
    return [p for p in relay.server.server_state.connections if isinstance(p, SlimWebSocketProtocol)]


async def test_relay_sockets_keep_no_handshake_objects_queue_or_ping_timer(relay: Relay, world: World) -> None:
    assert isinstance(relay.app, ParleyApp)
    a = await join(relay, await world.token(world.alice))
    (protocol,) = _protocols(relay)
    assert protocol.request is None and protocol.response is None
    assert isinstance(protocol.queue, Inbox) and protocol.queue.items is None  # nothing queued while idle
    assert isinstance(protocol.writable, Gate) and protocol.writable.waiters is None
    assert protocol.ping_timer is None  # the relay's own heartbeat replaces uvicorn's pings
    waiter = protocol.queue.waiter  # the reader waits on one future, not on suspended receive coroutines
    assert isinstance(waiter, asyncio.Future) and not waiter.done()
    assert protocol.scope == {}  # emptied by the relay after the handshake
    # at most 30 instance attributes: CPython keeps them in the class's compact shared-key form (~1.3 KB less)
    assert len(vars(protocol)) <= 30
    cid = await a.send_text(world.conv, "still works")
    await a.expect("ack", cid=cid)


async def test_other_websocket_paths_take_the_normal_routing(relay: Relay) -> None:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(relay.url.replace("/v1/ws", "/v1/wss"), origin=SITE_ORIGIN, open_timeout=5):  # type: ignore[arg-type]
            pass
    assert refused.value.response.status_code == 403  # no such WebSocket route: FastAPI refuses it


async def test_the_fastapi_route_serves_the_same_relay(relay: Relay, world: World) -> None:
    """Served through FastAPI's middlewares and router instead (an app mounted without the shortcut)."""
    app = relay.app

    async def routed(scope: Any, receive: Any, send: Any) -> None:
        await FastAPI.__call__(app, scope, receive, send)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(routed, log_level="warning", lifespan="off", **server_options(relay.settings))
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(400):
            if server.started:
                break
            await asyncio.sleep(0.025)
        a = await join(f"ws://127.0.0.1:{port}/v1/ws", await world.token(world.alice))
        b = await join(relay, await world.token(world.bob))
        cid = await a.send_text(world.conv, "through the router")
        await a.expect("ack", cid=cid)
        assert (await b.expect("msg", cid=cid))["text"] == "through the router"
        await a.ws.close()
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


@pytest.mark.relay_settings(max_frames_per_second=1e6, max_queue_frames=10**6, max_queue_bytes=1 << 30)
async def test_frames_stay_in_order_when_a_peer_pauses_reading(relay: Relay, world: World) -> None:
    """While bob reads nothing, his socket's sends wait on the paused transport (a writer task takes over
    from the send queue); once he reads again, every message arrives, in order."""
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob), max_size=2**20)
    bob = next(s for s in relay.hub.connections() if s.id == b.welcome["session"])
    b.ws.transport.pause_reading()
    text = "z" * 3900
    sent: list[str] = []
    for round_ in range(400):  # until a send to bob had to wait (TCP and uvicorn's buffer are full)
        for i in range(10):
            sent.append(await a.send_text(world.conv, text, cid=f"p{round_}-{i}"))
        for _ in range(10):
            await a.expect("ack", timeout=30)
        if isinstance(bob.writer, asyncio.Task):
            break
    assert isinstance(bob.writer, asyncio.Task)
    for i in range(5):  # queued behind the waiting send
        sent.append(await a.send_text(world.conv, f"after {i}", cid=f"after-{i}"))
        await a.expect("ack", cid=f"after-{i}")
    b.ws.transport.resume_reading()
    got = [(await b.expect("msg", timeout=30))["cid"] for _ in sent]
    assert got == sent
    assert bob.close_code is None


@pytest.mark.relay_settings(max_frames_per_second=1e6, max_queue_frames=10**6, max_queue_bytes=1 << 30)
async def test_a_peer_that_stops_reading_is_dropped_after_the_stall_deadline(
    relay: Relay, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without uvicorn's pings, a peer that reads none of its pending output is still dropped (no close
    handshake: it would never read it), and the relay forgets its connection."""
    monkeypatch.setattr(wsprotocol, "STALL_S", 0.5)
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob), max_size=2**20)
    bob = b.welcome["session"]
    b.ws.transport.pause_reading()
    text = "z" * 3900
    for round_ in range(400):  # until bob's connection is gone
        for i in range(10):
            await a.send_text(world.conv, text, cid=f"s{round_}-{i}")
        for _ in range(10):
            await a.expect("ack", timeout=30)
        if not any(s.id == bob for s in relay.hub.connections()):
            break
        await asyncio.sleep(0.05)
    assert not any(s.id == bob for s in relay.hub.connections())
    b.ws.transport.resume_reading()
    assert await b.closed(30) == 1006  # dropped, no close frame
    cid = await a.send_text(world.conv, "alice is fine")
    await a.expect("ack", cid=cid)


async def test_inbox_hands_events_in_order_and_allows_one_reader() -> None:
    inbox = Inbox()
    assert inbox.empty()
    reader = inbox.get()  # a future: no coroutine waits beside an idle socket
    with pytest.raises(RuntimeError):
        inbox.get()
    inbox.put_nowait(1)
    inbox.put_nowait(2)
    assert await reader == 1
    assert not inbox.empty()
    assert await inbox.get() == 2
    assert inbox.empty() and inbox.items is None
    cancelled = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    inbox.put_nowait(3)  # a cancelled reader loses nothing
    assert await inbox.get() == 3


async def test_gate_wakes_every_waiter_and_forgets_cancelled_ones() -> None:
    gate = Gate()
    assert gate.is_set() and await gate.wait()
    gate.clear()
    first, second, gone = (asyncio.create_task(gate.wait()) for _ in range(3))
    await asyncio.sleep(0)
    gone.cancel()
    await asyncio.sleep(0)
    assert gate.waiters is not None and len(gate.waiters) == 2
    assert not first.done() and not second.done()
    gate.set()
    assert await first and await second
    assert gate.waiters is None and gate.is_set()
