"""Insight counted by the relay (one process, SQLite): a scripted visit, then the day's numbers in the store;
and /metrics scraped over HTTP after that traffic."""

from __future__ import annotations

import httpx
import pytest

from server.relay.site_counts import page_of, today
from server.store import SiteDay

from .harness import SITE_ORIGIN, Relay, World, join

pytestmark = pytest.mark.anyio


async def visit(relay: Relay, world: World) -> None:
    """alice and bob (friends) on the shop at once, a share of one page to bob and another to bob and dave,
    three text messages; a resend of one share; carol signs in alone on the other site."""
    a = await join(relay, await world.token(world.alice), device="alice-laptop")
    b = await join(relay, await world.token(world.bob), device="bob-phone")
    await a.expect("presence", user=world.bob.id, here=True)
    for text in ("hi", "are you on the shop too?", "look at this"):
        await a.expect("ack", cid=await a.send_text(world.conv, text))
    page = {"url": SITE_ORIGIN + "/p/1?utm_source=mail#reviews", "title": "Boots"}
    share_1 = {"t": "share", "cid": "s1", "to": [world.bob.id], "data": page}
    await b.send({"t": "share", "cid": "s2", "to": [world.alice.id], "data": {"url": SITE_ORIGIN + "/p/2"}})
    await b.expect("ack", cid="s2")
    await a.send(share_1)
    await a.expect("ack", cid="s1")
    await a.send(share_1)  # a resend after a lost ack: stored once, counted once
    await a.expect("ack", cid="s1")
    await a.send({"t": "share", "cid": "s3", "to": [world.bob.id, world.dave.id],
                  "data": {"url": "https://elsewhere.example/secret?id=7"}})
    await a.expect("ack", cid="s3", rest=1)
    await a.expect("ack", cid="s3")
    # alice opens a second tab: still one visitor, still one rendezvous
    again = await join(relay, await world.token(world.alice), device="alice-laptop-2")
    await join(relay, await world.token(world.carol, world.other_site), origin="https://news.example")
    await again.close()


async def test_a_scripted_visit_is_counted(relay: Relay, world: World) -> None:
    await visit(relay, world)
    await relay.app.state.insight.flush()
    day = today()
    assert await relay.store.site_days(world.site, day - 1, day) == [
        SiteDay(day, visitors=2, rendezvous=1, messages=3, shares=3)
    ]
    assert await relay.store.site_top_pages(world.site, day, day) == [
        (SITE_ORIGIN + "/p/1", 1), (SITE_ORIGIN + "/p/2", 1),  # no query, no fragment, no foreign page
    ]
    assert await relay.store.site_days(world.other_site, day, day) == [SiteDay(day, visitors=1)]
    # a second flush adds nothing new (the counts were taken) and a reconnect counts no new visitor
    await join(relay, await world.token(world.bob), device="bob-phone")
    await relay.app.state.insight.flush()
    assert (await relay.store.site_days(world.site, day, day))[0].visitors == 2


def test_pages_are_stripped_and_kept_only_on_the_sites_origins() -> None:
    origins = ("https://shop.example",)
    assert page_of("https://Shop.example/a/b?x=1#y", origins) == "https://shop.example/a/b"
    assert page_of("https://shop.example", origins) == "https://shop.example/"
    assert page_of("https://evil.example/a", origins) == ""
    assert page_of("not a url", origins) == ""
    assert page_of("http://[::1", origins) == ""


async def test_metrics_are_off_by_default(relay: Relay) -> None:
    async with httpx.AsyncClient(base_url=relay.http) as http:
        assert (await http.get("/metrics")).status_code == 404


@pytest.mark.relay_settings(metrics_enabled=True, metrics_token="scrape-me")
async def test_metrics_after_real_traffic(relay: Relay, world: World) -> None:
    await visit(relay, world)
    a = await join(relay, await world.token(world.alice))
    await a.send({"t": "send", "cid": "x", "conv": 999_999, "kind": "text", "text": "nobody's"})
    await a.expect("error", ref="x")
    await a.send("{not json")
    await a.expect("error")
    async with httpx.AsyncClient(base_url=relay.http) as http:
        assert (await http.get("/metrics")).status_code == 401
        assert (await http.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        response = await http.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples = parse(response.text)
    assert samples['parley_connections'] == len(relay.hub.connections()) >= 4
    assert samples['parley_frames_in_total{type="send"}'] == 4
    assert samples['parley_frames_in_total{type="share"}'] == 4
    assert samples['parley_frames_out_total{type="ack"}'] == 3 + 1 + 2 + 2
    assert samples['parley_errors_total{code="forbidden"}'] == 1
    assert samples['parley_errors_total{code="bad_json"}'] == 1
    assert samples['parley_messages_stored_total'] == relay.hub.committer.committed >= 7
    assert samples['parley_ack_latency_seconds_count'] == 8
    assert samples['parley_ack_latency_seconds_bucket{le="+Inf"}'] == 8
    assert 0 < samples['parley_ack_latency_seconds_sum'] < 8
    assert samples['parley_connections_closed_total{code="1000"}'] >= 1
    assert "process_resident_memory_bytes" in samples


def parse(text: str) -> dict[str, float]:
    """Prometheus text format samples: 'name{labels}' -> value (comments skipped)."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out
