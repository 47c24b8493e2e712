"""A visitor's journey through the widget in real Chromium, on both runtimes: sign-in and consent in a popup,
staying signed in across reloads, rendezvous, chat both ways with typing and read state, sharing the page,
hostile text rendered inert, and keyboard-only use."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.conftest import screenshot_path
from tests.browser.widget import sign_in_popup, visit
from tests.servers import DemoServer

RUNTIMES = ["micropython", "pyodide"]
XSS = [
    "<img src=x onerror=\"document.title='pwned'\">",
    "<script>document.title='pwned'</script>",
    "javascript:document.title='pwned'",
    "\"><svg onload=document.title='pwned'>",
]


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_sign_in_consent_and_stay_signed_in(demo: DemoServer, new_context: Any, runtime: str) -> None:
    context = await new_context(viewport={"width": 1100, "height": 760})
    alice = await visit(context, demo, runtime)
    await alice.open()
    await alice.sign_in("alice")
    await alice.friends.get_by_role("button", name="Bob Okafor").wait_for()
    await alice.page.screenshot(path=screenshot_path(f"home-{runtime}"))

    await alice.page.reload()  # a returning visitor: the partitioned cookie keeps the sign-in
    await alice.wait_ready()
    await alice.open()
    await alice.friends.wait_for(timeout=20000)
    assert await alice.frame.get_by_role("button", name="Sign in").count() == 0


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_two_friends_meet_chat_and_share(demo: DemoServer, new_context: Any, runtime: str) -> None:
    alice = await visit(await new_context(viewport={"width": 1100, "height": 760}), demo, runtime)
    bob = await visit(await new_context(viewport={"width": 1100, "height": 760}), demo, runtime, "/?page=2")
    for visitor, name in ((alice, "alice"), (bob, "bob")):
        await visitor.open_signed_in(name)

    # rendezvous: each sees the other on this site now
    await alice.here.get_by_role("button", name="Bob Okafor").wait_for(timeout=15000)
    await bob.here.get_by_role("button", name="Alice Martin").wait_for(timeout=15000)

    stamp = str(time.time_ns())
    await alice.open_chat_with("Bob Okafor")
    await bob.open_chat_with("Alice Martin")
    await alice.message_box.type("typing…")
    await bob.frame.get_by_text("Alice Martin is typing…").wait_for(timeout=10000)
    await alice.message_box.fill("")
    await alice.say(f"Hello Bob {stamp}")
    await bob.log.get_by_text(f"Hello Bob {stamp}").wait_for(timeout=10000)
    await bob.say(f"Hi Alice {stamp}")
    await alice.log.get_by_text(f"Hi Alice {stamp}").wait_for(timeout=10000)
    assert await alice.log.get_by_role("separator").filter(has_text="Today").count() >= 1  # day separators
    # bob has the conversation open, so alice's message shows as read
    await alice.log.locator("li.p-mine", has_text=f"Hello Bob {stamp}").get_by_text("Read").wait_for(timeout=10000)
    # the log is redrawn by key: what is shown keeps its nodes while new messages and receipts arrive
    await alice.log.evaluate("log => { for (const li of log.querySelectorAll('li.p-msg')) li.parleyKept = true; }")

    # hostile text is shown as text and runs nothing
    for payload in XSS:
        await alice.say(payload + " " + stamp)
    for payload in XSS:
        await bob.log.get_by_text(payload + " " + stamp, exact=True).wait_for(timeout=10000)
    assert await bob.page.title() != "pwned" and await alice.page.title() != "pwned"
    assert await bob.frame.locator(".p-log img, .p-log script, .p-log svg").count() == 0

    # text outside the Basic Multilingual Plane (emoji, skin tones) arrives intact on both runtimes
    emoji = f"Emoji \U0001F600 \U0001F44D\U0001F3FD {stamp}"
    await alice.say(emoji)
    await bob.log.get_by_text(emoji, exact=True).wait_for(timeout=10000)
    await alice.log.locator("li.p-mine", has_text=emoji).get_by_text("Read").wait_for(timeout=10000)
    kept = await alice.log.evaluate(
        "log => [...log.querySelectorAll('li.p-msg')].filter(li => li.parleyKept)"
        ".map(li => li.querySelector('.p-text')?.textContent ?? '')"
    )
    assert [text for text in kept if text.endswith(stamp)] == [f"Hello Bob {stamp}", f"Hi Alice {stamp}"]
    assert await alice.log.locator("li.p-msg", has_text=stamp).count() == 3 + len(XSS)  # none doubled

    # share this page: a link card that opens safely in a new tab
    await bob.frame.get_by_role("button", name="Share this page").click()
    card = alice.log.locator("a.p-card", has_text="Why the sea glows").last
    await card.wait_for(timeout=10000)
    assert await card.get_attribute("target") == "_blank"
    assert "noopener" in (await card.get_attribute("rel") or "")
    assert (await card.get_attribute("href") or "").startswith(demo.host_url)
    await alice.page.screenshot(path=screenshot_path(f"chat-{runtime}"))
    await bob.page.screenshot(path=screenshot_path(f"chat-bob-{runtime}"))


@pytest.mark.anyio
async def test_a_friend_arriving_redraws_only_the_rows_that_changed(demo: DemoServer, new_context: Any) -> None:
    from server.store import open_store
    from tests.support.store_data import make_friends, make_user

    stamp = str(time.time_ns())[-9:]
    store = await open_store(f"sqlite+aiosqlite:///{demo.data_dir / 'parley.sqlite3'}")
    try:
        alice_user = await store.get_user_by_username("alice")
        assert alice_user is not None
        await make_friends(store, alice_user, await make_user(store, f"quiet{stamp}"))  # stays offline
    finally:
        await store.close()
    alice = await visit(await new_context(viewport={"width": 1100, "height": 760}), demo, "micropython")
    await alice.open_signed_in("alice")
    await alice.friends.get_by_role("button", name=f"Quiet{stamp}").wait_for(timeout=10000)
    await alice.friends.evaluate("list => { for (const li of list.querySelectorAll('li')) li.parleyKept = true; }")

    bob = await visit(await new_context(viewport={"width": 1100, "height": 760}), demo, "micropython", "/?page=2")
    await bob.open_signed_in("bob")
    await alice.here.get_by_role("button", name="Bob Okafor").wait_for(timeout=15000)  # alice's home redrawn
    rows = await alice.friends.evaluate(
        "list => [...list.querySelectorAll('li')].map(li => [li.textContent, li.parleyKept === true])"
    )
    quiet = [kept for text, kept in rows if f"Quiet{stamp}" in text]
    bob_rows = [kept for text, kept in rows if "Bob Okafor" in text]
    assert quiet == [True]  # unchanged: the same node
    assert bob_rows == [False]  # now online: rebuilt


@pytest.mark.anyio
async def test_history_scrolls_back_page_by_page(demo: DemoServer, new_context: Any) -> None:
    from server.store import open_store

    store = await open_store(f"sqlite+aiosqlite:///{demo.data_dir / 'parley.sqlite3'}")
    try:
        alice = await store.get_user_by_username("alice")
        bob = await store.get_user_by_username("bob")
        assert alice is not None and bob is not None
        conv = await store.open_direct(alice.id, bob.id)
        stamp = str(time.time_ns())
        for n in range(120):
            await store.append_message(conv.id, bob.id, f"h{stamp}-{n}", "text", f"history {n} {stamp}")
    finally:
        await store.close()

    visitor = await visit(await new_context(viewport={"width": 1100, "height": 760}), demo, "micropython")
    await visitor.open_signed_in("alice")
    await visitor.open_chat_with("Bob Okafor")
    await visitor.log.get_by_text(f"history 119 {stamp}", exact=True).wait_for(timeout=10000)
    oldest = visitor.log.get_by_text(f"history 0 {stamp}", exact=True)
    assert await oldest.count() == 0  # only the latest page at first
    for _ in range(10):  # scrolling to the top loads older pages until the first message
        await visitor.log.evaluate("log => { log.scrollTop = 0; }")
        await visitor.page.wait_for_timeout(400)
        if await oldest.count():
            break
    await oldest.wait_for(timeout=5000)
    texts = await visitor.log.locator("li.p-msg p.p-text").all_inner_texts()
    mine = [t for t in texts if t.endswith(stamp)]
    assert mine == [f"history {n} {stamp}" for n in range(120)]  # in order, none missing or doubled


@pytest.mark.anyio
async def test_french_dark_and_narrow(demo: DemoServer, new_context: Any) -> None:
    """The browser's language picks the strings (launcher included), dark mode follows the system, and a
    narrow screen gets a full-screen panel."""
    context = await new_context(viewport={"width": 400, "height": 740}, locale="fr-FR", color_scheme="dark")
    page = await context.new_page()
    await page.goto(f"{demo.host_url}/?runtime=micropython")
    launcher = page.get_by_role("button", name="Ouvrir la discussion")
    await launcher.wait_for()
    await page.wait_for_function("document.querySelector('parley-launcher').dataset.state === 'ready'")
    await launcher.click()
    frame = page.frame_locator("iframe[title='Parley chat']")
    await frame.get_by_role("button", name="Se connecter").wait_for()
    box = await page.locator("iframe[title='Parley chat']").bounding_box()
    assert box is not None and box["width"] == 400 and box["height"] == 740
    background = await frame.locator("body").evaluate("b => getComputedStyle(b).backgroundColor")
    assert background == "rgb(20, 23, 30)"  # --parley-bg in the dark theme
    await page.screenshot(path=screenshot_path("narrow-dark-fr"))


@pytest.mark.anyio
async def test_status_sign_out_and_forged_sign_in_answers(demo: DemoServer, new_context: Any) -> None:
    """A visitor's status reaches friends; a sign-in answer posted from another origin is ignored; signing out
    ends the sign-in for this site in this browser (a reload stays signed out)."""
    alice = await visit(await new_context(viewport={"width": 1100, "height": 760}), demo, "micropython")
    bob = await visit(await new_context(viewport={"width": 1100, "height": 760}), demo, "micropython")
    for visitor, name in ((alice, "alice"), (bob, "bob")):
        await visitor.open_signed_in(name)
    await bob.friends.get_by_role("button", name="Alice Martin, Online").wait_for(timeout=15000)
    await alice.frame.get_by_role("combobox", name="Status").select_option("away")
    await bob.friends.get_by_role("button", name="Alice Martin, Away").wait_for(timeout=15000)
    await alice.frame.get_by_role("combobox", name="Status").select_option("online")  # kept on the account
    await bob.friends.get_by_role("button", name="Alice Martin, Online").wait_for(timeout=15000)

    await alice.frame.get_by_role("button", name="Sign out").click()
    await alice.frame.get_by_role("button", name="Sign in").wait_for(timeout=10000)
    await bob.friends.get_by_role("button", name="Alice Martin, Offline").wait_for(timeout=15000)

    await alice.page.reload()  # the partitioned cookie is gone: a reload stays signed out
    await alice.wait_ready()
    await alice.open()
    await alice.frame.get_by_role("button", name="Sign in").wait_for(timeout=10000)

    # a new visitor's sign-in popup waits for her; meanwhile the host page (another origin) forges an answer
    carol = await visit(await new_context(viewport={"width": 1100, "height": 760}), demo, "micropython")
    await carol.open()
    async with carol.page.expect_popup() as popup_info:
        await carol.frame.get_by_role("button", name="Sign in").click()
    popup = await popup_info.value
    await popup.locator("#si-username").wait_for()
    await carol.page.evaluate("""() => document.querySelector("iframe[title='Parley chat']").contentWindow
        .postMessage({type: "parley:oauth", code: "forged", state: "forged", iss: "x"}, "*")""")
    await carol.page.wait_for_timeout(500)
    await popup.close()
    await carol.frame.get_by_text("the sign-in window was closed").wait_for(timeout=10000)
    assert await carol.frame.get_by_role("list", name="Friends").count() == 0


@pytest.mark.anyio
async def test_right_to_left_layout_mirrors(demo: DemoServer, new_context: Any) -> None:
    """In Arabic the panel is right-to-left: strings from the Arabic table, own messages on the left, the
    Send button left of the message box."""
    visitor = await visit(await new_context(viewport={"width": 1100, "height": 760}, locale="ar-EG"), demo,
                          "micropython")
    await visitor.page.get_by_role("button", name="فتح الدردشة").click()
    await visitor.frame.get_by_role("button", name="تسجيل الدخول").wait_for()
    assert await visitor.frame.locator("html").get_attribute("dir") == "rtl"
    await sign_in_popup(visitor.page, visitor.frame.get_by_role("button", name="تسجيل الدخول"), "alice")
    friends = visitor.frame.get_by_role("list", name="الأصدقاء")
    await friends.wait_for(timeout=20000)
    await friends.get_by_role("button").first.click()
    box = visitor.frame.get_by_role("textbox", name="رسالة")
    stamp = str(time.time_ns())
    await box.fill(f"مرحبا {stamp}")
    await box.press("Enter")
    bubble = visitor.frame.locator("li.p-mine", has_text=stamp)
    await bubble.wait_for(timeout=10000)
    log = await visitor.frame.get_by_role("log").bounding_box()
    mine = await bubble.bounding_box()
    send = await visitor.frame.get_by_role("button", name="إرسال").bounding_box()
    typed = await box.bounding_box()
    assert log and mine and send and typed
    assert mine["x"] - log["x"] < 40  # own message against the left edge
    assert send["x"] < typed["x"]
    await visitor.page.screenshot(path=screenshot_path("rtl-arabic"))
