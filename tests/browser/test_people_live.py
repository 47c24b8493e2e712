"""People in the widget, in real Chromium against the real server, on both runtimes. The headline: a brand-new
visitor on the demo site goes from zero friends to a group chat with two friends met there (one by an invite
link, signing up in the popup; one found by name and accepted in her own browser), without leaving the page and
without a reload; then a block ends presence at once."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.async_api import Page

from tests.browser.conftest import screenshot_path
from tests.browser.widget import Visitor, visit
from tests.servers import DemoServer

RUNTIMES = ["micropython", "pyodide"]
VIEW = {"viewport": {"width": 1000, "height": 760}}


async def sign_up_popup(page: Page, button: Any, username: str, name: str) -> None:
    """Click the widget's Sign in, create an account in the popup, allow the site."""
    async with page.expect_popup() as popup_info:
        await button.click()
    popup = await popup_info.value
    await popup.wait_for_load_state()
    await popup.locator("#su-username").fill(username)
    await popup.locator("#su-display").fill(name)
    await popup.locator("#su-password").fill("newcomer-pw-1")
    await popup.get_by_role("button", name="Create account").click()
    await popup.get_by_role("button", name="Allow").click()


def people_button(visitor: Visitor) -> Any:
    return visitor.frame.get_by_role("button", name="People")


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_a_newcomer_goes_from_no_friends_to_a_group_with_two_met_here(
    demo: DemoServer, new_context: Any, runtime: str
) -> None:
    stamp = time.time_ns() % 10_000_000
    username, name = f"dana{stamp}", f"Dana {runtime} {stamp}"
    alice = await visit(await new_context(**VIEW), demo, runtime)
    carol = await visit(await new_context(**VIEW), demo, runtime)
    await alice.open_signed_in("alice")
    await carol.open_signed_in("carol")

    # alice makes an invite link to this page
    await alice.frame.get_by_role("button", name="Invite a friend here").first.click()
    await alice.frame.get_by_role("button", name="Create a link").click()
    field = alice.frame.get_by_role("textbox", name="Invite link")
    await field.wait_for(timeout=15000)
    link = await field.input_value()
    assert link.startswith(demo.host_url) and "#parley-invite=" in link
    await alice.frame.get_by_role("list", name="Your live links").get_by_role("button", name="Revoke").first.wait_for()

    # the newcomer opens it: the panel opens by itself and says who invited, before any sign-in
    page = await (await new_context(**VIEW)).new_page()
    await page.goto(link.replace("#", f"{'&' if '?' in link.split('#')[0] else '?'}runtime={runtime}#", 1))
    dana = Visitor(page, page.frame_locator("iframe[title='Parley chat']"))
    await dana.wait_ready()
    await dana.frame.get_by_text("Alice Martin invited you to meet here").wait_for(timeout=20000)
    await sign_up_popup(page, dana.frame.get_by_role("button", name="Sign in"), username, name)
    await dana.frame.get_by_role("button", name="Become friends with Alice Martin").click()
    await dana.message_box.wait_for(timeout=15000)  # in the conversation with alice, chat open
    await dana.frame.locator(".p-title").filter(has_text="Alice Martin").wait_for()
    assert "parley-invite" not in page.url  # a reload does not offer it again
    await alice.frame.get_by_role("button", name="Back").first.click()
    await alice.friends.get_by_role("button", name=name).first.wait_for(timeout=15000)  # live, no reload

    # dana finds carol by name and asks; carol accepts in her own browser; both lists follow at once
    await dana.frame.get_by_role("button", name="Back").first.click()
    await people_button(dana).click()
    await dana.frame.get_by_role("searchbox", name="Search by username or name").fill("caro")
    await dana.frame.get_by_role("button", name="Add friend: Carol").first.click()
    await dana.frame.get_by_role("region", name="Requests you sent").wait_for(timeout=15000)
    await carol.frame.get_by_role("button", name="People, 1 friend requests").click(timeout=15000)
    await carol.frame.get_by_role("button", name=f"Accept: {name}").click()
    await carol.frame.get_by_role("list", name="Friends").get_by_text(name).wait_for(timeout=15000)
    await dana.frame.get_by_role("list", name="Friends").get_by_text("Carol").first.wait_for(timeout=15000)
    await page.screenshot(path=screenshot_path(f"people-{runtime}"))

    # dana makes a group with both; each sees it live and talks there
    await dana.frame.get_by_role("button", name="Back").first.click()
    await dana.frame.get_by_role("button", name="New group").click()
    await dana.frame.get_by_role("checkbox", name="Alice Martin").check()
    await dana.frame.get_by_role("checkbox", name="Carol").first.check()
    await dana.frame.get_by_role("button", name="Create group").click()
    await dana.message_box.wait_for(timeout=15000)
    await dana.say("met you both here!")
    await carol.frame.get_by_role("button", name="Back").first.click()  # from People to home, where groups are
    for friend in (alice, carol):
        # this newcomer's group (the demo's alice and carol may be in an earlier run's too)
        group = friend.frame.get_by_role("list", name="Groups").get_by_role("button").filter(has_text=name).first
        await group.click(timeout=15000)
        await friend.log.get_by_text("met you both here!").wait_for(timeout=15000)
        await friend.log.locator(".p-system").filter(has_text=f"{name} created the group").wait_for()
    await carol.say("welcome!")
    await dana.log.get_by_text("welcome!").wait_for(timeout=15000)
    await page.screenshot(path=screenshot_path(f"people-group-{runtime}"))

    # carol blocks dana: dana's "On this site now" loses carol at once, and carol's lists lose dana
    await dana.frame.get_by_role("button", name="Back").first.click()
    await dana.here.get_by_role("button", name="Carol").first.wait_for(timeout=15000)
    await carol.frame.get_by_role("button", name="Back").first.click()
    await people_button(carol).click()
    await carol.frame.get_by_role("button", name=f"Block: {name}").click()
    await carol.frame.get_by_role("region", name="Blocked").get_by_text(name).wait_for(timeout=15000)
    await dana.here.get_by_role("button", name="Carol").first.wait_for(state="detached", timeout=15000)
    assert not await dana.friends.get_by_text("Carol").count()
    await carol.frame.get_by_role("button", name=f"Unblock: {name}").click()  # the demo's carol as before
    await carol.frame.get_by_role("region", name="Blocked").wait_for(state="detached", timeout=15000)
