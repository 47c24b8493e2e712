"""The benchmarks' fan-out log (Settings.bench_fanout_log): a probe on the relay's fan-out, off by default."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from server.relay.fanout_log import FanoutLog

from .harness import Relay, World, join, running

pytestmark = pytest.mark.anyio


async def test_each_committed_message_logs_its_local_pushes_and_delay(tmp_path: Path, relay_template: Path) -> None:
    log = tmp_path / "fanout.log"
    async with running(tmp_path, relay_template, bench_fanout_log=str(log)) as relay:
        assert isinstance(relay.hub.fanout.probe, FanoutLog)
        world = await World(relay.store).build()
        a = await join(relay, await world.token(world.alice))
        b1 = await join(relay, await world.token(world.bob))
        b2 = await join(relay, await world.token(world.bob))
        cid = await a.send_text(world.conv, "counted")
        await a.expect("ack", cid=cid)
        for b in (b1, b2):
            await b.expect("msg", cid=cid)
        for _ in range(200):  # lines are written a little after the delivery
            if log.exists():
                break
            await asyncio.sleep(0.01)
    pushes, seconds = log.read_text().split()
    assert int(pushes) == 3  # alice's socket (skipped, as the sender's) and bob's two
    assert 0 <= float(seconds) < 5


async def test_without_the_setting_there_is_no_probe(relay: Relay) -> None:
    assert relay.hub.fanout.probe is None
