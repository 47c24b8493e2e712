"""Issue 14, attention: a new message is one click away, on both runtimes.

Bob writes to Alice while her panel is closed: her launcher names Bob (accessible name), the Parley frame shows
a small preview beside it, the host page's scripts see neither the text in their DOM nor in postMessage data,
and opening lands in the conversation with the new message and the history before it. An over-long message
shows the counter and cannot be sent, and nothing of it is lost."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.async_api import expect

from tests.browser.conftest import screenshot_path
from tests.browser.widget import FRAME, visit
from tests.servers import DemoServer

RUNTIMES = ["micropython", "pyodide"]

# Runs in the host page before embed.js: everything the page's scripts can get over postMessage.
RECORD_MESSAGES = """
if (window === window.top) {
  window.__seen = [];
  window.addEventListener("message", function (event) {
    var text;
    try { text = JSON.stringify(event.data); } catch (e) { text = String(event.data); }
    window.__seen.push(text);
  }, true);
}
"""

# Everything of the host page's DOM its scripts can read, open shadow roots (the launcher's) included.
HOST_TEXT = """() => {
  const parts = [];
  const walk = (root) => {
    for (const node of root.querySelectorAll("*")) {
      for (const attr of node.attributes) parts.push(attr.value);
      if (node.shadowRoot) { parts.push(node.shadowRoot.innerHTML); walk(node.shadowRoot); }
    }
  };
  parts.push(document.documentElement.outerHTML);
  walk(document);
  const frame = document.querySelector("iframe[title='Parley chat']");
  let reachable = false;
  try { reachable = !!(frame.contentDocument || frame.contentWindow.document); } catch (e) { reachable = false; }
  return { text: parts.join("\\n"), frameReachable: reachable, title: document.title };
}"""


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_a_new_message_is_one_click_away_and_its_text_stays_in_the_frame(
    demo: DemoServer, new_context: Any, runtime: str
) -> None:
    stamp = str(time.time_ns())
    earlier, secret = f"earlier {stamp}", f"are you reading this too? {stamp}"
    bob = await visit(await new_context(viewport={"width": 1100, "height": 760}), demo, runtime, "/?page=2")
    await bob.open_signed_in("bob")
    await bob.open_chat_with("Alice Martin")
    await bob.say(earlier)
    await bob.log.locator("li.p-mine", has_text=earlier).get_by_text("Sent").wait_for(timeout=15000)

    alice_context = await new_context(viewport={"width": 1100, "height": 760})
    await alice_context.add_init_script(RECORD_MESSAGES)
    alice = await visit(alice_context, demo, runtime)
    await alice.open_signed_in("alice")
    # a returning visitor with the panel closed (the visit keeps it closed across the reload): the conversation
    # was never opened
    await alice.page.get_by_role("button", name=re.compile("^Close chat")).click()
    await alice.page.reload()
    await alice.wait_ready()
    await alice.frame.locator(".p-conn-online").wait_for(state="attached", timeout=20000)  # live

    await bob.say(secret)
    launcher = alice.page.get_by_role("button", name=re.compile(r"^Open chat, \d+ unread from Bob Okafor"))
    await launcher.wait_for(timeout=15000)
    peek = alice.frame.get_by_role("button", name=re.compile("^Bob Okafor"))
    await expect(peek).to_contain_text(secret, timeout=15000)  # the preview, inside the Parley-origin frame
    await alice.page.screenshot(path=screenshot_path(f"attention-notice-{runtime}"))

    seen = await alice.page.evaluate("window.__seen")
    assert any("Bob Okafor" in data for data in seen), seen  # the recorder works: the writer's name crossed
    assert not any(stamp in data for data in seen), [data for data in seen if stamp in data]
    host = await alice.page.evaluate(HOST_TEXT)
    assert "Bob Okafor" in host["text"]  # the launcher's accessible name: readable, and the walk reaches it
    assert stamp not in host["text"] and stamp not in host["title"]
    assert host["frameReachable"] is False

    await launcher.click()
    await alice.page.locator(FRAME).wait_for(state="visible")
    # landed in the conversation: the new message and the history before it, not only the live message
    await alice.frame.get_by_role("heading", name="Bob Okafor").wait_for(timeout=15000)
    await alice.log.get_by_text(secret, exact=True).wait_for(timeout=15000)
    await alice.log.get_by_text(earlier, exact=True).wait_for(timeout=15000)
    await expect(alice.page.get_by_role("button", name=re.compile("^Close chat"))).not_to_have_accessible_name(
        re.compile("unread"), timeout=15000
    )  # read now

    # an over-long message: the counter says so, sending is disabled and refused, and the text stays
    send = alice.frame.get_by_role("button", name="Send")
    counter = alice.frame.locator("#p-counter")
    await alice.message_box.fill("x" * 3900)
    await expect(counter).to_have_text("100 characters left")
    await expect(send).to_be_enabled()
    too_long = stamp + " " + "y" * (4009 - len(stamp))  # 4,010 characters, unique to this run
    await alice.message_box.fill(too_long)
    await expect(counter).to_have_text("10 characters too many: shorten the message to send it")
    await expect(send).to_be_disabled()
    await expect(send).to_have_accessible_description("10 characters too many: shorten the message to send it")
    await expect(alice.message_box).to_have_attribute("aria-invalid", "true")
    await alice.message_box.press("Enter")
    await expect(alice.message_box).to_have_value(too_long)  # nothing cut, nothing lost
    await alice.page.screenshot(path=screenshot_path(f"attention-counter-{runtime}"))
    await alice.message_box.press("End")
    for _ in range(10):
        await alice.message_box.press("Backspace")
    await expect(counter).to_have_text("0 characters left")
    await expect(send).to_be_enabled()
    await send.click()
    await bob.log.get_by_text(too_long[:4000], exact=True).wait_for(timeout=15000)  # all of it arrived
    await expect(alice.message_box).to_have_value("")
