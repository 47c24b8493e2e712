"""Links and search in the widget, in real Chromium against the real server, on both runtimes: a link in a
message is drawn as a safe anchor (nothing else becomes markup), and the search screen finds a message far
back in an older group, shows it with its match marked, and opens the conversation scrolled to it."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.async_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import screenshot_path
from tests.browser.widget import visit
from tests.servers import DemoServer

RUNTIMES = ["micropython", "pyodide"]
VIEW = {"viewport": {"width": 1000, "height": 760}}


async def seed(demo: DemoServer, stamp: str) -> str:
    """An older group of alice and bob whose message with the word is followed by 90 more, then newer chat
    in their direct conversation; the group's title."""
    from server.store import open_store

    store = await open_store(f"sqlite+aiosqlite:///{demo.data_dir / 'parley.sqlite3'}")
    try:
        alice = await store.get_user_by_username("alice")
        bob = await store.get_user_by_username("bob")
        assert alice is not None and bob is not None
        title = f"Harbour {stamp[-5:]}"
        group = await store.create_group(alice.id, [bob.id], title)
        text = (f"The lighthouse{stamp} key is under the mat, map: https://maps.example/lh?x=1&y=2). "
                "Not a link: javascript:alert(1) nor <b>bold</b>")
        await store.append_message(group.id, bob.id, f"s{stamp}", "text", text)
        for n in range(90):
            await store.append_message(group.id, bob.id, f"f{stamp}-{n}", "text", f"later message {n}")
        direct = await store.open_direct(alice.id, bob.id)
        await store.append_message(direct.id, bob.id, f"d{stamp}", "text", f"newer chat {stamp}")
        return title
    finally:
        await store.close()


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_search_finds_an_old_message_and_opens_it_with_its_link(
    demo: DemoServer, new_context: Any, runtime: str
) -> None:
    stamp = str(time.time_ns())[-9:]
    title = await seed(demo, stamp)
    alice = await visit(await new_context(**VIEW), demo, runtime)
    await alice.open_signed_in("alice")

    box = alice.frame.get_by_role("searchbox", name="Search your conversations")
    for _ in range(3):  # the header is redrawn while the lists arrive: a click on the one it replaced is lost
        await alice.frame.get_by_role("button", name="Search messages").first.click()
        try:
            await box.wait_for(timeout=5000)
            break
        except PlaywrightTimeout:
            continue
    await box.fill(f"lighthouse{stamp[:4]}")  # typing: the last word matches as a prefix
    hit = alice.frame.get_by_role("button", name=f"{title}, Bob Okafor")
    await hit.wait_for(timeout=15000)
    marked = hit.locator("mark")
    assert await marked.all_text_contents() == [f"lighthouse{stamp}"]
    assert "<b>bold</b>" in (await hit.locator(".p-hit-snippet").text_content() or "")  # text, not markup
    await alice.page.screenshot(path=screenshot_path(f"search-{runtime}"))

    await hit.click()
    found = alice.log.locator("li.p-found").filter(has_text=f"lighthouse{stamp}")
    await found.wait_for(timeout=20000)
    await alice.frame.locator(".p-title").filter(has_text=title).wait_for()
    in_view = await found.evaluate(
        "li => { const log = li.closest('.p-log').getBoundingClientRect(), r = li.getBoundingClientRect();"
        " return r.top >= log.top - 1 && r.bottom <= log.bottom + 1; }"
    )
    assert in_view
    links = found.locator("a")
    assert await links.count() == 1  # javascript: stays text; <b> is text
    link = links.first
    assert await link.get_attribute("href") == "https://maps.example/lh?x=1&y=2"
    assert await link.text_content() == "https://maps.example/lh?x=1&y=2"
    assert await link.get_attribute("target") == "_blank"
    assert await link.get_attribute("rel") == "noopener noreferrer"
    assert await found.locator("b").count() == 0
    await alice.page.screenshot(path=screenshot_path(f"search-opened-{runtime}"))
