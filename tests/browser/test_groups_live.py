"""Groups in the widget, in real Chromium against the real server, on both runtimes: alice makes a group with
bob from the widget, bob sees it and its events live (system lines, a rename), a change made while bob is away
reaches him when he comes back (resume), and removing him takes the group off his screen at once."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.conftest import screenshot_path
from tests.browser.widget import Visitor, visit
from tests.servers import DemoServer

RUNTIMES = ["micropython", "pyodide"]
VIEW = {"viewport": {"width": 1000, "height": 760}}


def groups(visitor: Visitor) -> Any:
    return visitor.frame.get_by_role("list", name="Groups")


def system_line(visitor: Visitor, text: str) -> Any:
    return visitor.log.locator(".p-system").filter(has_text=text)


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_a_group_made_renamed_resumed_and_left_live(demo: DemoServer, new_context: Any, runtime: str) -> None:
    name = f"Trip {runtime} {time.time_ns() % 100000}"
    alice = await visit(await new_context(**VIEW), demo, runtime)
    bob_context = await new_context(**VIEW)
    bob = await visit(bob_context, demo, runtime)
    await alice.open_signed_in("alice")
    await bob.open_signed_in("bob")

    # alice: New group -> tick Bob, name it, create: she lands in the group's conversation
    await alice.frame.get_by_role("button", name="New group").click()
    await alice.frame.get_by_role("checkbox", name="Bob Okafor").check()
    await alice.frame.get_by_role("textbox", name="Group name (optional)").fill(name)
    await alice.frame.get_by_role("button", name="Create group").click()
    await system_line(alice, f"You created the group {name}").wait_for(timeout=15000)
    await alice.say("who is in?")

    # bob sees it on his home screen at once, opens it: alice's system line names her
    await groups(bob).get_by_role("button", name=name).first.click()
    await system_line(bob, f"Alice Martin created the group {name}").wait_for(timeout=15000)
    await bob.log.get_by_text("who is in?").wait_for(timeout=15000)

    # bob renames it from the group's info; alice's header follows, with the line
    await bob.frame.get_by_role("button", name="Group info").click()
    members = bob.frame.get_by_role("list", name="Members (2)")
    await members.get_by_text("Alice Martin").wait_for()
    await bob.frame.get_by_role("textbox", name="Group name (optional)").fill(name + " 2")
    await bob.frame.get_by_role("button", name="Rename").click()
    await system_line(alice, f"Bob Okafor renamed the group to {name} 2").wait_for(timeout=15000)
    await alice.frame.locator(".p-title").filter(has_text=name + " 2").wait_for(timeout=15000)
    await system_line(bob, f"You renamed the group to {name} 2").wait_for(timeout=15000)

    # bob goes away; alice renames again; bob's next page learns it (resume replays the system message)
    await bob.page.close()
    await alice.frame.get_by_role("button", name="Group info").click()
    await alice.frame.get_by_role("textbox", name="Group name (optional)").fill(name + " 3")
    await alice.frame.get_by_role("button", name="Rename").click()
    await system_line(alice, f"You renamed the group to {name} 3").wait_for(timeout=15000)
    bob = await visit(bob_context, demo, runtime)
    await bob.open()
    if not await bob.log.count():
        await groups(bob).get_by_role("button", name=name + " 3").first.click()
    await system_line(bob, f"Alice Martin renamed the group to {name} 3").wait_for(timeout=20000)
    await bob.frame.locator(".p-title").filter(has_text=name + " 3").wait_for(timeout=15000)
    await bob.page.screenshot(path=screenshot_path(f"group-{runtime}"))

    # alice (the owner) removes bob: his open conversation gives way to home, the group is gone from it
    await alice.frame.get_by_role("button", name="Group info").click()
    await alice.frame.get_by_role("button", name="Remove Bob Okafor").click()
    await alice.frame.get_by_role("list", name="Members (1)").wait_for(timeout=15000)
    await bob.frame.get_by_role("status").filter(has_text="You are no longer in").wait_for(timeout=15000)
    await bob.friends.wait_for()
    assert not await groups(bob).get_by_role("button", name=name + " 3").count()
    await alice.frame.get_by_role("button", name="Back").first.click()
    await system_line(alice, "You removed Bob Okafor").wait_for(timeout=15000)

    # and alice leaves the group she is alone in: back home, a clear word, no group left behind
    await alice.frame.get_by_role("button", name="Group info").click()
    await alice.frame.get_by_role("button", name="Leave group").click()
    await alice.frame.get_by_role("status").filter(has_text="You are no longer in").wait_for(timeout=15000)
    assert not await groups(alice).get_by_role("button", name=name + " 3").count()
