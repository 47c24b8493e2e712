"""The visitor's choices across real server processes (PostgreSQL + Redis): a change through process A holds
for friends on process B from the first presence frame after a reconnect, and a restart keeps it."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.store import Store
from tests.support.store_data import make_friends, make_user

from .harness import SITE_ORIGIN, Client, add_site, add_token, join
from .processes import ServeProcess
from .test_processes import pg_store, redis_broker_url

pytestmark = pytest.mark.anyio

__all__ = ["pg_store", "redis_broker_url"]  # fixtures shared with test_processes.py


async def gone_dark(client: Client, user: int, devices: set[str]) -> set[str]:
    """Read presence until every one of ``devices`` shows offline (in any order); the devices that showed
    online meanwhile (should be none)."""
    waiting, lit = set(devices), set()
    while waiting:
        frame = await client.expect("presence", user=user)
        if frame.get("device") in devices:
            if frame["status"] == "offline":
                waiting.discard(frame["device"])
            else:
                lit.add(frame["device"])
    return lit


@pytest.mark.postgres
@pytest.mark.redis
async def test_hidden_choices_hold_across_processes_reconnects_and_restarts(
    tmp_path: Path, pg_store: tuple[str, Store], redis_broker_url: str
) -> None:
    url, store = pg_store
    alice = await make_user(store, "alice")
    bob = await make_user(store, "bob")
    await make_friends(store, alice, bob)
    site = await add_site(store, [SITE_ORIGIN])
    env = {"PARLEY_PRESENCE_TTL": "2", "AUTHLIB_INSECURE_TRANSPORT": "1"}
    one = ServeProcess(tmp_path / "one", url, redis_broker_url, **env)
    two = ServeProcess(tmp_path / "two", url, redis_broker_url, **env)
    try:
        a = await join(two.url, await add_token(store, alice.id, site))
        b = await join(one.url, await add_token(store, bob.id, site), device="bob-1")
        b_two = await join(two.url, await add_token(store, bob.id, site), device="bob-2")
        await a.expect("presence", user=bob.id, device="bob-1", status="online")
        await a.expect("presence", user=bob.id, device="bob-2", status="online")
        # appear offline, chosen through process one: process two applies it (alice, bob's other tab)
        await b.send({"t": "settings", "status": "hidden"})
        assert (await b_two.expect("settings"))["status"] == "hidden"
        assert await gone_dark(a, bob.id, {"bob-1", "bob-2"}) == set()
        # a page load: the new socket on process two is hidden from its very first presence frame
        await b.close()
        await b_two.close()
        b = await join(two.url, await add_token(store, bob.id, site), device="bob-3")
        assert b.welcome["settings"]["status"] == "hidden"
        assert (await a.expect("presence", user=bob.id, device="bob-3"))["status"] == "offline"
        # back online, then "hide me on this site" through process two holds for alice on process one
        await b.send({"t": "settings", "status": "online", "hidden": True})
        a_one = await join(one.url, await add_token(store, alice.id, site))
        assert all(e["user"] != bob.id for e in a_one.welcome["presence"])
        await b.close()
        # a restart of both processes keeps the choice
        await a.close()
        await a_one.close()
        one.stop()
        two.stop()
        one = ServeProcess(tmp_path / "one", url, redis_broker_url, **env)
        two = ServeProcess(tmp_path / "two", url, redis_broker_url, **env)
        a = await join(one.url, await add_token(store, alice.id, site))
        b = await join(two.url, await add_token(store, bob.id, site), device="bob-4")
        assert b.welcome["settings"] == {"status": "online", "hidden": True, "share_title": False, "sound": "site"}
        assert (await a.expect("presence", user=bob.id, device="bob-4"))["status"] == "offline"
    finally:
        one.stop()
        two.stop()
