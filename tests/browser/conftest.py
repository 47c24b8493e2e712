"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright, with the network closed to loopback.

Every context blocks and records any request that would leave loopback; a test that caused one fails.
Screenshots go to test-artifacts/ (kept by CI as evidence of what the widget looks like).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Request,
    Route,
    async_playwright,
)

from tests.conftest import service_missing
from tests.servers import ROOT, DemoServer, demo_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
LOOPBACK = {"localhost", "127.0.0.1", "[::1]", "::1"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome-error"):
        return True
    return (parts.hostname or "") in LOOPBACK


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """One `parley demo` for the browser tests of a session (fresh data folder)."""
    if not (Path(os.environ.get("PARLEY_BUNDLE_DIR") or ROOT / "build" / "bundle") / "manifest.json").exists():
        pytest.fail("no widget bundle: run `python build.py` (tests/run.py does it)", pytrace=False)
    with demo_server(tmp_path_factory.mktemp("demo")) as server:
        yield server


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists() or not shutil.which(CHROMIUM):
        service_missing("Chromium", f"{CHROMIUM} not found (tests/run.py installs it with apt-get)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


class Offsite:
    """Requests that tried to leave loopback (blocked)."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    async def block(self, route: Route) -> None:
        self.urls.append(route.request.url)
        await route.abort("blockedbyclient")


class PageErrors:
    """Uncaught errors in any page or frame the test opened.

    Also keeps, for the failure report only (never a reason to fail by itself), the requests that failed and the
    console errors: an uncaught "Failed to fetch" says nothing of which request it was.
    """

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.evidence: list[str] = []

    def watch(self, page: Page) -> Page:
        def on_error(error: Error) -> None:
            self.errors.append(f"{page.url}: {describe(error)}")

        def on_request_failed(request: Request) -> None:
            self.evidence.append(f"request failed ({page.url}): {request.method} {request.url} {request.failure}")

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.evidence.append(f"console.error ({page.url}): {message.text[:2000]}")

        page.on("pageerror", on_error)
        page.on("requestfailed", on_request_failed)
        page.on("console", on_console)
        return page

    def report(self) -> str:
        lines = [f"uncaught page errors ({len(self.errors)}):", *self.errors]
        if self.evidence:
            lines += ["-- failed requests and console errors of the test, in order:", *self.evidence[-60:]]
        return "\n".join(lines)


def describe(error: Error) -> str:
    """An uncaught page error with its name and stack (a bare message like 'Failed to fetch' is not enough)."""
    stack = error.stack or ""
    head = f"{error.name or 'Error'}: {error.message}"
    return f"{head}\n{stack}" if stack and not stack.startswith(head) else (stack or head)


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


@pytest.fixture
async def new_context(browser: Browser, page_errors: PageErrors) -> AsyncIterator[object]:
    """A factory of fresh browser contexts (a new visitor each: cold cache, empty storage)."""
    offsite = Offsite()
    contexts: list[BrowserContext] = []

    async def make(**options: object) -> BrowserContext:
        context = await browser.new_context(**options)  # type: ignore[arg-type]
        await context.route(lambda url: not is_loopback(url), offsite.block)
        context.on("page", page_errors.watch)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        await context.close()
    problems = [f"requests left loopback: {offsite.urls}"] if offsite.urls else []
    if page_errors.errors:
        problems.append(page_errors.report())
    assert not problems, "\n".join(problems)


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
