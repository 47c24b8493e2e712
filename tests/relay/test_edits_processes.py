"""Edits, deletions and reactions across real server processes (PostgreSQL + Redis): a change made through one
process reaches the members' sockets on the other, and a socket that was away resumes the current state
from either process."""

from __future__ import annotations

from pathlib import Path

import pytest
from parley import protocol as P

from server.store import Store
from tests.support.store_data import make_friends, make_user

from .harness import SITE_ORIGIN, Client, add_site, add_token, join, open_socket
from .processes import ServeProcess
from .test_groups import seen_all
from .test_processes import pg_store, redis_broker_url

pytestmark = pytest.mark.anyio

__all__ = ["pg_store", "redis_broker_url"]  # fixtures shared with test_processes.py


@pytest.mark.postgres
@pytest.mark.redis
async def test_changes_cross_processes_and_resume(
    tmp_path: Path, pg_store: tuple[str, Store], redis_broker_url: str
) -> None:
    url, store = pg_store
    alice, bob = [await make_user(store, name) for name in ("alice", "bob")]
    await make_friends(store, alice, bob)
    conv = (await store.open_direct(alice.id, bob.id)).id
    site = await add_site(store, [SITE_ORIGIN])
    env = {"AUTHLIB_INSECURE_TRANSPORT": "1"}
    one = ServeProcess(tmp_path / "one", url, redis_broker_url, **env)
    two = ServeProcess(tmp_path / "two", url, redis_broker_url, **env)
    try:
        a_one = await join(one.url, await add_token(store, alice.id, site))
        b_two = await join(two.url, await add_token(store, bob.id, site))
        cid = await a_one.send_text(conv, "typo here")
        ack = (await seen_all(a_one, ("ack", {"cid": cid})))[0]
        await seen_all(b_two, ("msg", {"cid": cid}))

        await a_one.send(P.make_edit("e", conv, ack["id"], "no typo here"))
        changed = (await seen_all(b_two, ("changed", {"change": 1})))[0]
        assert changed["message"]["text"] == "no typo here" and changed["message"]["edited"]
        await b_two.send(P.make_react("r", conv, ack["id"], P.REACTIONS[2]))
        changed = (await seen_all(a_one, ("changed", {"change": 2})))[0]
        assert changed["message"]["reactions"] == [{"emoji": P.REACTIONS[2], "users": [bob.id]}]
        await b_two.close()

        await a_one.send(P.make_delete("d", conv, ack["id"]))
        await seen_all(a_one, ("done", {"rid": "d"}), ("changed", {"change": 3}))
        back = Client(await open_socket(one.url, SITE_ORIGIN))
        await back.send(P.make_hello(await add_token(store, bob.id, site), resume={conv: 1}, changes={conv: 2}))
        changed = await back.expect("changed")
        assert changed["resumed"] is True and changed["message"]["deleted"] is True
        assert "typo" not in str(back.seen)
    finally:
        one.stop()
        two.stop()
