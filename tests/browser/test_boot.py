"""The walking skeleton in a real browser: a host page on another site loads the snippet, the launcher shows
at once, and Python starts in the widget frame on both PyScript interpreters."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import screenshot_path
from tests.servers import DemoServer


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", ["micropython", "pyodide"])
async def test_snippet_boots_widget_on_both_runtimes(demo: DemoServer, new_context: Any, runtime: str) -> None:
    context = await new_context(viewport={"width": 1100, "height": 760})
    page = await context.new_page()
    await page.goto(f"{demo.host_url}/?runtime={runtime}")

    launcher = page.get_by_role("button", name="Open chat")
    await launcher.wait_for(state="visible", timeout=5000)

    host = page.locator("parley-launcher")
    await page.wait_for_function(
        "document.querySelector('parley-launcher').dataset.state === 'ready'", timeout=60000
    )
    assert await host.get_attribute("data-runtime") == runtime

    frame_element = page.locator("iframe[title='Parley chat']")
    assert (await frame_element.get_attribute("src") or "").startswith(f"{demo.parley_url}/frame?")
    frame = page.frame_locator("iframe[title='Parley chat']")
    assert await frame.locator("#parley-root").get_attribute("data-runtime") == runtime

    await launcher.click()
    await page.get_by_role("button", name="Close chat").wait_for(state="visible")
    assert await frame_element.is_visible()
    await page.screenshot(path=screenshot_path(f"boot-{runtime}"))


@pytest.mark.anyio
async def test_frame_refuses_unregistered_host_origin(demo: DemoServer, new_context: Any) -> None:
    context = await new_context()
    page = await context.new_page()
    response = await page.goto(f"{demo.parley_url}/frame?site=demo-site&host=https://evil.example")
    assert response is not None and response.status == 403
    assert "not one of the site's registered origins" in await page.content()
