"""A visit, not a page: the visitor moves between the demo site's pages with its menus (real navigations) and
finds the chat as they left it: on the same conversation, scrolled where it was, with their draft, and a message
not yet acknowledged is sent once on the next page. Inline, the page's storage is first-party; the copy-paste
widget's cross-site frame is refused storage by this Chromium (third-party storage blocked, as in private
windows), so it keeps the visit on the Parley server behind its sign-in, and leaving with an unsent message
that could not be kept asks first."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.async_api import BrowserContext, Dialog, WebSocketRoute

from tests.browser.conftest import screenshot_path
from tests.browser.widget import Visitor, sign_in_inline, visit
from tests.servers import DemoServer

RUNTIMES = ["micropython", "pyodide"]

# In the widget's frame: every value #parley-root's data-screen takes, in order (what the visitor could see).
# In the widget's frame only (the Parley origin): the browser refuses storage, as with third-party storage blocked.
REFUSE_STORAGE = """
if (location.origin === %r) {
  var refuse = function () { throw new DOMException("The operation is insecure.", "SecurityError"); };
  ["getItem", "setItem", "removeItem", "key", "clear"].forEach(function (name) { Storage.prototype[name] = refuse; });
  ["sessionStorage", "localStorage"].forEach(function (name) {
    try { Object.defineProperty(window, name, { get: refuse, configurable: true }); } catch (e) {}
  });
}
"""
FRAME_DRAWN = "() => new Promise(resolve => requestAnimationFrame(() => resolve(0)))"


class Stall:
    """The relay's sockets of one browser context, through Playwright: each one can be stalled, so that its
    frames from the server (acks included) no longer reach the page while the page's frames still go out."""

    def __init__(self) -> None:
        self.sockets: list[dict[str, bool]] = []

    async def route(self, context: BrowserContext) -> None:
        await context.route_web_socket(re.compile(r"/v1/ws"), self._handle)

    def _handle(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        socket = {"stalled": False}
        self.sockets.append(socket)

        def to_page(message: str | bytes) -> None:
            if not socket["stalled"]:
                ws.send(message)

        server.on_message(to_page)

    def stall_all(self) -> None:
        """Stall every socket opened so far (those of the pages open now; later pages' sockets are not)."""
        for socket in self.sockets:
            socket["stalled"] = True


async def go_to(visitor: Visitor, link: str, page_number: int) -> None:
    """Click a link of the demo site's menu and wait for the widget on the new page."""
    await visitor.page.get_by_role("navigation", name="Site").get_by_role("link", name=link).click()
    await visitor.page.wait_for_url(re.compile(rf"[?&]page={page_number}\b"))
    await visitor.wait_ready()


class Inline:
    """The demo's inline shop page: the widget mounted in the page itself (first-party storage)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        chat = page.locator("#chat")
        self.log = chat.get_by_role("log", name="Messages")
        self.message_box = chat.get_by_role("textbox", name="Message")
        self.friends = chat.get_by_role("list", name="Friends")
        self.chat = chat

    async def ready(self) -> None:
        await self.chat.locator("#parley-root[data-state=ready]").wait_for(timeout=60000)

    async def say(self, text: str) -> None:
        await self.message_box.fill(text)
        await self.message_box.press("Enter")

    async def go_to(self, link: str, number: int) -> None:
        await self.page.get_by_role("navigation", name="Shop").get_by_role("link", name=link).click()
        await self.page.wait_for_url(re.compile(rf"[?&]page={number}\b"))
        await self.ready()


FIRST_IN_VIEW = """log => {
    const top = log.getBoundingClientRect().top;
    const item = [...log.querySelectorAll("li[data-pos]")].find(li => li.getBoundingClientRect().bottom > top + 1);
    return item ? item.querySelector(".p-text").textContent : "";
}"""


async def first_in_view(log: Any) -> str:
    """The text of the first message whose bottom is below the log's top edge (waits until drawn)."""
    return await log.evaluate("""log => new Promise(resolve => {
        const check = () => {
            const top = log.getBoundingClientRect().top;
            const item = [...log.querySelectorAll("li[data-pos]")].find(
                li => li.getBoundingClientRect().bottom > top + 1);
            if (item) resolve(item.querySelector(".p-text").textContent); else requestAnimationFrame(check);
        };
        check();
    })""")


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_inline_the_conversation_scroll_draft_and_outbox_survive_the_sites_pages(
        demo: DemoServer, new_context: Any, runtime: str) -> None:
    context = await new_context(viewport={"width": 1100, "height": 760})
    stall = Stall()
    await stall.route(context)
    page = await context.new_page()
    await page.goto(f"{demo.host_url}/inline?runtime={runtime}")
    alice = Inline(page)
    await alice.ready()
    await sign_in_inline(page, "alice")
    bob = await visit(await new_context(viewport={"width": 1000, "height": 720}), demo, runtime)
    await bob.open_signed_in("bob")
    await bob.open_chat_with("Alice Martin")
    await alice.friends.get_by_role("button", name="Bob Okafor").first.click()
    stamp = str(time.time_ns())
    for n in range(20):  # enough to scroll
        await alice.say(f"line {n} {stamp}")
    await alice.log.get_by_text(f"line 19 {stamp}", exact=True).wait_for(timeout=20000)
    await alice.log.get_by_text("Sending…").first.wait_for(state="detached", timeout=20000)

    stall.stall_all()  # this one reaches the server (bob sees it) but its ack never reaches alice's page
    await alice.say(f"left unacknowledged {stamp}")
    await bob.log.get_by_text(f"left unacknowledged {stamp}", exact=True).wait_for(timeout=20000)
    await alice.log.get_by_text("Sending…").first.wait_for(timeout=5000)
    await alice.log.get_by_text(f"line 4 {stamp}", exact=True).evaluate(  # scrolled up to "line 4"
        "text => { const log = text.closest('ol'); const li = text.closest('li');"
        " log.scrollTop = li.getBoundingClientRect().top - log.getBoundingClientRect().top + log.scrollTop; }")
    await alice.log.evaluate(FRAME_DRAWN)  # the scroll event has reached the widget
    assert await first_in_view(alice.log) == f"line 4 {stamp}"
    draft = f"half a message to Bob {stamp}"
    await alice.message_box.fill(draft)

    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await alice.go_to("Lanterns", 2)
    assert f"runtime={runtime}" in page.url  # the shop's menu keeps the runtime chosen
    # the next page signs in with the access token the last one kept: the user and lists in one round trip
    assert any("/api/v1/me" in url for url in requested)
    assert not any("/oauth/token" in url for url in requested)
    assert await alice.message_box.input_value() == draft  # on the conversation, with the draft
    assert await alice.chat.locator(".p-title").inner_text() == "Bob Okafor"
    assert await alice.chat.locator("#parley-root").get_attribute("data-screen") == "chat"
    log = await alice.log.element_handle()
    await page.wait_for_function(f"([log, text]) => ({FIRST_IN_VIEW})(log) === text",  # scrolled where it was
                                 arg=[log, f"line 4 {stamp}"], timeout=20000)
    geometry = await alice.log.evaluate("log => log.scrollHeight - log.scrollTop - log.clientHeight")
    assert geometry > 40
    # the message left unacknowledged is sent again with its client id: stored once, shown once
    await alice.log.get_by_text("Sending…").first.wait_for(state="detached", timeout=20000)
    await alice.say(f"and then {stamp}")  # per-conversation order: a double would arrive before this one
    await bob.log.get_by_text(f"and then {stamp}", exact=True).wait_for(timeout=20000)
    assert await bob.log.get_by_text(f"left unacknowledged {stamp}", exact=True).count() == 1
    assert await alice.log.get_by_text(f"left unacknowledged {stamp}", exact=True).count() == 1
    await page.screenshot(path=screenshot_path(f"visit-inline-{runtime}"))


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_copy_paste_with_frame_storage_refused_keeps_the_visit_on_the_server_and_warns_before_a_loss(
        demo: DemoServer, new_context: Any, runtime: str) -> None:
    """Chromium refuses storage to the cross-site frame (third-party storage blocked): the frame keeps its place,
    drafts and outbox on the server behind its sign-in's partitioned cookie, so the next page opens on the same
    conversation with the draft and sends what was left once; when even that cannot be kept, leaving with an
    unsent message asks first. Nothing the visitor wrote reaches the host page's storage."""
    context = await new_context(viewport={"width": 1000, "height": 720})
    await context.add_init_script(REFUSE_STORAGE % demo.parley_url)  # refused, whatever the browser's setting
    stall = Stall()
    await stall.route(context)
    alice = await visit(context, demo, runtime)
    await alice.open_signed_in("alice")
    assert await alice.frame.locator("#parley-root").get_attribute("data-storage") == "server"
    await alice.open_chat_with("Bob Okafor")
    stamp = str(time.time_ns())
    await alice.say(f"sent and acknowledged {stamp}")
    await alice.log.get_by_text("Sending…").first.wait_for(state="detached", timeout=20000)
    draft = f"half a thought {stamp}"
    await alice.message_box.fill(draft)
    async with alice.page.expect_response(lambda r: r.url.endswith("/frame/session/kept")):
        pass  # the draft reached the server (gathered for a moment, then one request)

    await go_to(alice, "Science", 2)  # nothing pending: no question asked
    assert f"runtime={runtime}" in alice.page.url  # the site's menu keeps the runtime chosen
    assert await alice.page.locator("parley-launcher").get_attribute("data-runtime") == runtime
    await alice.page.get_by_role("button", name="Close chat").wait_for(timeout=10000)
    root = alice.frame.locator("#parley-root")
    assert await root.get_attribute("data-screen") == "chat"  # on the same conversation, with the draft
    assert await alice.message_box.input_value() == draft
    await alice.log.get_by_text(f"sent and acknowledged {stamp}", exact=True).wait_for()

    stall.stall_all()  # the message reaches the server, its ack never reaches this page
    await alice.say(f"left unacknowledged {stamp}")
    await alice.log.get_by_text("Sending…").first.wait_for(timeout=5000)
    async with alice.page.expect_response(lambda r: r.url.endswith("/frame/session/kept")):
        pass  # the outbox is kept on the server: leaving asks nothing
    await go_to(alice, "Travel", 3)
    await alice.page.get_by_role("button", name="Close chat").wait_for(timeout=10000)
    await alice.log.get_by_text("Sending…").first.wait_for(state="detached", timeout=20000)  # resent, acknowledged
    assert await alice.log.get_by_text(f"left unacknowledged {stamp}", exact=True).count() == 1
    host_storage = await alice.page.evaluate("JSON.stringify(sessionStorage) + JSON.stringify(localStorage)")
    assert stamp not in host_storage  # neither the draft nor the messages are the host page's to read

    # the server cannot be reached for the keep either: the message could be lost, so leaving asks first
    await context.route(re.compile(r"/frame/session/kept"), lambda route: route.abort())
    stall.stall_all()
    await alice.say(f"not acknowledged yet {stamp}")
    await alice.log.get_by_text("Sending…").first.wait_for(timeout=5000)
    dialogs: list[str] = []

    async def stay(dialog: Dialog) -> None:
        dialogs.append(dialog.type)
        await dialog.dismiss()  # the visitor chooses to stay

    alice.page.on("dialog", stay)
    async with alice.page.expect_event("dialog", timeout=15000):
        await alice.page.get_by_role("navigation", name="Site").get_by_role("link", name="Front page").click(
            no_wait_after=True)
    assert dialogs == ["beforeunload"]
    assert "page=3" in alice.page.url  # still on the page, the message still on screen
    await alice.log.get_by_text(f"not acknowledged yet {stamp}", exact=True).wait_for()
