"""Edit, delete, react and reply in the widget, in real Chromium against the real server, on both runtimes:
alice and bob chat; alice edits one message and deletes another, bob reacts and replies (quoting hers); each
sees the other's change live, and bob, back on a new page after alice edited again while he was away, sees the
current state (never the old text)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.conftest import screenshot_path
from tests.browser.widget import Visitor, visit
from tests.servers import DemoServer

RUNTIMES = ["micropython", "pyodide"]
VIEW = {"viewport": {"width": 1000, "height": 760}}


def message(visitor: Visitor, text: str) -> Any:
    """The message whose own text holds ``text`` (not a reply merely quoting it)."""
    return visitor.log.locator("li.p-msg").filter(has=visitor.page.locator(".p-text", has_text=text))


async def act(visitor: Visitor, text: str, action: str) -> None:
    """Open the action menu of the message holding ``text`` (from the keyboard) and choose ``action``."""
    item = message(visitor, text)
    await item.get_by_role("button", name="Message actions").focus()
    await visitor.page.keyboard.press("Enter")
    choice = item.get_by_role("button", name=action)
    await choice.wait_for(timeout=10000)
    await choice.click()


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_edit_delete_react_reply_live_and_after_reconnect(
    demo: DemoServer, new_context: Any, runtime: str
) -> None:
    tag = f"{runtime}-{time.time_ns() % 1000000}"
    alice = await visit(await new_context(**VIEW), demo, runtime)
    bob_context = await new_context(**VIEW)
    bob = await visit(bob_context, demo, runtime)
    await alice.open_signed_in("alice")
    await bob.open_signed_in("bob")
    await alice.open_chat_with("Bob Okafor")
    await bob.open_chat_with("Alice Martin")

    await alice.say(f"see you at nine {tag}")
    await alice.say(f"oops wrong chat {tag}")
    await message(bob, f"oops wrong chat {tag}").wait_for(timeout=15000)

    # alice edits her first message: the composer becomes an edit, bob sees the new text marked "edited"
    await act(alice, f"see you at nine {tag}", "Edit")
    await alice.frame.locator(".p-compose-ctx").filter(has_text="Editing your message").wait_for()
    await alice.message_box.fill(f"see you at ten {tag}")
    await alice.message_box.press("Enter")
    edited = message(bob, f"see you at ten {tag}")
    await edited.locator(".p-edited").filter(has_text="edited").wait_for(timeout=15000)
    assert not await message(bob, f"see you at nine {tag}").count()

    # alice deletes the other one for everyone: bob sees "Message deleted" in its place
    await act(alice, f"oops wrong chat {tag}", "Delete for everyone")
    # (wait for this message's text to go: an earlier run's "Message deleted" may already be in this chat)
    await message(bob, f"oops wrong chat {tag}").wait_for(state="detached", timeout=15000)
    await bob.log.get_by_text("Message deleted").first.wait_for()

    # the menu is keyboard first: its first choice takes the focus, Escape closes it
    item = message(bob, f"see you at ten {tag}")
    await item.get_by_role("button", name="Message actions").focus()
    await bob.page.keyboard.press("Enter")
    await item.get_by_role("button", name="React with 👍").wait_for()
    assert await item.get_by_role("button", name="React with 👍").evaluate("b => b === document.activeElement")
    await bob.page.keyboard.press("Escape")
    await item.get_by_role("button", name="Reply").wait_for(state="detached")

    # bob reacts with a heart: alice sees who reacted (the button's accessible name)
    await act(bob, f"see you at ten {tag}", "React with ❤️")
    await message(alice, f"see you at ten {tag}").get_by_role("button", name="❤️ 1: Bob Okafor").wait_for(
        timeout=15000)

    # bob replies to it: a quote above his text, for alice too; clicking it goes to the original
    await act(bob, f"see you at ten {tag}", "Reply")
    await bob.frame.locator(".p-compose-ctx").filter(has_text="Replying to Alice Martin").wait_for()
    await bob.say(f"ten works {tag}")
    reply = message(alice, f"ten works {tag}")
    quote = reply.get_by_role("button", name="Go to the quoted message (You)")
    await quote.wait_for(timeout=15000)
    assert f"see you at ten {tag}" in await quote.inner_text()
    await quote.click()
    await alice.log.locator("li.p-flash").filter(has_text=f"see you at ten {tag}").wait_for(timeout=5000)

    # bob goes away; alice edits again; bob's next page shows the current state only
    await bob.page.close()
    await act(alice, f"see you at ten {tag}", "Edit")
    await alice.message_box.fill(f"see you at eleven {tag}")
    await alice.message_box.press("Enter")
    await message(alice, f"see you at eleven {tag}").wait_for(timeout=15000)
    bob = await visit(bob_context, demo, runtime)
    await bob.open()
    if not await bob.log.count():
        await bob.open_chat_with("Alice Martin")
    current = message(bob, f"see you at eleven {tag}")
    await current.locator(".p-edited").wait_for(timeout=20000)
    await current.get_by_role("button", name="❤️ 1: You").wait_for(timeout=15000)  # his own, pressed
    quoted = message(bob, f"ten works {tag}").get_by_role("button", name="Go to the quoted message (Alice Martin)")
    assert f"see you at eleven {tag}" in await quoted.inner_text()  # the original as it is now
    await bob.log.get_by_text("Message deleted").first.wait_for()
    for old in (f"see you at nine {tag}", f"see you at ten {tag}", f"oops wrong chat {tag}"):
        assert not await bob.log.locator(".p-text").filter(has_text=old).count(), old
    await alice.page.screenshot(path=screenshot_path(f"messages-{runtime}"))
    widget = alice.page.locator("iframe[title='Parley chat']")
    await widget.screenshot(path=screenshot_path(f"messages-widget-{runtime}"))  # docs/img/messages.png
