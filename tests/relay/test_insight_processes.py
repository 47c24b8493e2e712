"""Insight across two real server processes (PostgreSQL + Redis): a scripted visit whose visitors and
rendezvous are seen by both processes is counted once, then shown to the site's owner suppressed and rounded
(console CSV and JSON), and to nobody else."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from server.relay.site_counts import today
from server.store import SiteDay, Store
from tests.support.oauth_harness import Browser
from tests.support.store_data import make_friends, make_user

from .harness import SITE_ORIGIN, add_token, join
from .processes import ServeProcess
from .test_processes import pg_store, redis_broker_url

pytestmark = pytest.mark.anyio

__all__ = ["pg_store", "redis_broker_url"]  # fixtures shared with test_processes.py
SCOPES = "profile friends messages share"


async def counted(store: Store, site: int, want: SiteDay) -> list[SiteDay]:
    """The site's rows for today once they reach ``want`` (the processes flush every 0.2 s), or as they are."""
    rows: list[SiteDay] = []
    for _ in range(100):
        rows = await store.site_days(site, today(), today())
        if rows == [want]:
            break
        await asyncio.sleep(0.1)
    return rows


def signed_in(server: ServeProcess, username: str) -> Browser:
    browser = Browser(SimpleNamespace(url=server.http))  # type: ignore[arg-type]
    assert browser.sign_in(username, "password-1").status_code == 303
    return browser


@pytest.mark.postgres
@pytest.mark.redis
async def test_a_visit_across_processes_is_counted_once_and_shown_coarsened(
    tmp_path: Path, pg_store: tuple[str, Store], redis_broker_url: str
) -> None:
    url, store = pg_store
    alice, bob, owner, _intruder = [await make_user(store, name) for name in ("alice", "bob", "owner", "intruder")]
    await make_friends(store, alice, bob)
    site = await store.create_site(name="Shop", origins=[SITE_ORIGIN], scopes=SCOPES, owner_id=owner.id,
                                   redirect_uris=[SITE_ORIGIN + "/cb"])
    conv = (await store.open_direct(alice.id, bob.id)).id
    env = {"PARLEY_INSIGHT_FLUSH_S": "0.2"}
    one = ServeProcess(tmp_path / "one", url, redis_broker_url, **env)
    two = ServeProcess(tmp_path / "two", url, redis_broker_url, **env)
    try:
        a_one = await join(one.url, await add_token(store, alice.id, site.id, SCOPES), device="alice-1")
        b_two = await join(two.url, await add_token(store, bob.id, site.id, SCOPES), device="bob-2")
        await a_one.expect("presence", user=bob.id, here=True)  # the rendezvous, seen by process two
        a_two = await join(two.url, await add_token(store, alice.id, site.id, SCOPES), device="alice-2")
        assert any(p["user"] == bob.id and p["here"] for p in a_two.welcome["presence"])  # ...and again by two
        for client in (a_one, a_two, b_two):
            for n in range(2):
                await client.expect("ack", cid=await client.send_text(conv, f"message {n}"))
        await a_one.send({"t": "share", "cid": "s1", "conv": conv, "data": {"url": SITE_ORIGIN + "/p/1?ref=x"}})
        await a_one.expect("ack", cid="s1")
        await b_two.send({"t": "share", "cid": "s2", "conv": conv, "data": {"url": SITE_ORIGIN + "/p/2"}})
        await b_two.expect("ack", cid="s2")

        want = SiteDay(today(), visitors=2, rendezvous=1, messages=6, shares=2)
        assert await counted(store, site.id, want) == [want]  # before suppression, in the store
        assert await store.site_top_pages(site.id, today(), today()) == [
            (SITE_ORIGIN + "/p/1", 1), (SITE_ORIGIN + "/p/2", 1),
        ]

        browser = signed_in(one, "owner")
        try:
            response = browser.get(f"/sites/{site.client_id}/insight.csv")
            assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
            rows = list(csv.DictReader(io.StringIO(response.text)))
            assert len(rows) == 7
            assert rows[-1] == {"date": rows[-1]["date"], "visitors": "<5", "rendezvous": "<5", "messages": "5",
                                "shares": "<5"}
            assert all(row == {**row, "visitors": "0", "messages": "0"} for row in rows[:-1])
            document: dict[str, Any] = browser.get(f"/sites/{site.client_id}/insight.json?days=30").json()
            assert len(document["days"]) == 30
            assert {k: document["days"][-1][k] for k in ("visitors", "rendezvous", "messages", "shares")} == {
                "visitors": "<5", "rendezvous": "<5", "messages": 5, "shares": "<5"}
            assert document["top_pages"] == []  # under 5 shares: not listed
            assert "alice" not in response.text and "alice" not in str(document)
        finally:
            browser.close()
        other = signed_in(two, "intruder")
        try:
            for path in ("/insight", "/insight.csv", "/insight.json"):
                assert other.get(f"/sites/{site.client_id}{path}").status_code == 404
        finally:
            other.close()
    finally:
        one.stop()
        two.stop()
