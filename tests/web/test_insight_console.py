"""The console's insight for a site: charts, table and downloads for its owner, coarsened; nothing for anyone
else (IDOR on every route); the privacy rule itself."""

from __future__ import annotations

import csv
import io

import pytest

from server.insight.privacy import shown
from server.relay.site_counts import today
from server.store import InsightBatch
from tests.support.oauth_harness import Browser, LiveServer

ROUTES = ("/insight", "/insight.csv", "/insight.json", "/insight?days=30", "/insight.csv?days=30")


def seed_week(server: LiveServer, client_id: str) -> None:
    """Counts for today and the day before, and shares of two pages (6 and 2 shares)."""
    day = today()

    async def record(store):  # type: ignore[no-untyped-def]
        site = await store.site_by_client_id(client_id)
        seen = tuple((site.id, day, "v", f"{n:064x}") for n in range(3))
        seen += tuple((site.id, day - 1, "v", f"{n:064x}") for n in range(8))
        await store.record_insight(InsightBatch(
            seen=seen, messages={(site.id, day): 12, (site.id, day - 1): 1}, shares={(site.id, day): 8},
            pages={(site.id, day, "https://one.example/popular"): 6, (site.id, day - 1, "https://one.example/rare"): 2},
        ))

    server.run(record)


@pytest.mark.parametrize(("count", "expected"), [
    (0, 0), (1, "<5"), (4, "<5"), (5, 5), (7, 5), (8, 10), (12, 10), (13, 15), (102, 100),
])
def test_small_counts_are_suppressed_and_others_rounded(count: int, expected: object) -> None:
    assert shown(count) == expected


def test_the_owner_sees_a_week_coarsened(web_server: LiveServer, browser: Browser, username: str) -> None:
    browser.sign_up(username)
    client_id = browser.register_site("Insightful", ["https://one.example"])
    assert f'href="/sites/{client_id}/insight"' in browser.get(f"/sites/{client_id}").text
    seed_week(web_server, client_id)

    page = browser.get(f"/sites/{client_id}/insight")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "private, no-store"
    assert page.text.count('<svg class="chart"') == 4 and page.text.count('role="img"') == 4
    assert page.text.count('<rect class="bar') == 4 * 7
    assert 'class="bar suppressed"' in page.text  # today's 3 visitors
    assert "https://one.example/popular" in page.text and "https://one.example/rare" not in page.text
    assert 'aria-current="page">Last 7 days' in page.text

    rows = list(csv.DictReader(io.StringIO(browser.get(f"/sites/{client_id}/insight.csv").text)))
    assert [(r["visitors"], r["messages"], r["shares"]) for r in rows[-2:]] == [("10", "<5", "0"), ("<5", "10", "10")]
    assert all(r["visitors"] == "0" for r in rows[:-2]) and len(rows) == 7
    document = browser.get(f"/sites/{client_id}/insight.json?days=30").json()
    assert len(document["days"]) == 30
    assert document["top_pages"] == [{"url": "https://one.example/popular", "shares": 5}]
    assert document["privacy"]["suppressed_below"] == 5
    assert len(list(csv.reader(io.StringIO(browser.get(f"/sites/{client_id}/insight.csv?days=99").text)))) == 8


def test_another_owner_gets_nothing_of_a_sites_insight(web_server: LiveServer, browser: Browser,
                                                        username: str) -> None:
    browser.sign_up(username)
    client_id = browser.register_site("Mine", ["https://one.example"])
    seed_week(web_server, client_id)
    intruder = Browser(web_server)
    stranger = Browser(web_server)
    try:
        intruder.sign_up(username + "x")
        own = intruder.register_site("Theirs", ["https://two.example"])
        for route in ROUTES:
            response = intruder.get(f"/sites/{client_id}{route}")
            assert response.status_code == 404, route
            assert "popular" not in response.text and "<svg" not in response.text
            assert intruder.get(f"/sites/{own}{route}").status_code == 200  # their own site works
            signed_out = stranger.get(f"/sites/{client_id}{route}")
            assert signed_out.status_code in (303, 401) and "popular" not in signed_out.text
        assert stranger.get(f"/sites/{client_id}/insight").headers["location"].startswith("/account?next=")
        # changing the site is refused too: the owner's page is unchanged
        intruder.post(f"/sites/{client_id}", {
            "csrf_token": intruder.csrf("/sites"), "name": "Taken", "origins": "https://evil.example",
            "redirect_uris": "", "scopes": ["profile"], "theme": "auto", "runtime": "micropython",
        })
        assert "Taken" not in browser.get(f"/sites/{client_id}").text
        assert "Mine" in browser.get(f"/sites/{client_id}/insight").text
    finally:
        intruder.close()
        stranger.close()
