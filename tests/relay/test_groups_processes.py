"""Groups across real server processes (PostgreSQL + Redis): a change made through one process reaches the
members on the other, and every process fans later messages out to the members as they are now."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.store import Store
from tests.support.store_data import make_friends, make_user

from .harness import SITE_ORIGIN, add_site, add_token, join
from .processes import ServeProcess
from .test_groups import seen_all
from .test_processes import pg_store, redis_broker_url

pytestmark = pytest.mark.anyio

__all__ = ["pg_store", "redis_broker_url"]  # fixtures shared with test_processes.py


@pytest.mark.postgres
@pytest.mark.redis
async def test_members_added_and_removed_through_either_process(
    tmp_path: Path, pg_store: tuple[str, Store], redis_broker_url: str
) -> None:
    url, store = pg_store
    alice, bob, carol = [await make_user(store, name) for name in ("alice", "bob", "carol")]
    await make_friends(store, alice, bob)
    await make_friends(store, alice, carol)
    site = await add_site(store, [SITE_ORIGIN])
    env = {"AUTHLIB_INSECURE_TRANSPORT": "1"}
    one = ServeProcess(tmp_path / "one", url, redis_broker_url, **env)
    two = ServeProcess(tmp_path / "two", url, redis_broker_url, **env)
    try:
        a_one = await join(one.url, await add_token(store, alice.id, site))
        a_two = await join(two.url, await add_token(store, alice.id, site))
        b_two = await join(two.url, await add_token(store, bob.id, site))
        c_one = await join(one.url, await add_token(store, carol.id, site))

        await a_one.send({"t": "group", "rid": "new", "op": "create", "users": [bob.id], "title": "Two"})
        conv = (await seen_all(a_one, ("done", {"rid": "new"})))[0]["conv"]
        await seen_all(b_two, ("msg", {"conv": conv, "pos": 1}), ("conversation", {"conv": conv}))
        cid = await b_two.send_text(conv, "process two caches the members now")
        await seen_all(a_one, ("msg", {"cid": cid}))

        # carol is added through process one; bob's process learns it before bob sees the change
        await a_one.send({"t": "group", "rid": "add", "op": "add", "conv": conv, "users": [carol.id]})
        await seen_all(a_one, ("done", {"rid": "add"}))
        await seen_all(c_one, ("msg", {"conv": conv, "pos": 3}), ("conversation", {"conv": conv}))
        await seen_all(b_two, ("msg", {"conv": conv, "pos": 3}), ("conversation", {"conv": conv}))
        cid = await b_two.send_text(conv, "welcome carol")
        assert (await seen_all(c_one, ("msg", {"cid": cid})))[0]["pos"] == 4  # live, sent through process two

        # carol is removed through process two: her socket on process one is told she is gone
        await a_two.send({"t": "group", "rid": "out", "op": "remove", "conv": conv, "user": carol.id})
        await seen_all(a_two, ("done", {"rid": "out"}))
        removed = (await seen_all(c_one, ("msg", {"conv": conv, "pos": 5})))[0]
        assert removed["data"] == {"event": "removed", "users": [carol.id]}
        assert await c_one.expect("resync") == {"t": "resync", "conv": conv, "reason": "gone"}
        await seen_all(a_one, ("msg", {"conv": conv, "pos": 5}), ("conversation", {"conv": conv}))
        for sender in (a_one, b_two):  # neither process still counts carol in
            cid = await sender.send_text(conv, "after carol")
            await seen_all(a_two, ("msg", {"cid": cid}))
        assert await c_one.quiet(("msg",)) == []
        back = await join(one.url, await add_token(store, carol.id, site), resume={conv: 4})
        assert await back.expect("resync") == {"t": "resync", "conv": conv, "reason": "gone"}

        # process two keeps a member list cached with nobody of the group connected there: a change it is not
        # told about (no member's channel) must not leave it stale once bob is back
        await a_two.close()
        await b_two.close()
        await a_one.send({"t": "group", "rid": "again", "op": "add", "conv": conv, "users": [carol.id]})
        await seen_all(c_one, ("msg", {"conv": conv, "pos": 8}), ("conversation", {"conv": conv}))
        b_back = await join(two.url, await add_token(store, bob.id, site))
        cid = await b_back.send_text(conv, "carol again")
        assert (await seen_all(c_one, ("msg", {"cid": cid})))[0]["pos"] == 9
    finally:
        one.stop()
        two.stop()
