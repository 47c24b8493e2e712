"""A developer's inline page keeps using `window` after `parley.mount()`, on both runtimes.

On MicroPython 1.27 (PyScript's webassembly build) a JS function has one JsProxy, marked "call with self" the
first time Python reads it as a method (`element.addEventListener`); `window.f(a, b)` through PyScript's `window`
(the `js` module) reuses that proxy without a self, so `a` becomes `this`. Every EventTarget shares one
`addEventListener`: once parley read it off an element, the page's next `window.addEventListener("x", f)` threw
"Illegal invocation", which Python cannot catch, and the rest of the page's script never ran (the mark lasts
until the proxy is collected, after the script's synchronous run). Parley now never reads EventTarget methods as
attributes (parley/listeners.py), and its own window listeners work even when the page itself left the mark.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.async_api import Page

from tests.browser.conftest import PageErrors
from tests.browser.local_site import send_body, serving
from tests.servers import DemoServer

RUNTIMES = ["micropython", "pyodide"]

# The page's own script, as a developer writes it (docs/python-api.md), then parley's own window listeners
# (the connection's online/offline) started after the page itself read addEventListener off `document`.
SCRIPT = """
import json

from pyscript import document, window
from pyscript.ffi import create_proxy

import parley
from parley.connection import Connection

heard = []


def record(event):
    heard.append(str(event.type))
    document.body.dataset.heard = json.dumps(heard)


session = await parley.mount("#chat", persist="session")
window.addEventListener("page-ping", create_proxy(record))  # right after mount: threw on MicroPython
document.body.dataset.mounted = "yes"

document.addEventListener("page-pong", create_proxy(record))  # the page reads the shared method itself
statuses = []


def status(value):
    statuses.append(value)
    document.body.dataset.statuses = json.dumps(statuses)


async def no_hello():
    return None


connection = Connection(SILENT_WS, no_hello, lambda frame: None, status, lambda action: None)
connection.start()  # window.addEventListener("online"/"offline") inside parley
document.body.dataset.started = "yes"
"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>inline window</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="{parley}/inline/core.css">
<script type="module" src="{parley}/inline/core.js"></script></head>
<body><div id="chat" style="width:380px;height:560px"></div>
<script type="{script_type}" config="{parley}/inline/config.json?site=demo-site&amp;runtime={runtime}">
SILENT_WS = "{silent_ws}"
{code}
</script></body></html>
"""


class OnePage(http.server.BaseHTTPRequestHandler):
    """/: the page; /ws: a socket that never answers its handshake (the connection stays "connecting")."""

    page = ""
    closing = threading.Event()

    def do_GET(self) -> None:
        if self.path.startswith("/ws"):
            self.closing.wait(120)
            return
        send_body(self, 200, self.page.encode(), "text/html; charset=utf-8", ("Cache-Control", "no-store"))

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def page_server() -> Iterator[tuple[str, type[OnePage]]]:
    """The developer's own site: another loopback origin (a real server: the browser's local-network checks
    refuse a page fulfilled by Playwright the loopback Parley files)."""
    handler: type[OnePage] = type("Handler", (OnePage,), {"closing": threading.Event()})
    with serving(handler) as origin:
        try:
            yield origin, handler
        finally:
            handler.closing.set()  # before the shutdown: the /ws requests hold their threads


async def wait_for_mark(page: Page, page_errors: PageErrors, mark: str) -> None:
    """Wait until the script sets data-<mark>. An error ends the wait at once: uncaught in the page, or reported
    by PyScript in the console (an exception that ended the script: the mark would never come)."""
    for _ in range(600):
        failed = page_errors.errors or [line for line in page_errors.evidence if line.startswith("console.error")]
        assert not failed, page_errors.report()
        if await page.evaluate(f"document.body.dataset.{mark} === 'yes'"):
            return
        await page.wait_for_timeout(100)
    raise AssertionError(f"the page script never set data-{mark}\n{page_errors.report()}")


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_window_listeners_after_mount(
    demo: DemoServer, new_context: Any, page_errors: PageErrors, runtime: str, page_server: tuple[str, Any]
) -> None:
    origin, handler = page_server
    handler.page = PAGE.format(
        parley=demo.parley_url,
        runtime=runtime,
        script_type="py" if runtime == "pyodide" else "mpy",
        silent_ws=origin.replace("http", "ws", 1) + "/ws",
        code=SCRIPT,
    )
    context = await new_context()
    page = await context.new_page()
    await page.goto(f"{origin}/")

    await wait_for_mark(page, page_errors, "mounted")
    assert await page.locator("#chat #parley-root").get_attribute("data-state") == "ready"
    await page.evaluate("window.dispatchEvent(new Event('page-ping'))")
    await page.wait_for_function("document.body.dataset.heard", timeout=20000)
    assert json.loads(await page.evaluate("document.body.dataset.heard")) == ["page-ping"]

    await wait_for_mark(page, page_errors, "started")
    await page.evaluate("document.dispatchEvent(new Event('page-pong'))")
    await page.wait_for_function("document.body.dataset.heard.includes('page-pong')", timeout=20000)
    # parley's own window listener hears the browser going offline (the socket itself is still connecting)
    assert json.loads(await page.evaluate("document.body.dataset.statuses")) == ["connecting"]
    await page.evaluate("window.dispatchEvent(new Event('offline'))")
    await page.wait_for_function("document.body.dataset.statuses.includes('offline')", timeout=20000)
    assert json.loads(await page.evaluate("document.body.dataset.statuses")) == ["connecting", "offline"]
