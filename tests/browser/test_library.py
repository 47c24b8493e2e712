"""The Python library in real Chromium, on both runtimes: the documented examples (docs/examples/) loaded
inline by a developer's PyScript page (`import parley`, mounted in a shadow root) and as extensions of the
copy-paste widget (site settings), talking to each other. A deliberately broken extension is disabled and
reported in the console while the widget carries on."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.async_api import Locator, expect

from tests.browser.conftest import screenshot_path
from tests.browser.widget import sign_in_inline, visit
from tests.servers import DemoServer

RUNTIMES = ["micropython", "pyodide"]


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_examples_inline_and_as_extensions(demo: DemoServer, new_context: Any, runtime: str) -> None:
    # bob: a developer's page with the widget mounted inline and the examples loaded by `import parley`
    bob_context = await new_context(viewport={"width": 1100, "height": 760})
    bob = await bob_context.new_page()
    await bob.goto(f"{demo.host_url}/inline?runtime={runtime}")
    chat = bob.locator("#chat")
    await chat.locator("#parley-root[data-state=ready]").wait_for(timeout=60000)
    assert await chat.locator("#parley-root").get_attribute("data-mode") == "inline"
    await sign_in_inline(bob, "bob")

    # alice: the copy-paste widget of a site whose settings list the examples (and a broken module)
    alice_context = await new_context(viewport={"width": 1100, "height": 760})
    console: list[str] = []
    alice_context.on("console", lambda message: console.append(message.text))
    alice = await visit(alice_context, demo, runtime, "/?site=demo-ext&page=2")
    await alice.open()
    await alice.sign_in("alice")
    assert any(re.search(r"extension .*/ext/broken\.py disabled", line) for line in console), console

    await alice.open_chat_with("Bob Okafor")
    await chat.get_by_role("list", name="Friends").get_by_role("button", name="Alice Martin").first.click()
    bob_box = chat.get_by_role("textbox", name="Message")
    await bob_box.wait_for()
    bob_log = chat.get_by_role("log", name="Messages")

    stamp = str(time.time_ns())  # a first exchange both ways: history is loaded on both sides after it
    await alice.say(f"hello {stamp}")
    await bob_log.get_by_text(f"hello {stamp}").wait_for(timeout=15000)
    await bob_box.fill(f"hi {stamp}")
    await bob_box.press("Enter")
    await alice.log.get_by_text(f"hi {stamp}").wait_for(timeout=15000)

    # slash command as an extension (alice) and inline (bob)
    bob_rolls = bob_log.get_by_text(re.compile(r"^Rolled 2d6: \d+ \+ \d+ = \d+$"))
    alice_rolls = alice.log.get_by_text(re.compile(r"^Rolled 1d20: \d+$"))
    before = await bob_rolls.count(), await alice_rolls.count()
    await alice.say("/roll 2d6")
    await expect(bob_rolls).to_have_count(before[0] + 1, timeout=15000)
    await bob_box.fill("/roll d20")
    await bob_box.press("Enter")
    await expect(alice_rolls).to_have_count(before[1] + 1, timeout=15000)
    await bob_box.fill("/roll banana")  # a bad spec shows a hint and sends nothing
    await bob_box.press("Enter")
    await chat.get_by_text("/roll: write it like 2d6").wait_for(timeout=5000)

    # composer action + custom card: alice shares the featured product, both draw it from data
    cards: list[Locator] = [log.locator("[data-card=product]") for log in (alice.log, bob_log)]
    counts = [await card.count() for card in cards]
    await alice.frame.get_by_role("button", name="Share a product").click()
    for all_cards, count in zip(cards, counts, strict=True):
        await expect(all_cards).to_have_count(count + 1, timeout=15000)
        card = all_cards.last
        assert "€49.90" in (await card.inner_text())
        assert "Brass storm lantern" in (await card.inner_text())
        assert (await card.locator("img").get_attribute("src") or "").startswith(demo.host_url + "/ext/")
        assert await card.locator("a").get_attribute("rel") == "noopener noreferrer nofollow"

    # page integration (inline): alice shares the page she is on; bob's page says so and highlights its link
    await alice.frame.get_by_role("button", name="Share this page").click()
    await expect(bob.locator("#parley-shared")).to_have_text("Alice Martin shared “Why the sea glows” with you",
                                                             timeout=15000)
    assert "parley-highlight" in (await bob.get_by_role("link", name="Science").get_attribute("class") or "")
    assert "parley-highlight" not in (await bob.get_by_role("link", name="Front page").get_attribute("class") or "")

    await alice.say(f"still working {stamp}")  # the broken extension never stopped the widget
    await bob_log.get_by_text(f"still working {stamp}").wait_for(timeout=10000)
    await bob.screenshot(path=screenshot_path(f"library-inline-{runtime}"))
    await alice.page.screenshot(path=screenshot_path(f"library-extensions-{runtime}"))
