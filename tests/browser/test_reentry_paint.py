"""A re-entry paints the panel as the visitor left it before the widget's Python is up (issue 14): the place the
last page kept carries the panel's last drawing, and client/static/paint.js paints it with a live message box.
What the visitor types there before Python is up is not lost: a message sent with Enter is sent (once,
acknowledged) by the live widget, and the rest stays in the box. Copy-paste: the frame's storage is refused
here (third-party storage blocked), so the place comes from the server in the frame page; nothing reaches the
host page. Inline: the page's own sessionStorage, painted by the page's paint.js before its PyScript."""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

import pytest

from tests.browser.test_visit import REFUSE_STORAGE, RUNTIMES, Inline
from tests.browser.widget import sign_in_inline, visit
from tests.servers import DemoServer


def keeps_a_drawn_chat(request: Any) -> bool:
    """Whether a request keeps (on the server) a place whose drawing shows a conversation."""
    if not request.url.endswith("/frame/session/kept") or not request.post_data:
        return False
    try:
        place = json.loads(json.loads(request.post_data).get("place") or "{}")
    except ValueError:
        return False
    return isinstance(place.get("paint"), dict) and place["paint"].get("screen") == "chat"


async def hold_interpreters(context: Any) -> asyncio.Event:
    """From now on the interpreters' wasm waits for the event: the next page's Python is not up until set."""
    released = asyncio.Event()

    async def hold(route: Any) -> None:
        await released.wait()
        await route.continue_()

    await context.route(re.compile(r"\.wasm$"), hold)
    return released


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_what_is_typed_in_the_painted_panel_is_sent_and_kept_by_the_live_widget(
        demo: DemoServer, new_context: Any, runtime: str) -> None:
    context = await new_context(viewport={"width": 1000, "height": 720})
    await context.add_init_script(REFUSE_STORAGE % demo.parley_url)
    alice = await visit(context, demo, runtime)
    await alice.open_signed_in("alice")
    async with alice.page.expect_request(keeps_a_drawn_chat, timeout=15000):
        await alice.open_chat_with("Bob Okafor")  # the drawing is kept a moment after the panel settles

    released = await hold_interpreters(context)
    await alice.page.get_by_role("navigation", name="Site").get_by_role("link", name="Science").click()
    root = alice.frame.locator("#parley-root")
    await alice.frame.locator("#parley-root[data-state=painted]").wait_for(timeout=15000)
    assert await root.get_attribute("data-screen") == "chat"
    assert await alice.frame.locator("#p-title").text_content() == "Bob Okafor"
    await alice.page.get_by_role("button", name="Close chat").wait_for()  # the host shows the panel open
    stamp = str(time.time_ns())
    await alice.message_box.fill(f"sent before Python {stamp}")
    await alice.message_box.press("Enter")
    await alice.log.get_by_text(f"sent before Python {stamp}", exact=True).wait_for()  # shown at once
    await alice.message_box.fill(f"still a draft {stamp}")
    assert await root.get_attribute("data-state") == "painted"  # all of it before the widget was live

    released.set()
    await alice.wait_ready()
    await alice.frame.locator("#parley-root[data-state=ready]").wait_for()
    sent = alice.log.get_by_text(f"sent before Python {stamp}", exact=True)
    await sent.wait_for()
    await alice.log.get_by_text("Sending…").first.wait_for(state="detached", timeout=20000)  # acknowledged
    assert await sent.count() == 1
    assert await alice.message_box.input_value() == f"still a draft {stamp}"
    host_storage = await alice.page.evaluate("JSON.stringify(sessionStorage) + JSON.stringify(localStorage)")
    assert stamp not in host_storage

    bob = await visit(await new_context(viewport={"width": 1000, "height": 720}), demo, runtime)
    await bob.open_signed_in("bob")
    await bob.open_chat_with("Alice Martin")
    await bob.log.get_by_text(f"sent before Python {stamp}", exact=True).wait_for()  # stored, delivered once
    assert await bob.log.get_by_text(f"sent before Python {stamp}", exact=True).count() == 1


KEPT_DRAWN_CHAT = """() => {
  try { const place = JSON.parse(sessionStorage.getItem('parley.place.demo-site'));
        return !!(place.paint && place.paint.screen === 'chat'); } catch (e) { return false; }
}"""


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_inline_the_painted_panel_takes_input_before_python_and_the_live_widget_sends_it(
        demo: DemoServer, new_context: Any, runtime: str) -> None:
    context = await new_context(viewport={"width": 1100, "height": 760})
    page = await context.new_page()
    await page.goto(f"{demo.host_url}/inline?runtime={runtime}")
    alice = Inline(page)
    await alice.ready()
    await sign_in_inline(page, "alice")
    await alice.friends.get_by_role("button", name="Bob Okafor").first.click()
    await alice.message_box.wait_for()
    await page.wait_for_function(KEPT_DRAWN_CHAT, timeout=15000)  # kept a moment after the panel settles

    released = await hold_interpreters(context)
    await page.get_by_role("navigation", name="Shop").get_by_role("link", name="Lanterns").click()
    root = alice.chat.locator("#parley-root")
    await alice.chat.locator("#parley-root[data-state=painted]").wait_for(timeout=15000)
    assert await root.get_attribute("data-screen") == "chat"
    assert await alice.chat.locator(".p-title").inner_text() == "Bob Okafor"
    stamp = str(time.time_ns())
    await alice.message_box.fill(f"inline before Python {stamp}")
    await alice.message_box.press("Enter")
    await alice.log.get_by_text(f"inline before Python {stamp}", exact=True).wait_for()
    await alice.message_box.fill(f"inline draft {stamp}")
    assert await root.get_attribute("data-state") == "painted"

    released.set()
    await alice.ready()
    assert await page.locator("parley-inline").count() == 1  # the painted panel was taken over, not doubled
    sent = alice.log.get_by_text(f"inline before Python {stamp}", exact=True)
    await sent.wait_for()
    await alice.log.get_by_text("Sending…").first.wait_for(state="detached", timeout=20000)  # acknowledged
    assert await sent.count() == 1
    assert await alice.message_box.input_value() == f"inline draft {stamp}"
    bob = await visit(await new_context(viewport={"width": 1000, "height": 720}), demo, runtime)
    await bob.open_signed_in("bob")
    await bob.open_chat_with("Alice Martin")
    await bob.log.get_by_text(f"inline before Python {stamp}", exact=True).wait_for()
    assert await bob.log.get_by_text(f"inline before Python {stamp}", exact=True).count() == 1


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_what_the_live_widget_cannot_send_from_the_painted_panel_is_not_dropped_silently(
        demo: DemoServer, new_context: Any, runtime: str) -> None:
    """The next page paints the group alice had open, but she was removed from it meanwhile (the live widget
    learns it from the sign-in's lists): what she sent and typed in the painted box is not sent, nothing reaches
    the group, and the live widget says so instead of dropping it silently."""
    import sqlite3

    from server.store import open_store

    stamp = str(time.time_ns())
    title = f"Painted {runtime} {stamp[-6:]}"
    database = demo.data_dir / "parley.sqlite3"
    store = await open_store(f"sqlite+aiosqlite:///{database}")
    try:
        alice_user = await store.get_user_by_username("alice")
        bob_user = await store.get_user_by_username("bob")
        assert alice_user is not None and bob_user is not None
        group = await store.create_group(bob_user.id, [alice_user.id], title)
    finally:
        await store.close()

    context = await new_context(viewport={"width": 1000, "height": 720})
    await context.add_init_script(REFUSE_STORAGE % demo.parley_url)
    alice = await visit(context, demo, runtime)
    await alice.open_signed_in("alice")
    async with alice.page.expect_request(keeps_a_drawn_chat, timeout=15000):
        await alice.frame.get_by_role("list", name="Groups").get_by_role("button").filter(has_text=title).click()

    store = await open_store(f"sqlite+aiosqlite:///{database}")  # behind the relay's back: this page never knows
    try:
        await store.remove_from_group(group.id, bob_user.id, alice_user.id)
    finally:
        await store.close()
    released = await hold_interpreters(context)
    await alice.page.get_by_role("navigation", name="Site").get_by_role("link", name="Science").click()
    await alice.frame.locator("#parley-root[data-state=painted][data-screen=chat]").wait_for(timeout=15000)
    await alice.message_box.fill(f"too late {stamp}")
    await alice.message_box.press("Enter")
    await alice.message_box.fill(f"typed too {stamp}")

    released.set()
    await alice.frame.locator("#parley-root[data-state=ready]").wait_for(timeout=90000)
    await alice.frame.get_by_role("status").filter(has_text="was not sent").wait_for(timeout=15000)
    assert await alice.frame.locator("#parley-root").get_attribute("data-screen") == "home"
    with sqlite3.connect(database) as db:
        stored = db.execute("SELECT count(*) FROM messages WHERE text LIKE ?", (f"%{stamp}%",)).fetchone()[0]
    assert stored == 0
