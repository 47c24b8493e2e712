"""Rendezvous at scale: how long the copy-paste frame spends on a friend's presence change when the visitor has
many friends. The frame's home screen shows who is here and every friend by status; each presence frame
redraws it on the frame's main thread.

alice gets FRIENDS friends (all offline but bob), sits on the demo page with the widget open; bob walks
between two pages of the site, so alice's frame receives his presence (here, page title) again and again.
A listener the frame's WebSocket gets before Parley's own handler notes when each presence frame arrives;
a zero-delay timer set there fires once that message's task is over (Parley handles a frame synchronously),
so the figure is the time the frame's main thread spent on it: parsing, state, redraw.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from .report import Table, fmt, median

FRIENDS = 60
WALKS = 8  # bob's page changes per run

# Every document of the context: in the widget frame, time each presence frame's task.
PROBE = """
(() => {
  if (!location.pathname.startsWith('/frame')) return;
  window.__presenceMs = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (!String(event.data).includes('"presence"')) return;
        const at = performance.now();
        setTimeout(() => window.__presenceMs.push(performance.now() - at), 0);
      });
    }
  };
})();
"""


async def seed_friends(data_dir: Path, count: int = FRIENDS) -> None:
    """Give the demo's alice `count` more friends (they stay offline)."""
    from server.store import open_store
    from tests.support.store_data import make_friends, make_user

    store = await open_store(f"sqlite+aiosqlite:///{data_dir / 'parley.sqlite3'}")
    try:
        alice = await store.get_user_by_username("alice")
        assert alice is not None
        for i in range(count):
            await make_friends(store, alice, await make_user(store, f"bench-friend-{i:03d}"))
    finally:
        await store.close()


async def presence_redraws(browser: Any, host_url: str, runtime: str) -> list[float]:
    """ms of the frame's main thread per presence frame, while bob walks between two pages."""
    from tests.browser.widget import FRAME, Visitor, sign_in_popup

    watching = await browser.new_context(viewport={"width": 1100, "height": 760})
    walking = await browser.new_context(viewport={"width": 1100, "height": 760})
    try:
        await watching.add_init_script(PROBE)
        page = await watching.new_page()
        await page.goto(f"{host_url}/?runtime={runtime}")
        alice = Visitor(page, page.frame_locator(FRAME))
        await alice.open()
        await alice.sign_in("alice")
        await alice.friends.get_by_role("button", name="Bob Okafor").wait_for(timeout=30_000)
        frame = next(f for f in page.frames if "/frame?" in f.url)
        bob_page = await walking.new_page()
        for walk in range(WALKS):
            await bob_page.goto(f"{host_url}/?runtime=micropython&page={walk % 2 + 1}")
            bob = Visitor(bob_page, bob_page.frame_locator(FRAME))
            await bob.wait_ready()
            if walk == 0:
                await bob.open()
                await sign_in_popup(bob_page, bob.frame.get_by_role("button", name="Sign in"), "bob")
            await asyncio.sleep(0.8)
        return [float(ms) for ms in await frame.evaluate("window.__presenceMs")]
    finally:
        await walking.close()
        await watching.close()


def table(samples: dict[str, list[float]], runs: int) -> Table:
    out = Table(
        f"Rendezvous with {FRIENDS + 1} friends: the frame's main thread per presence frame "
        f"(all frames of {runs} runs)",
        ["runtime", "presence frames", "median, ms", "max, ms"],
    )
    for runtime, values in samples.items():
        if values:
            out.add(runtime, len(values), median(values), fmt(max(values)))
        else:
            out.add(runtime, "pending: no presence frame timed", "", "")
    out.notes += [
        f"alice (copy-paste widget open on the home screen) has {FRIENDS + 1} friends; bob walks between two",
        f"  pages {WALKS} times. From the presence frame's arrival at the frame's WebSocket to the end of the",
        "  task that handled it (parse, state, redraw of the home screen's lists). Runs after the boot",
        "  figures, on the same demo (the extra friends would change the signed-in boot).",
    ]
    return out


async def run_async(host_url: str, runs: int, chromium: str, args: list[str]) -> dict[str, list[float]]:
    """Every runtime, `runs` times, a fresh browser each time (as the boot runs do)."""
    from playwright.async_api import async_playwright

    from .widget_report import RUNTIMES

    samples: dict[str, list[float]] = {runtime: [] for runtime in RUNTIMES}
    async with async_playwright() as playwright:
        for _ in range(runs):
            for runtime in RUNTIMES:
                browser = await playwright.chromium.launch(executable_path=chromium, args=args)
                try:
                    samples[runtime] += await presence_redraws(browser, host_url, runtime)
                finally:
                    await browser.close()
    return samples
