"""Drive the copy-paste widget as a visitor would: through the host page, its launcher, frame and popup."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.async_api import BrowserContext, FrameLocator, Page

from tests.servers import DemoServer

FRAME = "iframe[title='Parley chat']"
PASSWORDS = {"alice": "alice-demo-pw", "bob": "bob-demo-pw", "carol": "carol-demo-pw"}


@dataclass
class Visitor:
    """One visitor's tab: the host page and the widget frame inside it."""

    page: Page
    frame: FrameLocator

    async def wait_ready(self, timeout: float = 60000) -> None:
        await self.page.wait_for_function(
            "document.querySelector('parley-launcher')?.dataset.state === 'ready'", timeout=timeout
        )

    async def open(self) -> None:
        launcher = self.page.get_by_role("button", name="Open chat")
        if await launcher.count():
            await launcher.first.click()
        await self.page.locator(FRAME).wait_for(state="visible")

    async def sign_in(self, username: str) -> None:
        """Sign in through the popup (sign-in form, then consent if asked)."""
        await sign_in_popup(self.page, self.frame.get_by_role("button", name="Sign in"), username)
        await self.frame.locator("#parley-root[data-screen=home]").wait_for(timeout=20000)  # with friends or not

    async def open_signed_in(self, username: str) -> None:
        """Open the widget and sign in as `username`, unless this browser is signed in already."""
        await self.open()
        if await self.frame.get_by_role("button", name="Sign in").count():
            await self.sign_in(username)

    @property
    def friends(self) -> Any:
        return self.frame.get_by_role("list", name="Friends")

    @property
    def here(self) -> Any:
        return self.frame.get_by_role("region", name="On this site now")

    @property
    def log(self) -> Any:
        return self.frame.get_by_role("log", name="Messages")

    @property
    def message_box(self) -> Any:
        return self.frame.get_by_role("textbox", name="Message")

    async def open_chat_with(self, name: str) -> None:
        await self.friends.get_by_role("button", name=name).first.click()
        await self.message_box.wait_for()

    async def say(self, text: str) -> None:
        await self.message_box.fill(text)
        await self.message_box.press("Enter")


async def sign_in_popup(page: Page, button: Any, username: str) -> None:
    """Click a widget's Sign in `button`, then sign in and allow in the popup it opens (no consent page when
    consent is remembered: the popup then closes at once)."""
    async with page.expect_popup() as popup_info:
        await button.click()
    popup = await popup_info.value
    await popup.wait_for_load_state()
    await popup.locator("#si-username").fill(username)
    await popup.locator("#si-password").fill(PASSWORDS[username])
    await popup.get_by_role("button", name="Sign in").click()
    allow = popup.get_by_role("button", name="Allow")
    try:
        await allow.wait_for(timeout=5000)
        await allow.click()
    except Exception:
        pass  # consent remembered


async def sign_in_inline(page: Page, username: str, where: str = "#chat") -> None:
    """Sign in from a widget mounted inline at `where` (the popup posts the code to the site's own origin)."""
    chat = page.locator(where)
    await sign_in_popup(page, chat.get_by_role("button", name="Sign in"), username)
    await chat.locator("#parley-root[data-screen=home]").wait_for(timeout=20000)  # with friends or not


async def visit(context: BrowserContext, demo: DemoServer, runtime: str, path: str = "/") -> Visitor:
    """Open the demo host page (a different site than Parley) and wait for the widget to boot."""
    page = await context.new_page()
    sep = "&" if "?" in path else "?"
    await page.goto(f"{demo.host_url}{path}{sep}runtime={runtime}")
    visitor = Visitor(page, page.frame_locator(FRAME))
    await visitor.wait_ready()
    return visitor
