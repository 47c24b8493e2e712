"""People across real server processes (PostgreSQL + Redis): a friendship made through one process reaches
the other person's sockets on the other process with presence, and a block there ends presence both ways at
once (fails without the F payload)."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.store import Store
from tests.support.store_data import make_user

from .harness import SITE_ORIGIN, add_site, add_token, join
from .processes import ServeProcess
from .test_groups import seen_all
from .test_processes import pg_store, redis_broker_url

pytestmark = pytest.mark.anyio

__all__ = ["pg_store", "redis_broker_url"]  # fixtures shared with test_processes.py
SCOPES = "profile friends messages share people"


@pytest.mark.postgres
@pytest.mark.redis
async def test_friendship_and_block_across_processes(
    tmp_path: Path, pg_store: tuple[str, Store], redis_broker_url: str
) -> None:
    url, store = pg_store
    alice, carol = [await make_user(store, name) for name in ("alice", "carol")]
    site = await add_site(store, [SITE_ORIGIN], SCOPES)
    env = {"AUTHLIB_INSECURE_TRANSPORT": "1"}
    one = ServeProcess(tmp_path / "one", url, redis_broker_url, **env)
    two = ServeProcess(tmp_path / "two", url, redis_broker_url, **env)
    try:
        a_one = await join(one.url, await add_token(store, alice.id, site, SCOPES), device="alice-1")
        c_two = await join(two.url, await add_token(store, carol.id, site, SCOPES), device="carol-2")

        # an invite made through process one is accepted through process two
        await a_one.send({"t": "invite", "rid": "i1", "op": "create", "url": SITE_ORIGIN + "/p/1"})
        code = (await seen_all(a_one, ("invites", {"rid": "i1"})))[0]["invites"][0]["code"]
        await c_two.send({"t": "invite", "rid": "i2", "op": "accept", "code": code})
        conv = (await seen_all(c_two, ("done", {"rid": "i2", "rel": "friends"})))[0]["conv"]
        await seen_all(a_one, ("friendship", {"user": {"id": carol.id, "username": "carol", "name": "Carol"},
                                              "rel": "friends"}))
        await seen_all(a_one, ("presence", {"user": carol.id, "device": "carol-2", "status": "online"}))
        await seen_all(c_two, ("presence", {"user": alice.id, "device": "alice-1", "status": "online"}))
        cid = await c_two.send_text(conv, "hello through process two")
        await seen_all(a_one, ("msg", {"cid": cid}))

        # a block through process two ends presence on both processes at once
        await c_two.send({"t": "friend", "rid": "b1", "op": "block", "user": alice.id})
        await seen_all(c_two, ("done", {"rid": "b1", "rel": "blocked"}))
        await seen_all(a_one, ("friendship", {"user": {"id": carol.id, "username": "carol", "name": "Carol"},
                                              "rel": "none"}))
        await seen_all(a_one, ("presence", {"user": carol.id, "device": "carol-2", "status": "offline"}))
        await seen_all(c_two, ("presence", {"user": alice.id, "device": "alice-1", "status": "offline"}))
        await a_one.send({"t": "presence", "status": "away"})
        assert not [f for f in await c_two.quiet(("presence",), 0.5) if f["user"] == alice.id]
        cid = await a_one.send_text(conv, "still there?")
        assert (await a_one.expect("error", ref=cid))["code"] == "forbidden"
    finally:
        one.stop()
        two.stop()
