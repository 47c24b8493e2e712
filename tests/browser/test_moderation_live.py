"""Moderation end to end, in real Chromium against the real server, on both runtimes: a message is reported from
its action menu in the widget (by keyboard), the site's owner sees the report with the message's copy in the
console and bans its writer; the writer's widget on that site says so at once (no reload) and again on a reload
(the refused silent sign-in) and in a new browser (the popup's sign-in refused), while the same person on another
site of the same host keeps chatting."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import screenshot_path
from tests.browser.test_console_preview import SITE, sign_in_console
from tests.browser.widget import Visitor, sign_in_popup, visit
from tests.servers import DemoServer

RUNTIMES = ["micropython", "pyodide"]
VIEW = {"viewport": {"width": 1000, "height": 760}}
BANNED = "You can't use chat on this site."


def moderation_url(demo: DemoServer) -> str:
    return f"{demo.parley_url}/sites/{SITE}/moderation"


async def report_by_keyboard(visitor: Visitor, text: str) -> None:
    """Open the action menu of the message reading `text` and report it as spam, from the keyboard only."""
    item = visitor.log.locator(".p-msg").filter(has_text=text)
    await item.get_by_role("button", name="Message actions").press("Enter")
    menu = item.get_by_role("group", name="Message actions")
    report = menu.get_by_role("button", name="Report this message")
    await expect(menu.get_by_role("button").first).to_be_focused()  # the open menu takes the focus
    await report.press("Enter")
    dialog = visitor.frame.get_by_role("dialog", name="Report this message")
    await dialog.get_by_role("button", name="Spam").press("Enter")
    await visitor.frame.get_by_role("status").filter(has_text="Thanks, the site's owners will look at it.").wait_for(
        timeout=15000)


async def allow_site(visitor: Visitor) -> None:
    """Sign in to another site from a browser already signed in to Parley: the popup asks at most to allow
    it; signed in means the home screen."""
    await visitor.open()
    async with visitor.page.expect_popup() as popup_info:
        await visitor.frame.get_by_role("button", name="Sign in").click()
    popup = await popup_info.value
    with contextlib.suppress(Exception):  # consent remembered (an earlier test of the session): it closed itself
        await popup.get_by_role("button", name="Allow").click(timeout=5000)
    await visitor.frame.locator("#parley-root[data-screen=home]").wait_for(timeout=20000)


async def lift_ban(console: Page, demo: DemoServer, username: str) -> None:
    """The owner lifts `username`'s ban on the demo site, if there is one (later tests share the server)."""
    await console.goto(moderation_url(demo))
    if await console.locator("#si-username").count():  # the test stopped before the owner signed in
        await sign_in_console(console, demo)
        await console.goto(moderation_url(demo))
    lift = console.get_by_role("button", name=f"Lift the ban of {username}")
    if await lift.count():
        await lift.click()
        await console.get_by_role("status").filter(has_text="Ban lifted").wait_for()
    await expect(console.get_by_role("button", name=f"Lift the ban of {username}")).to_have_count(0)


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_a_reported_writer_is_banned_from_this_site_only(
    demo: DemoServer, new_context: Any, runtime: str
) -> None:
    stamp = time.time_ns() % 10_000_000
    spam = f"cheap watches here {runtime} {stamp}"
    alice = await visit(await new_context(**VIEW), demo, runtime)
    bob_context = await new_context(**VIEW)
    bob = await visit(bob_context, demo, runtime)
    bob_ext = await visit(bob_context, demo, runtime, path="/?site=demo-ext")  # same host, another site
    console = await (await new_context(**VIEW)).new_page()  # the owner's console, in its own browser
    try:
        await alice.open_signed_in("alice")
        await bob.open_signed_in("bob")
        await allow_site(bob_ext)  # bob is signed in to Parley in this browser: the popup only asks consent

        # bob writes to alice; alice reports it from the message's action menu
        await bob.open_chat_with("Alice Martin")
        await alice.open_chat_with("Bob Okafor")
        await bob.say(spam)
        await alice.log.get_by_text(spam).wait_for(timeout=15000)
        own = bob.log.locator(".p-msg").filter(has_text=spam)
        await own.get_by_role("button", name="Message actions").click()  # no Report on one's own message
        await own.get_by_role("button", name="Reply").wait_for()
        assert not await own.get_by_role("button", name="Report this message").count()
        await own.get_by_role("button", name="Message actions").click()
        await report_by_keyboard(alice, spam)

        # the owner finds the report with the message's copy and bans its writer from this site
        await sign_in_console(console, demo)
        await console.goto(moderation_url(demo))
        row = console.get_by_role("list", name="Open reports").get_by_role("listitem").filter(has_text=spam)
        await expect(row).to_contain_text("@alice reported @bob")
        await expect(row).to_contain_text("spam")
        await expect(row.locator("blockquote")).to_have_text(spam)
        await row.get_by_role("button", name="Ban bob from this site").click()
        await console.get_by_role("status").filter(has_text="Banned").wait_for()
        await expect(console.get_by_role("list", name="Bans")).to_contain_text("@bob")

        # bob's widget on this site says so at once, without a reload
        await bob.frame.get_by_role("status").filter(has_text=BANNED).wait_for(timeout=15000)
        await bob.page.screenshot(path=screenshot_path(f"moderation-banned-{runtime}"))

        # on the other site of the same host he is not banned: he still talks with alice there
        assert not await bob_ext.frame.get_by_text(BANNED).count()
        await bob_ext.open_chat_with("Alice Martin")
        still = f"still here on the other site {runtime} {stamp}"
        await bob_ext.say(still)
        await alice.log.get_by_text(still).wait_for(timeout=15000)

        # a reload of the banned site: the silent sign-in is refused and the widget says why
        await bob.page.reload()
        await bob.wait_ready()
        await bob.open()
        await bob.frame.get_by_role("status").filter(has_text=BANNED).wait_for(timeout=15000)
        assert not await bob.message_box.count()

        # in a browser where he was never signed in, the popup's sign-in ends in the same notice
        fresh = await visit(await new_context(**VIEW), demo, runtime)
        await fresh.open()
        await sign_in_popup(fresh.page, fresh.frame.get_by_role("button", name="Sign in"), "bob")
        await fresh.frame.get_by_role("status").filter(has_text=BANNED).wait_for(timeout=20000)
        assert not await fresh.message_box.count()
    finally:
        await lift_ban(console, demo, "bob")


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_a_ban_reaches_the_inline_widget_and_its_lift_needs_no_new_sign_in(
    demo: DemoServer, new_context: Any, runtime: str
) -> None:
    """The same ban in a developer's own page (`parley.mount()`, the site is the OAuth client in the page): bob's
    inline widget says so at once and after a reload (its token refresh refused), and once the ban is lifted a
    reload signs him in again without a popup (the inline widget kept its refresh token)."""
    from tests.browser.test_people_inline import inline_page
    from tests.browser.widget import sign_in_inline

    stamp = time.time_ns() % 10_000_000
    spam = f"inline spam {runtime} {stamp}"
    alice = await visit(await new_context(**VIEW), demo, runtime)
    bob_page, bob = await inline_page(await new_context(**VIEW), f"{demo.host_url}/inline?runtime={runtime}")
    console = await (await new_context(**VIEW)).new_page()
    try:
        await alice.open_signed_in("alice")
        await sign_in_inline(bob_page, "bob")
        await bob.get_by_role("list", name="Friends").get_by_role("button", name="Alice Martin").first.click()
        box = bob.get_by_role("textbox", name="Message")
        await box.fill(spam)
        await box.press("Enter")
        await alice.open_chat_with("Bob Okafor")
        await alice.log.get_by_text(spam).wait_for(timeout=15000)
        await report_by_keyboard(alice, spam)

        await sign_in_console(console, demo)
        await console.goto(moderation_url(demo))
        row = console.get_by_role("list", name="Open reports").get_by_role("listitem").filter(has_text=spam)
        await row.get_by_role("button", name="Ban bob from this site").click()
        await console.get_by_role("status").filter(has_text="Banned").wait_for()

        await bob.get_by_role("status").filter(has_text=BANNED).wait_for(timeout=15000)  # at once
        await bob_page.reload()
        await bob.get_by_role("status").filter(has_text=BANNED).wait_for(timeout=90000)  # the refresh refused
        assert not await bob.get_by_role("textbox", name="Message").count()
        await bob_page.screenshot(path=screenshot_path(f"moderation-banned-inline-{runtime}"))

        await lift_ban(console, demo, "bob")
        await bob_page.reload()
        await bob.locator("#parley-root[data-screen=home], #parley-root[data-screen=chat]").wait_for(timeout=90000)
        assert not await bob.get_by_text(BANNED).count()
        assert not await bob.get_by_role("button", name="Sign in").count()
    finally:
        await lift_ban(console, demo, "bob")
