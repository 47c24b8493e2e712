"""The site owners' console with the live preview, in real Chromium against `parley demo`: the owner changes
theme (dark + accent), launcher side (left) and language (fr), the preview (the real widget on Parley's
origin) follows before saving, and after saving a page of the demo host site (another origin) does too; an
extension module that is not there is refused on save next to its field, and the preview shows which
modules loaded and why another was disabled; choosing Pyodide boots the preview on it before saving."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import FrameLocator, Page, expect

from tests.browser.conftest import screenshot_path
from tests.browser.widget import FRAME, PASSWORDS, visit
from tests.servers import DemoServer

SITE = "demo-site"
FIELDS = ("w-theme", "w-accent", "w-side", "w-offset", "w-lang", "w-sound", "w-runtime", "w-extensions")


async def sign_in_console(page: Page, demo: DemoServer) -> None:
    await page.goto(f"{demo.parley_url}/sites/{SITE}")
    await page.locator("#si-username").fill("alice")
    await page.locator("#si-password").fill(PASSWORDS["alice"])
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"**/sites/{SITE}*")


async def preview_ready(page: Page) -> FrameLocator:
    """The preview's widget, once its frame said ready (the preview page opens it then)."""
    preview = page.frame_locator("#preview-frame")
    await expect(preview.locator("parley-launcher")).to_have_attribute("data-state", "ready", timeout=60000)
    return preview.frame_locator(FRAME)


async def launcher_side(frame_or_page: Any) -> str | None:
    value = await frame_or_page.locator("parley-launcher").get_attribute("data-side")
    return str(value) if value is not None else None


@pytest.mark.anyio
async def test_owner_tunes_the_widget_with_a_live_preview(new_context: Any, demo: DemoServer) -> None:
    context = await new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    await sign_in_console(page, demo)
    saved = {field: await page.locator(f"#{field}").input_value() for field in FIELDS}
    try:
        await tune_and_check(page, context, demo)
    finally:  # the demo site is shared by every browser test of the session: put its settings back
        await page.goto(f"{demo.parley_url}/sites/{SITE}")
        for field, value in saved.items():
            if field in ("w-accent", "w-offset", "w-extensions"):
                await page.locator(f"#{field}").fill(value)
            else:
                await page.locator(f"#{field}").select_option(value)
        await page.get_by_role("button", name="Save widget settings").click()
        await expect(page.get_by_role("status")).to_contain_text("Widget settings saved")


async def tune_and_check(page: Page, context: Any, demo: DemoServer) -> None:
    widget = await preview_ready(page)
    preview = page.frame_locator("#preview-frame")
    assert await launcher_side(preview) == "right"

    # change theme, accent, side and language: the preview reloads with the draft before anything is saved
    await page.locator("#w-theme").select_option("dark")
    await page.locator("#w-accent").fill("#e8590c")
    await page.locator("#w-side").select_option("left")
    await page.locator("#w-lang").select_option("fr")
    await expect(page.locator("#preview-frame")).to_have_attribute("src", _draft_url(), timeout=5000)
    widget = await preview_ready(page)
    await expect(preview.locator("parley-launcher")).to_have_attribute("data-side", "left")
    await expect(widget.locator("html")).to_have_attribute("data-theme", "dark")
    await expect(widget.locator("html")).to_have_attribute("lang", "fr")
    await expect(widget.locator("html")).to_have_attribute("style", "--parley-accent:#e8590c;"
                                                           "--parley-accent-text:#111111;--parley-mine:#e8590c;"
                                                           "--parley-mine-text:#111111")
    await expect(widget.get_by_role("button", name="Se connecter")).to_be_visible(timeout=30000)
    launcher = await preview.locator("parley-launcher").bounding_box()
    framed = await page.locator("#preview-frame").bounding_box()
    assert launcher is not None and framed is not None
    assert launcher["x"] - framed["x"] < 100  # on the left edge of the preview

    # nothing saved yet: the host site still shows the old settings
    host = await visit(context, demo, "micropython")
    assert await launcher_side(host.page) == "right"
    await host.page.close()

    await page.get_by_role("button", name="Save widget settings").click()
    await expect(page.get_by_role("status")).to_contain_text("Widget settings saved")

    # the next page load of the host site (another origin, a plain one-line snippet) follows
    host = await visit(context, demo, "micropython")
    await expect(host.page.locator("parley-launcher")).to_have_attribute("data-side", "left")
    box = await host.page.locator("parley-launcher").bounding_box()
    assert box is not None and box["x"] < 100
    await expect(host.frame.locator("html")).to_have_attribute("data-theme", "dark")
    await expect(host.frame.locator("html")).to_have_attribute("lang", "fr")
    await host.page.get_by_role("button", name="Ouvrir la discussion").click()  # the launcher speaks French
    await expect(host.frame.get_by_role("button", name="Se connecter")).to_be_visible()
    await expect(host.page.get_by_role("button", name="Fermer la discussion")).to_be_visible()
    await host.page.close()

    # extension modules: a missing one is refused on save, with the reason next to the field
    missing = f"{demo.host_url}/ext/missing.py"
    await page.locator("#w-extensions").fill(missing)
    await page.get_by_role("button", name="Save widget settings").click()
    await expect(page.locator("#w-extensions-error")).to_contain_text(f"{missing}: it answered HTTP 404")
    await expect(page.locator("#w-extensions")).to_have_attribute("aria-invalid", "true")

    # a good one and one that raises when it runs: the preview shows one loaded, the other disabled and why
    good, broken = f"{demo.host_url}/ext/roll.py", f"{demo.host_url}/ext/broken.py"
    await page.locator("#w-extensions").fill(f"{good}\n{broken}")
    await page.get_by_role("button", name="Save widget settings").click()
    await expect(page.get_by_role("status")).to_contain_text("Widget settings saved")
    await preview_ready(page)
    extensions = preview.locator("#parley-extensions")
    await expect(extensions).to_have_attribute("data-state", "failed", timeout=30000)
    await expect(extensions.locator(".ext-loaded")).to_have_text(f"{good} — loaded")
    await expect(extensions.locator(".ext-failed")).to_contain_text(
        f"{broken} — failed: it raised RuntimeError: this extension fails on purpose")
    await expect(page.locator("#w-extensions")).to_have_value(f"{good}\n{broken}")
    await expect(widget.get_by_role("button", name="Se connecter")).to_be_visible(timeout=30000)
    await page.locator("section.card.wide").screenshot(path=str(screenshot_path("console-preview")))

    # the runtime: the preview boots the same widget on Pyodide before the choice is saved
    await page.locator("#w-runtime").select_option("pyodide")
    await expect(page.locator("#preview-frame")).to_have_attribute("src", re.compile(r"runtime=pyodide"),
                                                                   timeout=5000)
    widget = await preview_ready(page)
    await expect(widget.locator("script[type=py]")).to_have_count(1)
    await expect(widget.locator("script[type=mpy]")).to_have_count(0)
    await expect(widget.get_by_role("button", name="Se connecter")).to_be_visible(timeout=90000)
    await expect(preview.locator("#parley-extensions .ext-loaded")).to_have_text(f"{good} — loaded", timeout=90000)


def _draft_url() -> Any:
    return re.compile(r"theme=dark.*accent=%23e8590c.*side=left.*lang=fr")
