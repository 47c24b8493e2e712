"""Re-entry (issue 14): a visit is mostly re-entries. A signed-in visitor with the chat open on a conversation
clicks a link to another page of the same site; measured: the click -> the conversation drawn as they left it
and usable (the widget's #parley-root is ready, on the chat screen, and the message box is in the document and
enabled, i.e. it accepts input), for both runtimes, in the copy-paste widget (the demo host site's menu, a
cross-site frame whose storage this Chromium refuses: the frame keeps the visit on the Parley server) and
inline (the demo's shop page, `parley.mount()`, the page's own sessionStorage).

Beside it, the floor of the same run: a bare PyScript page (floor.py: PyScript's core and the interpreter from
the same /static, a WebSocket echo) navigated to with its cache warm, navigation -> its `floor-ready` mark.

Times run from the new page's navigation start (its performance.timeOrigin: the moment the click started the
navigation, before the old page unloads) to the moment an init script in the widget's document saw the
conversation usable, both as epoch milliseconds on this machine's clock (the frame is another document with its
own time origin). The floor is timed the same way: navigation start -> `floor-ready`. One uncounted navigation
warms each page first; medians of the rest.
Budget (issue 14): MicroPython <= 1.5x the floor's warm load, Pyodide <= 1.2x.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from .report import Table, fmt_ratio, verdict

BUDGET = {"micropython": 1.5, "pyodide": 1.2}
Times = tuple[float, float]  # ms from the click: usable (painted or live), live (the widget's Python drew it)
TIMEOUT_MS = {"micropython": 20_000, "pyodide": 90_000}
SITE_PAGES = (("Science", 2), ("Travel", 3), ("Front page", 1))
SHOP_PAGES = (("Lanterns", 2), ("Visit us", 3), ("Shop", 1))

# In every document: note (epoch ms) when a Parley widget in it is usable on its chat screen. The copy-paste
# frame's #parley-root is in its document; inline, it is in <parley-inline>'s shadow root.
PROBE = """(() => {
  const v = window.__visit = {usable: null, live: null};
  const check = (root) => {
    if (v.live !== null) return;
    const el = root.getElementById('parley-root');
    const state = el && el.getAttribute('data-state');
    if ((state !== 'ready' && state !== 'painted') || el.getAttribute('data-screen') !== 'chat') return;
    const box = el.querySelector('textarea');
    if (!box || box.disabled) return;
    const now = performance.timeOrigin + performance.now();
    if (v.usable === null) v.usable = now;
    if (state === 'ready') v.live = now;
  };
  const watch = (root) => new MutationObserver(() => check(root)).observe(root,
      {attributes: true, childList: true, subtree: true, attributeFilter: ['data-state', 'data-screen', 'disabled']});
  watch(document);
  const attachShadow = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attachShadow.call(this, init);
    if (this.nodeName === 'PARLEY-INLINE') watch(root);
    return root;
  };
})();"""
FLOOR_READY = """() => {
  const mark = performance.getEntriesByName('floor-ready')[0];
  return mark ? mark.startTime : null;
}"""
NAVIGATION_START = "() => performance.timeOrigin"
# The frame's own account of a re-entry, as epoch ms: its navigation, marks and the key requests' ends.
FRAME_STEPS = """() => {
  const at = (t) => performance.timeOrigin + t;
  const out = {"frame navigation": performance.timeOrigin};
  const nav = performance.getEntriesByType('navigation')[0];
  if (nav) out["frame document"] = at(nav.responseEnd);
  for (const e of performance.getEntriesByType('mark')) if (e.name.startsWith('parley:')) out[e.name] = at(e.startTime);
  let last = 0;
  for (const e of performance.getEntriesByType('resource')) {
    if (e.name.includes('/frame/session/refresh')) {
      out["sign-in request"] = at(e.startTime);
      out["sign-in answer"] = at(e.responseEnd);
    }
    else if (/\\.wasm$/.test(e.name)) out["interpreter wasm"] = at(e.responseEnd);
    else if (/\\/static\\/(mpy\\/)?parley\\//.test(e.name)) last = Math.max(last, e.responseEnd);
  }
  if (last) out["package files"] = at(last);
  return out;
}"""
STEP_ORDER = ("frame navigation", "frame document", "parley:boot", "sign-in request", "sign-in answer",
              "parley:painted",
              "parley:storage", "parley:core", "interpreter wasm", "package files", "parley:python",
              "parley:imported", "parley:live")


async def frame_usable(page: Any, inline: bool, runtime: str) -> tuple[float, float]:
    """Epoch ms at which the widget of the page now loaded became usable on its chat screen (painted or
    live), and at which it was live (its Python drew it: data-state ready)."""
    deadline = time.monotonic() + TIMEOUT_MS[runtime] / 1000
    while time.monotonic() < deadline:
        documents = [page.main_frame] if inline else [f for f in page.frames if "/frame?" in f.url]
        for document in documents:
            try:
                seen = await document.evaluate("window.__visit && [window.__visit.usable, window.__visit.live]")
            except Exception:  # navigating: the old document went away
                seen = None
            if seen and seen[1]:
                return float(seen[0]), float(seen[1])
        await asyncio.sleep(0.02)
    raise TimeoutError("the conversation did not become usable after the navigation")


async def frame_steps(page: Any, click: float, steps: dict[str, list[float]]) -> None:
    """Add the frame's steps of this re-entry (ms after the click) to `steps`."""
    for document in (f for f in page.frames if "/frame?" in f.url):
        for name, epoch in (await document.evaluate(FRAME_STEPS)).items():
            steps.setdefault(name, []).append(float(epoch) - click)


async def copy_paste(browser: Any, host_url: str, runtime: str, runs: int,
                     steps: dict[str, list[float]] | None = None) -> list[Times]:
    """Click -> usable, in the copy-paste widget on the demo host site (and the frame's steps into `steps`)."""
    from tests.browser.widget import FRAME, Visitor

    context = await browser.new_context(viewport={"width": 1000, "height": 720})
    try:
        await context.add_init_script(PROBE)
        page = await context.new_page()
        await page.goto(f"{host_url}/?runtime={runtime}&page=1")
        visitor = Visitor(page, page.frame_locator(FRAME))
        await visitor.wait_ready(TIMEOUT_MS[runtime])
        await visitor.open_signed_in("alice")
        await visitor.open_chat_with("Bob Okafor")
        times = []
        for n in range(runs + 1):  # the first navigation warms the pages' cache: not counted
            name, _ = SITE_PAGES[n % len(SITE_PAGES)]
            await page.get_by_role("navigation", name="Site").get_by_role("link", name=name).click()
            usable, live = await frame_usable(page, False, runtime)
            if n:
                click = await page.evaluate(NAVIGATION_START)
                times.append((usable - click, live - click))
                if steps is not None:
                    await frame_steps(page, click, steps)
        return times
    finally:
        await context.close()


async def inline(browser: Any, host_url: str, runtime: str, runs: int) -> list[Times]:
    """Click -> usable, inline on the demo's shop page (the widget in the page's own shadow root)."""
    from tests.browser.widget import sign_in_inline

    context = await browser.new_context(viewport={"width": 1100, "height": 760})
    try:
        await context.add_init_script(PROBE)
        page = await context.new_page()
        await page.goto(f"{host_url}/inline?runtime={runtime}")
        chat = page.locator("#chat")
        await chat.locator("#parley-root[data-state=ready]").wait_for(timeout=TIMEOUT_MS[runtime])
        await sign_in_inline(page, "alice")
        await chat.get_by_role("list", name="Friends").get_by_role("button", name="Bob Okafor").first.click()
        await chat.get_by_role("textbox", name="Message").wait_for()
        times = []
        for n in range(runs + 1):
            name, _ = SHOP_PAGES[n % len(SHOP_PAGES)]
            await page.get_by_role("navigation", name="Shop").get_by_role("link", name=name).click()
            usable, live = await frame_usable(page, True, runtime)
            if n:
                click = await page.evaluate(NAVIGATION_START)
                times.append((usable - click, live - click))
        return times
    finally:
        await context.close()


async def floor(browser: Any, floor_url: str, runtime: str, runs: int) -> list[Times]:
    """Navigation -> floor-ready on the bare PyScript page, cache warm (the first load is not counted)."""
    context = await browser.new_context()
    try:
        page = await context.new_page()
        times = []
        for n in range(runs + 1):
            await page.goto(f"{floor_url}/?runtime={runtime}&n={n}", wait_until="commit")
            await page.wait_for_function(FLOOR_READY, timeout=TIMEOUT_MS[runtime], polling=10)
            if n:
                ready = float(await page.evaluate(FLOOR_READY))
                times.append((ready, ready))
        return times
    finally:
        await context.close()


Found = dict[tuple[str, str], list[Times] | str]
Steps = dict[str, dict[str, list[float]]]


async def run_async(host_url: str, floor_url: str, runs: int, chromium: str, args: list[str],
                    log: Callable[[str], None]) -> tuple[Found, Steps]:
    """{(runtime, page): click -> usable times, or why they are missing}, page in floor, copy-paste, inline;
    and {runtime: the copy-paste frame's steps}."""
    from playwright.async_api import async_playwright

    found: Found = {}
    chosen = [r for r in os.environ.get("PARLEY_BENCH_RUNTIMES", ",".join(BUDGET)).split(",") if r in BUDGET]
    steps: Steps = {runtime: {} for runtime in chosen}
    async with async_playwright() as playwright:
        for runtime in chosen:
            browser = await playwright.chromium.launch(executable_path=chromium, args=args)
            try:
                for name, measure, url in (("floor", floor, floor_url), ("copy-paste", copy_paste, host_url),
                                           ("inline", inline, host_url)):
                    started = time.perf_counter()
                    try:
                        if measure is copy_paste:
                            found[(runtime, name)] = await copy_paste(browser, url, runtime, runs, steps[runtime])
                        else:
                            found[(runtime, name)] = await measure(browser, url, runtime, runs)
                    except Exception as error:
                        found[(runtime, name)] = f"failed: {type(error).__name__}: {str(error)[:80]}"
                    log(f"  visit {runtime} {name}: {time.perf_counter() - started:.1f}s")
            finally:
                await browser.close()
    return found, steps


def run(quick: bool, runs: int, log: Callable[[str], None]) -> list[Table]:
    """The suite: the demo (host site and Parley) and the floor's site on loopback, then both runtimes."""
    import shutil
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from tests.servers import ROOT, start_demo

    from .bench_widget import CHROMIUM, CHROMIUM_ARGS, private_bundle
    from .relay_targets import _wait_port, free_port

    if not shutil.which(CHROMIUM):
        missing = Table("Re-entry", ["figure", "value"])
        missing.add("re-entry", f"pending: {CHROMIUM} not found")
        return [missing]
    runs = 3 if quick else max(runs, 7)
    bundle = private_bundle()
    with tempfile.TemporaryDirectory(prefix="bench-visit-") as tmp:
        demo = start_demo(Path(tmp) / "demo", env={"PARLEY_BUNDLE_DIR": str(bundle)})
        floor_port = free_port()
        floor_log = Path(tmp) / "floor.log"
        floor_server = subprocess.Popen(
            [sys.executable, "-m", "tests.perf.floor", "--port", str(floor_port), "--parley", demo.parley_url,
             "--bundle", str(bundle)],
            cwd=ROOT, stdout=floor_log.open("wb"), stderr=subprocess.STDOUT,
        )
        try:
            _wait_port(floor_port, floor_server, floor_log)
            found, steps = asyncio.run(run_async(demo.host_url, f"http://127.0.0.1:{floor_port}", runs, CHROMIUM,
                                          CHROMIUM_ARGS, log))
        finally:
            floor_server.terminate()
            floor_server.wait(10)
            demo.stop()
    return [table(found, runs), steps_table(steps)]


def table(found: Found, runs: int) -> Table:
    """The re-entry table with the budget verdict."""
    out = Table(
        "Re-entry: a link of the site clicked -> the conversation drawn and usable (median ms from navigation start)",
        ["runtime", "page", "median ms", "p90 ms", "vs floor", "budget", "met?", "live ms", "live/floor"],
    )
    for runtime, budget in BUDGET.items():
        if not any(key[0] == runtime for key in found):
            continue
        base = found.get((runtime, "floor"))
        floor_ms = statistics.median(t[0] for t in base) if isinstance(base, list) and base else None
        for name in ("floor", "copy-paste", "inline"):
            times = found.get((runtime, name))
            if not isinstance(times, list) or not times:
                out.add(runtime, name, str(times or "no data"), "", "", "", "", "", "")
                continue
            ordered = sorted(t[0] for t in times)
            median = statistics.median(ordered)
            p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
            if name == "floor":
                out.add(runtime, name, median, p90, "floor", "", "", "", "")
                continue
            live = statistics.median(t[1] for t in times)
            ratio = median / floor_ms if floor_ms else float("nan")
            out.add(runtime, name, median, p90, fmt_ratio(ratio), f"<= {budget:g}x",
                    verdict(ratio, budget) if floor_ms else "-", live,
                    fmt_ratio(live / floor_ms) if floor_ms else "-")
    out.notes += [
        f"{runs} navigations per page after one uncounted warm-up; each runtime in its own Chromium.",
        "usable: the chat screen with an enabled message box, painted (the panel's last drawing, before Python)",
        "  or live; live ms: the widget's Python drew it (data-state ready). The next click waits for live.",
        "copy-paste: the demo host site's menu (a real navigation); the cross-site frame's storage is refused by",
        "  this Chromium, so its place comes back from the server (/frame/session/refresh, include kept).",
        "inline: the demo's shop page, parley.mount() in the page (sessionStorage).",
        "floor: a bare PyScript page (same /static files) with a WebSocket echo, navigation -> floor-ready.",
    ]
    return out


def steps_table(steps: Steps) -> Table:
    """Where a copy-paste re-entry's time goes: the frame's steps, median ms after the click."""
    out = Table("Re-entry, where the time goes: the copy-paste frame's steps (median ms after the click)",
                ["step", *steps])
    names = [name for name in STEP_ORDER if any(name in found for found in steps.values())]
    names += sorted({name for found in steps.values() for name in found} - set(names))
    for name in names:
        out.add(name, *[statistics.median(found[name]) if found.get(name) else "-" for found in steps.values()])
    out.notes += [
        "frame document: its response's end; sign-in answer: POST /frame/session/refresh's end; package files:",
        "  the last parley module fetched; parley:* marks: frame-boot.js (boot, painted, storage, core) and the",
        "  page's Python (python: running, imported: parley.copypaste imported, live: the widget ready).",
    ]
    return out
