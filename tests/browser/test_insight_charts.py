"""A site owner sees a week of insight as charts from the console, in real Chromium (the demo's extension
site, owned by alice): the four charts are drawn with bars in proportion to the shown counts, the table says
the same, and a screenshot is kept (test-artifacts/insight.png)."""

from __future__ import annotations

from typing import Any

import pytest

from server.demo_library import EXTENSION_SITE
from server.relay.site_counts import today
from server.store import InsightBatch, open_store
from tests.browser.conftest import screenshot_path
from tests.servers import DemoServer

pytestmark = [pytest.mark.anyio, pytest.mark.browser]
# the demo's second site (also alice's): many browser tests send messages through demo-site today, which would
# change the week's last bar; none before this one goes through demo-ext
SITE = EXTENSION_SITE

# a week of the demo site, oldest day first: visitors, rendezvous, messages, shares
WEEK = [(12, 2, 40, 3), (18, 4, 65, 6), (9, 1, 22, 2), (25, 6, 90, 9), (31, 7, 120, 12), (16, 3, 48, 4),
        (3, 0, 7, 1)]


async def seed_week(demo: DemoServer) -> None:
    store = await open_store(f"sqlite+aiosqlite:///{demo.data_dir / 'parley.sqlite3'}", migrate=False)
    try:
        site = await store.site_by_client_id(SITE)
        assert site is not None
        first = today() - 6
        seen: list[tuple[int, int, str, str]] = []
        messages, shares = {}, {}
        for offset, (visitors, pairs, sent, shared) in enumerate(WEEK):
            day = first + offset
            seen += [(site.id, day, "v", f"chart-v{n:058d}") for n in range(visitors)]
            seen += [(site.id, day, "r", f"chart-r{n:058d}") for n in range(pairs)]
            messages[(site.id, day)] = sent
            shares[(site.id, day)] = shared
        origin = site.origins[0]
        pages = {(site.id, first + 4, origin + "/articles/night-trains"): 9,
                 (site.id, first + 3, origin + "/articles/lanterns"): 6}
        await store.record_insight(InsightBatch(tuple(seen), messages, shares, pages))
    finally:
        await store.close()


async def test_a_week_of_insight_as_charts(demo: DemoServer, new_context: Any) -> None:
    await seed_week(demo)
    context = await new_context(viewport={"width": 1100, "height": 900}, color_scheme="light")
    page = await context.new_page()
    await page.goto(f"{demo.parley_url}/account?next=/sites/{SITE}")
    await page.fill("#si-username", "alice")
    await page.fill("#si-password", "alice-demo-pw")
    await page.click("form[action='/account/signin'] button[type=submit]")
    await page.get_by_role("link", name="Insight: visitors, rendezvous, messages and shares").click()
    await page.wait_for_url(f"**/sites/{SITE}/insight")

    charts = page.get_by_role("img")
    assert await charts.count() == 4
    assert await page.get_by_role("img", name="Signed-in visitors per day").count() == 1
    heights = await page.eval_on_selector_all(
        "#h-messages ~ svg rect.bar", "bars => bars.map(b => b.getBoundingClientRect().height)")
    shown_messages = [40, 65, 20, 90, 120, 50, 5]  # the week's messages as shown (rounded to 5)
    assert len(heights) == 7 and all(h > 0 for h in heights)
    for height, value in zip(heights, shown_messages, strict=True):  # drawn in proportion to the shown count
        assert abs(height / heights[4] - value / 120) < 0.02
    suppressed = await page.eval_on_selector_all("#h-rendezvous ~ svg rect.bar.suppressed", "bars => bars.length")
    assert suppressed == 4  # the days with 1 to 4 rendezvous: <5
    table = page.get_by_role("table").filter(has_text="Per UTC day")
    assert await table.get_by_role("row").count() == 8
    assert "night-trains" in await page.get_by_role("table").filter(has_text="Shares").first.inner_text()
    await page.screenshot(path=str(screenshot_path("insight")), full_page=True)
