"""Network trouble as visitors meet it, in real Chromium: the server restarts mid-conversation, the visitor
goes offline and writes anyway, and two tabs of one visitor stay in step. Nothing is lost or doubled."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import screenshot_path
from tests.browser.widget import Visitor, visit
from tests.servers import DemoServer, start_demo


@pytest.fixture
def own_demo(tmp_path: Path) -> Iterator[DemoServer]:
    """A demo server of this test's own, which it may stop and start again on the same ports and data."""
    server = start_demo(tmp_path / "demo")
    holder = [server]
    yield server
    holder[0].stop()


async def signed_in(new_context: Any, demo: DemoServer, runtime: str, name: str, path: str = "/") -> Visitor:
    visitor = await visit(await new_context(viewport={"width": 1000, "height": 720}), demo, runtime, path)
    await visitor.open_signed_in(name)
    return visitor


async def count_text(visitor: Visitor, text: str) -> int:
    return await visitor.log.get_by_text(text, exact=True).count()


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", ["micropython", "pyodide"])
async def test_server_restart_loses_and_doubles_nothing(own_demo: DemoServer, new_context: Any, runtime: str,
                                                        tmp_path: Path) -> None:
    alice = await signed_in(new_context, own_demo, runtime, "alice")
    bob = await signed_in(new_context, own_demo, runtime, "bob")
    await alice.open_chat_with("Bob Okafor")
    await bob.open_chat_with("Alice Martin")
    stamp = str(time.time_ns())
    await alice.say(f"before {stamp}")
    await bob.log.get_by_text(f"before {stamp}", exact=True).wait_for(timeout=10000)

    own_demo.stop()
    await alice.frame.locator(".p-conn-online").wait_for(state="detached", timeout=15000)
    for n in range(3):  # written while the server is down: kept in the outbox, in order
        await alice.say(f"offline {n} {stamp}")
    await alice.log.get_by_text("Sending…").first.wait_for(timeout=5000)

    restarted = start_demo(own_demo.data_dir, own_demo.port, own_demo.host_port)
    own_demo.process = restarted.process
    for n in range(3):
        await bob.log.get_by_text(f"offline {n} {stamp}", exact=True).wait_for(timeout=30000)
    await alice.log.get_by_text("Sending…").first.wait_for(state="detached", timeout=15000)
    await bob.page.wait_for_timeout(500)
    for visitor in (alice, bob):
        assert await count_text(visitor, f"before {stamp}") == 1
        texts = await visitor.log.locator("li.p-msg").all_inner_texts()
        order = [t for t in texts if f" {stamp}" in t and "offline" in t]
        assert [line.split("\n")[0] for line in order] == [f"offline {n} {stamp}" for n in range(3)]
    await bob.page.screenshot(path=screenshot_path(f"after-restart-{runtime}"))


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", ["micropython", "pyodide"])
async def test_a_returning_visitor_cut_off_at_boot_is_signed_in_once_the_network_is_back(
        demo: DemoServer, new_context: Any, runtime: str) -> None:
    alice = await signed_in(new_context, demo, runtime, "alice")
    await alice.friends.get_by_role("button", name="Bob Okafor").wait_for(timeout=15000)
    context = alice.page.context
    cut: list[str] = []

    async def disconnect(route: Any) -> None:  # the browser meets a real network failure
        cut.append(route.request.url)
        await route.abort("internetdisconnected")

    pattern = re.compile(r"/frame/session/")
    await context.route(pattern, disconnect)
    await alice.page.reload()
    await alice.wait_ready()  # the frame boots without the server's answer (no uncaught error: conftest)
    await alice.open()
    assert cut, "the silent sign-in was not attempted"
    await alice.frame.get_by_role("button", name="Sign in").wait_for(timeout=10000)  # signed out for now
    await context.unroute(pattern, disconnect)
    # the frame retries in the background (after 1 s, then 2 s, ...): signed in again without a reload
    await alice.friends.get_by_role("button", name="Bob Okafor").wait_for(timeout=15000)
    assert await alice.frame.get_by_role("button", name="Sign in").count() == 0


@pytest.mark.anyio
async def test_offline_visitor_keeps_writing_and_catches_up(demo: DemoServer, new_context: Any) -> None:
    alice = await signed_in(new_context, demo, "micropython", "alice")
    bob = await signed_in(new_context, demo, "micropython", "bob")
    await alice.open_chat_with("Bob Okafor")
    await bob.open_chat_with("Alice Martin")
    stamp = str(time.time_ns())
    await alice.page.context.set_offline(True)
    await alice.frame.locator(".p-conn-online").wait_for(state="detached", timeout=20000)
    await alice.say(f"from the tunnel {stamp}")
    await bob.say(f"while you were away {stamp}")
    await alice.log.get_by_text("Sending…").first.wait_for(timeout=5000)
    await alice.page.context.set_offline(False)
    await bob.log.get_by_text(f"from the tunnel {stamp}", exact=True).wait_for(timeout=30000)
    await alice.log.get_by_text(f"while you were away {stamp}", exact=True).wait_for(timeout=30000)
    assert await count_text(bob, f"from the tunnel {stamp}") == 1
    assert await count_text(alice, f"while you were away {stamp}") == 1


@pytest.mark.anyio
async def test_two_tabs_stay_in_step(demo: DemoServer, new_context: Any) -> None:
    context = await new_context(viewport={"width": 1000, "height": 720})
    first = await visit(context, demo, "micropython")
    await first.open_signed_in("alice")
    second = await visit(context, demo, "micropython", "/?page=2")
    await second.open()
    await second.friends.wait_for(timeout=20000)  # same browser, same site: already signed in
    bob = await signed_in(new_context, demo, "micropython", "bob")

    # bob sees alice once on this site, however many tabs she has open
    await bob.here.get_by_role("button", name="Alice Martin").wait_for(timeout=15000)
    assert await bob.here.get_by_role("button", name="Alice Martin").count() == 1

    stamp = str(time.time_ns())
    await bob.open_chat_with("Alice Martin")
    await bob.say(f"ping {stamp}")
    unread = second.friends.get_by_role("button", name=re.compile(r"^Bob Okafor, Online, \d+ unread$"))
    await unread.wait_for(timeout=15000)
    await first.open_chat_with("Bob Okafor")  # reading in one tab clears the count in the other
    await second.friends.get_by_role("button", name="Bob Okafor, Online", exact=True).wait_for(timeout=15000)
    assert await unread.count() == 0
    await first.say(f"pong {stamp}")
    await second.open_chat_with("Bob Okafor")  # what one tab sent shows in the other
    await second.log.get_by_text(f"pong {stamp}", exact=True).wait_for(timeout=15000)


@pytest.mark.anyio
async def test_keyboard_only(demo: DemoServer, new_context: Any) -> None:
    alice = await signed_in(new_context, demo, "micropython", "alice")
    page = alice.page
    await page.keyboard.press("Escape")  # closes the panel
    await page.get_by_role("button", name="Open chat").wait_for()
    await page.locator("body").focus()
    for _ in range(12):  # tab from the page to the launcher
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement?.tagName") == "PARLEY-LAUNCHER":
            break
    assert await page.evaluate("document.activeElement?.tagName") == "PARLEY-LAUNCHER"
    await page.keyboard.press("Enter")
    await alice.friends.wait_for()
    # focus moves into the panel; Tab reaches the friend, Enter opens the conversation
    for _ in range(20):
        await page.keyboard.press("Tab")
        label = await alice.frame.locator(":focus").get_attribute("aria-label")
        if label and label.startswith("Bob Okafor"):
            break
    await page.keyboard.press("Enter")
    await alice.message_box.wait_for()
    stamp = str(time.time_ns())
    await page.keyboard.type(f"typed with keys {stamp}")
    await page.keyboard.press("Shift+Enter")
    await page.keyboard.type("second line")
    await page.keyboard.press("Enter")
    await alice.log.get_by_text(f"typed with keys {stamp}\nsecond line").wait_for(timeout=10000)
    await page.keyboard.press("Escape")
    await page.get_by_role("button", name="Open chat").wait_for()
    assert not await page.locator("iframe[title='Parley chat']").is_visible()
