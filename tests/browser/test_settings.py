"""The visitor's choices in real Chromium, on both runtimes: page titles are private until shared, and
"appear offline" chosen in the settings screen survives a navigation: the friend never sees the visitor online."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.widget import Visitor, visit
from tests.servers import DemoServer

RUNTIMES = ["micropython", "pyodide"]
SEA = "Why the sea glows"  # the title of the demo's /?page=2

# Records every text bob's conversation header shows for alice from now on (its status or page).
RECORD = """() => {
  window.parleySeen = [];
  const note = () => {
    const sub = document.querySelector('.p-sub');
    if (sub) window.parleySeen.push(sub.textContent);
  };
  note();
  new MutationObserver(note).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


async def settings_screen(visitor: Visitor) -> Any:
    await visitor.frame.get_by_role("button", name="Settings").click()
    status = visitor.frame.get_by_role("combobox", name="Status")
    await status.wait_for()
    return status


async def back_home(visitor: Visitor) -> None:
    await visitor.frame.get_by_role("button", name="Back").first.click()
    await visitor.friends.wait_for()


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_titles_private_until_shared_and_appear_offline_survives_navigation(
    demo: DemoServer, new_context: Any, runtime: str
) -> None:
    alice = await visit(await new_context(viewport={"width": 1100, "height": 760}), demo, runtime)
    bob = await visit(await new_context(viewport={"width": 1100, "height": 760}), demo, runtime, "/?page=2")
    for visitor, name in ((alice, "alice"), (bob, "bob")):
        await visitor.open_signed_in(name)
    try:
        # titles: off by default (bob is here, online, but alice does not learn his page) ...
        await alice.here.get_by_role("button", name="Bob Okafor").wait_for(timeout=15000)
        await alice.open_chat_with("Bob Okafor")
        subtitle = alice.frame.locator(".p-sub")
        await subtitle.filter(has_text="Online").wait_for(timeout=15000)
        assert SEA not in (await subtitle.text_content() or "")
        # ... and on once bob chooses it, from the settings screen, with the keyboard
        await settings_screen(bob)
        share = bob.frame.get_by_role("checkbox", name="Show friends here the title of the page I am on")
        assert not await share.is_checked()
        await share.focus()
        await bob.page.keyboard.press("Space")
        await subtitle.filter(has_text=SEA).wait_for(timeout=15000)
        await back_home(bob)

        # alice appears offline; bob sees her offline
        await alice.frame.get_by_role("button", name="Back").first.click()
        status = await settings_screen(alice)
        await status.select_option("hidden")
        await bob.friends.get_by_role("button", name="Alice Martin, Offline").wait_for(timeout=15000)
        await bob.open_chat_with("Alice Martin")
        await bob.frame.locator(".p-sub").filter(has_text="Offline").wait_for(timeout=15000)
        await bob.frame.locator("body").evaluate(RECORD)

        # a navigation to another page of the site: a new widget, a new socket, the stored choice
        await alice.page.goto(f"{demo.host_url}/?page=2&runtime={runtime}")
        await alice.wait_ready()
        await alice.open()
        await alice.friends.wait_for(timeout=20000)
        status = await settings_screen(alice)
        assert await status.input_value() == "hidden"
        await back_home(alice)
        # something bob sees after every presence of alice's new socket (same channel, in order): a message
        stamp = f"still here {time.time_ns()}"
        await alice.open_chat_with("Bob Okafor")
        await alice.say(stamp)
        await bob.log.get_by_text(stamp).wait_for(timeout=15000)
        seen = await bob.frame.locator("body").evaluate("() => window.parleySeen")
        assert seen and "Online" not in seen and all(text == "Offline" for text in seen), seen
    finally:  # the demo's accounts are shared by the whole session: put the defaults back
        for visitor, changes in ((alice, {"Status": "online"}), (bob, {})):
            for _ in range(2):
                back = visitor.frame.get_by_role("button", name="Back")
                if await back.count():
                    await back.first.click()
            await settings_screen(visitor)
            for name, value in changes.items():
                await visitor.frame.get_by_role("combobox", name=name).select_option(value)
            share = visitor.frame.get_by_role("checkbox", name="Show friends here the title of the page I am on")
            if await share.is_checked():
                await share.uncheck()
