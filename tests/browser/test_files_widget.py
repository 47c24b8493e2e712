"""Pictures and files in the widget, in real Chromium on both runtimes: paste a picture and drop another into
a conversation, the friend sees the thumbnails live and after a reload (drawn from blob: URLs the frame fetched
with its token, never a URL with a credential), opens one full size, and downloads a file sent with the
paperclip's picker as a card with its name and size."""

from __future__ import annotations

import base64
import io
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.async_api import expect

from tests.browser.conftest import screenshot_path
from tests.browser.widget import visit
from tests.servers import DemoServer

RUNTIMES = ["micropython", "pyodide"]
PUT_FILE = """(target, [kind, b64, name, type]) => {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type}));
  const event = kind === 'paste'
    ? new ClipboardEvent('paste', {clipboardData: transfer, bubbles: true, cancelable: true})
    : new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true});
  target.dispatchEvent(event);
}"""


def picture(color: tuple[int, int, int], size: tuple[int, int]) -> str:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


async def thumbnails_loaded(log: Any) -> list[str]:
    """The src of every thumbnail drawn and decoded in the log."""
    result: list[str] = await log.evaluate(
        "log => [...log.querySelectorAll('button.p-thumb img')].filter(i => i.complete && i.naturalWidth > 0)"
        ".map(i => i.src)")
    return result


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_pictures_and_files_reach_the_friend(demo: DemoServer, new_context: Any, runtime: str,
                                                   tmp_path: Path) -> None:
    alice = await visit(await new_context(viewport={"width": 1100, "height": 760}), demo, runtime)
    bob_context = await new_context(viewport={"width": 1100, "height": 760}, accept_downloads=True)
    bob = await visit(bob_context, demo, runtime, "/?page=2")
    for visitor, name in ((alice, "alice"), (bob, "bob")):
        await visitor.open_signed_in(name)
    await alice.open_chat_with("Bob Okafor")
    await bob.open_chat_with("Alice Martin")
    before = len(await thumbnails_loaded(bob.log))
    pasted_before = await bob.log.get_by_role("button", name="Open pasted ").count()
    stamp = str(time.time_ns())
    blue = f"blue-{stamp}.png"

    # paste a screenshot into the composer, drop another picture on the conversation
    await alice.message_box.evaluate(PUT_FILE, ["paste", picture((220, 40, 40), (640, 400)), "", "image/png"])
    await alice.log.evaluate(PUT_FILE, ["drop", picture((40, 40, 220), (300, 500)), blue, "image/png"])
    for _ in range(200):
        if len(await thumbnails_loaded(bob.log)) >= before + 2:
            break
        await bob.page.wait_for_timeout(100)
    loaded = await thumbnails_loaded(bob.log)
    assert len(loaded) >= before + 2, loaded
    assert all(src.startswith("blob:") for src in loaded)  # no token or file URL in an <img src>
    last = bob.log.get_by_role("button", name=f"Open {blue} full size")  # the uploads run side by side
    await expect(bob.log.get_by_role("button", name="Open pasted ")).to_have_count(pasted_before + 1)  # named for it

    # full size in the panel's viewer, closed with Escape
    await last.click()
    viewer = bob.frame.get_by_role("dialog", name=blue)
    await viewer.wait_for()
    await bob.page.wait_for_timeout(300)
    size = await viewer.locator("img").evaluate("i => [i.naturalWidth, i.naturalHeight]")
    assert size == [300, 500]
    await bob.page.screenshot(path=screenshot_path(f"files-viewer-{runtime}"))
    await viewer.press("Escape")
    await viewer.wait_for(state="detached")
    await bob.message_box.wait_for()  # the picture closed, the panel stays open

    # a file from the paperclip's picker arrives as a card with name and size, and downloads
    notes = tmp_path / f"notes-{stamp}.txt"
    notes.write_text("minutes of the meeting\n" * 100)
    await alice.frame.locator("input.p-file-input").set_input_files(str(notes))
    card = bob.log.locator(".p-file", has_text=notes.name)
    await card.wait_for(timeout=20000)
    assert "2.2 KB" in (await card.inner_text())
    async with bob.page.expect_download() as info:
        await card.get_by_role("button", name=f"Download {notes.name}").click()
    download = await info.value
    assert download.suggested_filename == notes.name
    assert Path(await download.path()).read_text() == notes.read_text()
    await alice.page.screenshot(path=screenshot_path(f"files-chat-{runtime}"))

    # after a reload the pictures are there again, fetched anew
    await bob.page.reload()
    await bob.wait_ready()
    await bob.open()
    await bob.frame.locator("#parley-root[data-screen=home], #parley-root[data-screen=chat]").wait_for(timeout=20000)
    if await bob.frame.locator("#parley-root[data-screen=home]").count():  # else the visit's place reopened it
        await bob.open_chat_with("Alice Martin")
    for _ in range(200):
        if len(await thumbnails_loaded(bob.log)) >= before + 2:
            break
        await bob.page.wait_for_timeout(100)
    assert len(await thumbnails_loaded(bob.log)) >= before + 2


@pytest.mark.anyio
async def test_the_demo_club_shows_a_shared_screenshot(demo: DemoServer, new_context: Any) -> None:
    """`parley demo` seeds bob's screenshot of the site in the book club, through the real upload path: alice
    sees it as a thumbnail drawn from a blob: URL, beside the edited, deleted and reacted messages."""
    alice = await visit(await new_context(viewport={"width": 1100, "height": 760}), demo, "micropython")
    await alice.open_signed_in("alice")
    await alice.frame.get_by_role("list", name="Groups").get_by_role("button").filter(
        has_text="Lantern book club").first.click()
    await alice.log.get_by_text("Message deleted").wait_for(timeout=20000)
    deadline = time.monotonic() + 20
    while not await thumbnails_loaded(alice.log) and time.monotonic() < deadline:
        await alice.page.wait_for_timeout(100)
    loaded = await thumbnails_loaded(alice.log)
    assert len(loaded) == 1 and loaded[0].startswith("blob:")
    await alice.page.screenshot(path=screenshot_path("demo-club"))


BIG_FILE = """(target, [name, megabytes]) => {
  const transfer = new DataTransfer();
  transfer.items.add(new File([new Uint8Array(megabytes * 1024 * 1024)], name, {type: 'application/octet-stream'}));
  target.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
}"""


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_a_failed_upload_is_kept_for_retry_or_cancel(demo: DemoServer, new_context: Any,
                                                           runtime: str) -> None:
    """The network drops while alice sends two pictures: both stay listed with the reason and Retry / Cancel.
    Cancel removes one and it never reaches bob; Retry, once back online, delivers the other. A file over the
    site's limit is refused before any byte is sent, with the limit named."""
    alice_context = await new_context(viewport={"width": 1100, "height": 760})
    alice = await visit(alice_context, demo, runtime)
    bob = await visit(await new_context(viewport={"width": 1100, "height": 760}), demo, runtime, "/?page=2")
    for visitor, name in ((alice, "alice"), (bob, "bob")):
        await visitor.open_signed_in(name)
    await alice.open_chat_with("Bob Okafor")
    await bob.open_chat_with("Alice Martin")
    stamp = str(time.time_ns())
    kept, dropped = f"kept-{stamp}.png", f"dropped-{stamp}.png"
    uploads = alice.frame.locator("li.p-upload-failed")

    await alice_context.set_offline(True)
    await alice.log.evaluate(PUT_FILE, ["drop", picture((30, 160, 60), (320, 200)), kept, "image/png"])
    await alice.log.evaluate(PUT_FILE, ["drop", picture((160, 30, 160), (200, 320)), dropped, "image/png"])
    await expect(uploads).to_have_count(2, timeout=20000)
    await expect(uploads.filter(has_text=kept)).to_contain_text("The connection was lost.")
    await alice.frame.get_by_role("button", name=f"Cancel upload of {dropped}").click()
    await expect(uploads).to_have_count(1)
    await alice.page.screenshot(path=screenshot_path(f"files-upload-failed-{runtime}"))

    await alice_context.set_offline(False)
    await alice.frame.get_by_role("button", name=f"Retry upload of {kept}").click()
    await expect(uploads).to_have_count(0, timeout=20000)
    await bob.log.get_by_role("button", name=f"Open {kept} full size").wait_for(timeout=20000)
    await expect(bob.log.get_by_role("button", name=f"Open {dropped} full size")).to_have_count(0)
    await expect(alice.log.get_by_role("button", name=f"Open {dropped} full size")).to_have_count(0)

    # over the demo site's 10 MiB: refused at once, nothing uploaded, the limit said
    big = f"big-{stamp}.bin"
    await alice.log.evaluate(BIG_FILE, [big, 11])
    refused = uploads.filter(has_text=big)
    await expect(refused).to_contain_text(f"{big} is larger than this site allows (10", timeout=20000)
    await alice.frame.get_by_role("button", name=f"Cancel upload of {big}").click()
    await expect(uploads).to_have_count(0)
    await expect(bob.log.locator(".p-file", has_text=big)).to_have_count(0)
