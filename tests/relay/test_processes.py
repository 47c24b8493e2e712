"""Several real server processes: scale-out on PostgreSQL + Redis, and durability across SIGKILL."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import redis as redis_sync
from sqlalchemy import select

from server.passwords import Passwords
from server.store import Store, open_store, tables
from tests.conftest import service_missing
from tests.support.store_data import create_postgres_database, drop_postgres_database, make_friends, make_user

from .harness import OTHER_ORIGIN, SITE_ORIGIN, add_site, add_token, join
from .processes import ServeProcess

pytestmark = pytest.mark.anyio

REDIS_URL = os.environ.get("PARLEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_broker_url() -> Iterator[str]:
    try:
        redis_sync.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis_sync.RedisError as exc:
        service_missing("Redis", exc)
    prefix = f"relaytest-{secrets.token_hex(6)}"
    yield f"{REDIS_URL}?prefix={prefix}"
    client = redis_sync.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
async def pg_store() -> AsyncIterator[tuple[str, Store]]:
    try:
        url = await create_postgres_database("parley_relay")
    except (OSError, ConnectionError) as exc:
        service_missing("PostgreSQL", exc)
    store = await open_store(url, passwords=Passwords.fast())  # users made here: cheap hashing
    try:
        yield url, store
    finally:
        await store.close()
        await drop_postgres_database(url)


@pytest.mark.postgres
@pytest.mark.redis
async def test_two_processes_behave_as_one(tmp_path: Path, pg_store: tuple[str, Store], redis_broker_url: str) -> None:
    url, store = pg_store
    alice = await make_user(store, "alice")
    bob = await make_user(store, "bob")
    await make_friends(store, alice, bob)
    site = await add_site(store, [SITE_ORIGIN])
    other = await add_site(store, [OTHER_ORIGIN])
    conv = (await store.open_direct(alice.id, bob.id)).id
    env = {"PARLEY_PRESENCE_TTL": "2", "AUTHLIB_INSECURE_TRANSPORT": "1"}  # served over http://127.0.0.1
    one = ServeProcess(tmp_path / "one", url, redis_broker_url, **env)
    two = ServeProcess(tmp_path / "two", url, redis_broker_url, **env)
    try:
        alice_token = await add_token(store, alice.id, site)
        bob_token = await add_token(store, bob.id, site)
        for user in (alice, bob):  # titles are shared only by choice
            await store.update_settings(user.id, site_id=site, share_title=True)
        a = await join(one.url, alice_token, page={"url": SITE_ORIGIN, "title": "Shop"})
        a_far = await join(two.url, await add_token(store, alice.id, other), origin=OTHER_ORIGIN)
        b = await join(two.url, bob_token, page={"url": SITE_ORIGIN + "/x", "title": "Shoes"}, device="bob-1")
        # presence and rendezvous across processes
        seen = await a.expect("presence", user=bob.id, device="bob-1")
        assert seen["status"] == "online" and seen["here"] is True and seen["title"] == "Shoes"
        far = await a_far.expect("presence", user=bob.id, device="bob-1")
        assert far["here"] is False and "title" not in far
        welcome = sorted((e["user"], e["here"], e.get("title") or "") for e in b.welcome["presence"])
        assert welcome == [(alice.id, False, ""), (alice.id, True, "Shop")]
        # messages across processes, to every socket of every member
        cid = await a.send_text(conv, "across")
        ack = await a.expect("ack", cid=cid)
        assert (await b.expect("msg", cid=cid))["pos"] == ack["pos"]
        assert (await a_far.expect("msg", cid=cid))["id"] == ack["id"]
        cid2 = await b.send_text(conv, "back")
        await a.expect("msg", cid=cid2)
        head = (await b.expect("ack", cid=cid2))["pos"]
        # one sign-in revoked through one process closes its socket on the other at once (not after 30 s);
        # alice's other sign-ins stay
        signed_out_token = await add_token(store, alice.id, site)
        signed_out = await join(one.url, signed_out_token, device="alice-2")
        async with store.transaction() as conn:
            client_id = await conn.scalar(select(tables.sites.c.client_id).where(tables.sites.c.id == site))
        async with httpx.AsyncClient() as http:
            answer = await http.post(f"{two.http}/oauth/revoke", headers={"Origin": SITE_ORIGIN},
                                     data={"token": signed_out_token, "client_id": client_id})
        assert answer.status_code == 200
        assert await signed_out.closed(5) == 4010
        await a.send({"t": "ping"})
        await a.expect("pong")
        # a crash: bob's process dies; bob fades out of alice's view within the TTL
        two.kill()
        killed = time.monotonic()
        await a.expect("presence", user=bob.id, device="bob-1", status="offline", timeout=8)
        assert time.monotonic() - killed < 2 + 2 + 1  # TTL + one poll interval + slack
        assert await b.closed(5) == 1006  # the connection just broke: the client reconnects
        # meanwhile alice writes; bob's client resumes on the surviving process and misses nothing
        missed = [await a.send_text(conv, f"while away {i}") for i in range(3)]
        for c in missed:
            await a.expect("ack", cid=c)
        b2 = await join(one.url, bob_token, resume={conv: head}, device="bob-1")
        replayed = [await b2.expect("msg") for _ in range(3)]
        assert [m["cid"] for m in replayed] == missed
        assert [m["pos"] for m in replayed] == [head + 1, head + 2, head + 3]
        await a.expect("presence", user=bob.id, device="bob-1", status="online")
    finally:
        one.stop()
        two.stop()


async def test_every_acked_message_survives_sigkill(tmp_path: Path) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'parley.sqlite3'}"
    store = await open_store(database, passwords=Passwords.fast())
    alice = await make_user(store, "alice")
    bob = await make_user(store, "bob")
    await make_friends(store, alice, bob)
    site = await add_site(store, [SITE_ORIGIN])
    conv = (await store.open_direct(alice.id, bob.id)).id
    token = await add_token(store, alice.id, site)
    await store.close()
    server = ServeProcess(tmp_path / "run", database)
    acked: set[str] = set()
    try:
        a = await join(server.url, token)

        async def stream() -> None:
            for i in range(2000):
                await a.send_text(conv, f"m{i}", cid=f"c{i}")
                if i % 20 == 19:
                    await asyncio.sleep(0.4)  # stay under the rate limit

        async def collect() -> None:
            with contextlib.suppress(Exception):
                while True:
                    frame = await a.recv(10)
                    if frame["t"] == "ack":
                        acked.add(frame["cid"])

        sender = asyncio.create_task(stream())
        reader = asyncio.create_task(collect())
        while len(acked) < 60:
            await asyncio.sleep(0.01)
        server.kill()  # mid-stream, no warning
        await asyncio.wait_for(reader, 15)
        sender.cancel()
        with contextlib.suppress(BaseException):
            await sender
    finally:
        server.kill()
    restarted = ServeProcess(tmp_path / "run", database)
    try:
        store = await open_store(database)
        stored: set[str] = set()
        while True:  # page through everything
            page = await store.messages_after(conv, alice.id, len(stored), 200)
            if not page:
                break
            stored |= {m.client_id for m in page}
        await store.close()
        assert acked, "nothing was acknowledged before the kill"
        assert acked <= stored, f"acknowledged but lost: {sorted(acked - stored)[:5]}"
        b = await join(restarted.url, token)  # the restarted server serves the same conversation
        cid = await b.send_text(conv, "after restart")
        await b.expect("ack", cid=cid)
    finally:
        restarted.stop()
