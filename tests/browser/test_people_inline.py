"""People in a developer's own page (`parley.mount()` on the demo's inline shop page), both runtimes, real
server: an invite link to the inline page (the invitee signs up in the popup and lands in the chat with the
inviter), the privacy choice "who can find me" applied at once to a friend's search, and one share of the page
to a friend and a group at once, with a comment."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.async_api import Page

from tests.browser.test_people_live import sign_up_popup
from tests.browser.widget import sign_in_inline
from tests.servers import DemoServer

RUNTIMES = ["micropython", "pyodide"]
VIEW = {"viewport": {"width": 1100, "height": 800}}


async def inline_page(context: Any, url: str) -> tuple[Page, Any]:
    page = await context.new_page()
    await page.goto(url)
    chat = page.locator("#chat")
    await chat.locator("#parley-root[data-state=ready]").wait_for(timeout=90000)
    return page, chat


async def back_home(chat: Any) -> None:
    while await chat.get_by_role("button", name="Back").count():
        await chat.get_by_role("button", name="Back").first.click()
    await chat.locator("#parley-root[data-screen=home]").wait_for()


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_invite_privacy_and_share_with_several_inline(demo: DemoServer, new_context: Any, runtime: str) -> None:
    stamp = time.time_ns() % 10_000_000
    username, name = f"erin{stamp}", f"Erin {runtime} {stamp}"
    carol_page, carol = await inline_page(await new_context(**VIEW), f"{demo.host_url}/inline?runtime={runtime}")
    await sign_in_inline(carol_page, "carol")

    # carol makes an invite link to this page (the developer's own page) ...
    await carol.get_by_role("button", name="Invite a friend here").first.click()
    await carol.get_by_role("button", name="Create a link").click()
    field = carol.get_by_role("textbox", name="Invite link")
    await field.wait_for(timeout=15000)
    link = await field.input_value()
    assert link.startswith(f"{demo.host_url}/inline?runtime={runtime}") and "#parley-invite=" in link

    # ... erin opens it: the inline widget says who invited her; she signs up and lands in the chat with carol
    erin_page, erin = await inline_page(await new_context(**VIEW), link)
    await erin.get_by_text("Carol Nguyen invited you to meet here").wait_for(timeout=20000)
    await sign_up_popup(erin_page, erin.get_by_role("button", name="Sign in"), username, name)
    await erin.get_by_role("button", name="Become friends with Carol Nguyen").click()
    await erin.get_by_role("textbox", name="Message").wait_for(timeout=15000)
    await erin.locator(".p-title").filter(has_text="Carol Nguyen").wait_for()
    assert "parley-invite" not in erin_page.url  # a reload does not offer it again
    await back_home(carol)
    await carol.get_by_role("list", name="Friends").get_by_role("button", name=name).first.wait_for(timeout=15000)

    # erin chooses that nobody finds her by name: carol's search no longer lists her; "everyone" lists her again
    await back_home(erin)
    await erin.get_by_role("button", name="Settings").click()
    await erin.get_by_role("combobox", name="Who can find me by name").select_option("nobody")
    await carol.get_by_role("button", name="People").first.click()
    search = carol.get_by_role("searchbox", name="Search by username or name")
    results = carol.get_by_role("list", name="Find people")
    await search.fill(username)
    await carol.get_by_text(f"Nobody found for “{username}”.").wait_for(timeout=15000)
    assert not await results.get_by_text(name).count()
    await erin.get_by_role("combobox", name="Who can find me by name").select_option("everyone")
    await search.fill("")
    await search.fill(username[:-1])
    await results.get_by_text(name).wait_for(timeout=15000)

    # carol makes a group with erin, then shares the page with erin and the group at once, with a comment
    await back_home(carol)
    group = f"Lantern club {stamp}"
    await carol.get_by_role("button", name="New group").click()
    await carol.get_by_role("checkbox", name=name).check()
    await carol.get_by_role("textbox", name="Group name (optional)").fill(group)
    await carol.get_by_role("button", name="Create group").click()
    await carol.get_by_role("textbox", name="Message").wait_for(timeout=15000)
    await back_home(carol)
    await carol.get_by_role("button", name="Share this page").click()
    await carol.get_by_role("checkbox", name=re.compile("^" + re.escape(name))).check()  # not the group naming her
    await carol.get_by_role("checkbox", name=group).check()
    await carol.get_by_role("textbox", name="Add a comment (optional)").fill(f"look, {stamp}")
    await carol.get_by_role("button", name="Share with 2").click()
    await carol.get_by_text("Shared with 2.").wait_for(timeout=15000)

    # erin finds it in both conversations, each a card of this page with the comment
    await back_home(erin)
    for conversation in (erin.get_by_role("list", name="Groups").get_by_role("button").filter(has_text=group),
                         erin.get_by_role("list", name="Friends").get_by_role("button", name="Carol Nguyen")):
        await conversation.first.click(timeout=15000)
        log = erin.get_by_role("log", name="Messages")
        await log.get_by_text(f"look, {stamp}").wait_for(timeout=15000)
        await log.locator(".p-card").first.wait_for()
        await back_home(erin)
