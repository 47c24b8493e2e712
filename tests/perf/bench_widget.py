"""Widget benchmarks in headless Chromium (loopback only): the copy-paste widget against the floor.

For each runtime (MicroPython, Pyodide) and each page (the demo host page with the copy-paste snippet; the
floor: a bare PyScript page with a WebSocket echo, see floor.py), every run opens a new browser context
(cold cache), loads the page, then reloads it in the same context (warm cache). Measured in the host page
by an init script (PerformanceObserver + MutationObserver, installed before any page script runs):
- launcher visible: first animation frame after <parley-launcher> is added, minus DOMContentLoaded;
- Python started: the launcher's data-state turns "ready" (the frame's PyScript ran parley.frame.main), in
  ms since the host page's navigation started; the floor's equivalent is its `floor-ready` mark (echo back);
- bytes: encoded (compressed) response bodies of every request of the page and its frame (Playwright's
  Request.sizes(), i.e. CDP Network.loadingFinished), without headers;
- long tasks: the host page's main-thread tasks over 50 ms until Python started.
No request routing (it would turn the HTTP cache off); Chromium's host resolver maps every name but
localhost and 127.0.0.1 to nothing, so nothing leaves loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.servers import ROOT, start_demo

from .relay_targets import _wait_port, free_port
from .report import NOT_YET, Table, fmt, fmt_ratio, median, ratio, verdict

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
RUNTIMES = ("micropython", "pyodide")
LAUNCHER_LIMIT_MS = 50.0
READY_LIMIT_S = {("micropython", "cold"): 0.5, ("micropython", "warm"): 0.2,
                 ("pyodide", "cold"): 3.0, ("pyodide", "warm"): 1.5}
BYTES_LIMIT = {"micropython": 400_000}
LONG_TASK_MS = 50.0
TIMEOUT_MS = {"micropython": 10_000, "pyodide": 60_000}

# Runs in every document before its own scripts; only the top-level page records.
PROBE = """
(() => {
  if (window.top !== window) {
    const f = window.__benchFrame = {origin: performance.timeOrigin, ready: null, friends: null};
    new MutationObserver(() => {
      const root = document.getElementById('parley-root');
      if (f.ready === null && root && root.getAttribute('data-state') === 'ready') f.ready = performance.now();
      if (f.friends === null && document.getElementById('p-friends-h')) f.friends = performance.now();
    }).observe(document, {attributes: true, childList: true, subtree: true, attributeFilter: ['data-state']});
    return;
  }
  const m = window.__bench = {origin: performance.timeOrigin, dcl: null, launcher: null, visible: null,
                              iframe: null, ready: null, runtime: null, longtasks: []};
  document.addEventListener('DOMContentLoaded', () => { m.dcl = performance.now(); }, {once: true});
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) m.longtasks.push([e.startTime, e.duration]);
    }).observe({type: 'longtask', buffered: true});
  } catch (e) {}
  const watch = (el) => {
    if (m.launcher !== null) return;
    m.launcher = performance.now();
    requestAnimationFrame(() => { m.visible = performance.now(); });
    const check = () => {
      if (m.ready === null && el.getAttribute('data-state') === 'ready') {
        m.ready = performance.now(); m.runtime = el.getAttribute('data-runtime');
      }
    };
    new MutationObserver(check).observe(el, {attributes: true, attributeFilter: ['data-state']});
    check();
  };
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) {
      if (n.nodeName === 'PARLEY-LAUNCHER') watch(n);
      if (n.nodeName === 'IFRAME' && m.iframe === null) m.iframe = performance.now();
    }
  }).observe(document, {childList: true, subtree: true});
})();
"""
READY = """() => {
  const m = window.__bench;
  if (!m) return false;
  if (m.ready !== null) return true;
  const mark = performance.getEntriesByName('floor-ready')[0];
  if (mark) { m.ready = mark.startTime; return true; }
  return false;
}"""


@dataclass
class Sample:
    """One page load."""

    launcher_after_dcl_ms: float = math.nan
    ready_ms: float = math.nan
    body_bytes: int = 0
    long_tasks: int = 0
    longest_task_ms: float = 0.0
    runtime: str | None = None
    iframe_added_ms: float = math.nan  # since the host page's navigation start
    frame_start_ms: float = math.nan  # the frame's navigation start, on the host page's clock
    frame_ready_ms: float = math.nan  # the frame's Python ready, on the host page's clock
    friends_ms: float = math.nan  # signed in: the frame shows the friends list, on the host page's clock


@dataclass
class Series:
    """Samples of one (page, runtime, cold|warm)."""

    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def med(self, name: str) -> float:
        return median([getattr(s, name) for s in self.samples if not math.isnan(getattr(s, name))])


class ByteCounter:
    """Sums encoded response body sizes of every finished request in a context (page and frames)."""

    def __init__(self) -> None:
        self.total = 0
        self.tasks: set[asyncio.Task[None]] = set()

    def on_finished(self, request: Any) -> None:
        task = asyncio.get_running_loop().create_task(self._add(request))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _add(self, request: Any) -> None:
        with contextlib.suppress(Exception):
            sizes = await request.sizes()
            self.total += max(0, int(sizes.get("responseBodySize", 0) or 0))  # negative for cache hits

    async def settle(self) -> int:
        if self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
        return self.total


async def load(page: Any, counter: ByteCounter, url: str | None, runtime: str) -> Sample:
    """Navigate (or reload when url is None), wait for Python, collect the probe's figures."""
    counter.total = 0
    if url is None:
        await page.reload(wait_until="commit")
    else:
        await page.goto(url, wait_until="commit")
    await page.wait_for_function(READY, timeout=TIMEOUT_MS[runtime], polling=20)
    await asyncio.sleep(0.3)  # let late responses and long-task entries arrive
    m = await page.evaluate("window.__bench")
    sample = Sample(ready_ms=float(m["ready"]), runtime=m.get("runtime"))
    if m.get("visible") is not None and m.get("dcl") is not None:
        sample.launcher_after_dcl_ms = max(0.0, float(m["visible"]) - float(m["dcl"]))
    tasks = [(start, duration) for start, duration in m["longtasks"] if start <= sample.ready_ms]
    sample.long_tasks = sum(1 for _, d in tasks if d > LONG_TASK_MS)
    sample.longest_task_ms = max((d for _, d in tasks), default=0.0)
    if m.get("iframe") is not None:
        sample.iframe_added_ms = float(m["iframe"])
    for frame in page.frames:
        if "/frame?" in frame.url:
            with contextlib.suppress(Exception):
                f = await frame.evaluate("window.__benchFrame")
                sample.frame_start_ms = float(f["origin"]) - float(m["origin"])
                if f.get("ready") is not None:
                    sample.frame_ready_ms = sample.frame_start_ms + float(f["ready"])
                if f.get("friends") is not None:
                    sample.friends_ms = sample.frame_start_ms + float(f["friends"])
    sample.body_bytes = await counter.settle()
    return sample


def last_python_error(errors: list[str]) -> str:
    """' | page: <last line of the last Python traceback>' from console errors, or ''."""
    for text in reversed(errors):
        if "Traceback" in text:
            lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("at ")]
            return " | page: " + lines[-1][:160]
    return ""


async def sign_in(page: Any) -> None:
    """Sign the demo visitor alice in through the widget's popup (as tests/browser/widget.py does)."""
    from tests.browser.widget import FRAME, PASSWORDS

    await page.get_by_role("button", name="Open chat").first.click()
    frame = page.frame_locator(FRAME)
    async with page.expect_popup() as popup_info:
        await frame.get_by_role("button", name="Sign in").click()
    popup = await popup_info.value
    await popup.wait_for_load_state()
    await popup.locator("#si-username").fill("alice")
    await popup.locator("#si-password").fill(PASSWORDS["alice"])
    await popup.get_by_role("button", name="Sign in").click()
    with contextlib.suppress(Exception):
        await popup.get_by_role("button", name="Allow").click(timeout=5000)
    await frame.get_by_role("list", name="Friends").wait_for(timeout=20000)


async def measure_signed_in(page: Any, counter: ByteCounter, url: str, runtime: str, cold: Series,
                            warm: Series, errors: list[str]) -> None:
    """A returning signed-in visitor: sign in, empty the HTTP cache, load (cold), then reload (warm)."""
    try:
        await sign_in(page)
    except Exception as error:
        cold.failures.append(f"sign-in: {type(error).__name__}: {str(error).splitlines()[0][:80]}")
        return
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.clearBrowserCache")
    for series, target in ((cold, url), (warm, None)):
        try:
            sample = await load(page, counter, target, runtime)
            if math.isnan(sample.friends_ms):
                raise RuntimeError("the widget booted without the friends list (not signed in)")
            series.samples.append(sample)
        except Exception as error:
            reason = f"{type(error).__name__}: {str(error).splitlines()[0][:80]}" + last_python_error(errors)
            if reason not in series.failures:
                series.failures.append(reason)
            return


async def measure(browser: Any, url: str, runtime: str, cold: Series, warm: Series,
                  signed: tuple[Series, Series] | None = None) -> None:
    """One cold load in a new context, then one warm reload in the same context; with `signed`, then the
    same as a signed-in visitor (HTTP cache emptied for its cold load)."""
    context = await browser.new_context()
    counter = ByteCounter()
    context.on("requestfinished", counter.on_finished)
    await context.add_init_script(PROBE)
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        for series, target in ((cold, url), (warm, None)):
            try:
                series.samples.append(await load(page, counter, target, runtime))
            except Exception as error:
                reason = f"{type(error).__name__}: {str(error).splitlines()[0][:80]}"
                reason += last_python_error(errors)
                if reason not in series.failures:
                    series.failures.append(reason)
                return
        if signed is not None:
            await measure_signed_in(page, counter, url, runtime, *signed, errors)
    finally:
        await context.close()


@dataclass
class Servers:
    host_url: str
    floor_url: str


SeriesMap = dict[tuple[str, str, str], Series]


async def run_async(quick: bool, runs: int, servers: Servers, log: Callable[[str], None]) -> SeriesMap:
    from playwright.async_api import async_playwright

    series: dict[tuple[str, str, str], Series] = {}
    pages = {"widget": servers.host_url + "/?runtime={rt}", "floor": servers.floor_url + "/?runtime={rt}"}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for run in range(1 if quick else 0, runs + 1):  # run 0 warms servers and Chromium (not counted)
                for runtime in RUNTIMES:
                    for name, template in pages.items():
                        cold = series.setdefault((name, runtime, "cold"), Series()) if run else Series()
                        warm = series.setdefault((name, runtime, "warm"), Series()) if run else Series()
                        signed = None
                        if name == "widget":
                            signed = (series.setdefault(("signed", runtime, "cold"), Series()) if run else Series(),
                                      series.setdefault(("signed", runtime, "warm"), Series()) if run else Series())
                        started = time.perf_counter()
                        await measure(browser, template.format(rt=runtime), runtime, cold, warm, signed)
                        log(f"  widget run {run} {runtime} {name}: {time.perf_counter() - started:.1f}s")
        finally:
            await browser.close()
    return series


def private_bundle() -> Path:
    """The widget bundle built from the current client/ into a folder of the benchmark's own (incremental):
    others rebuilding build/bundle mid-run must not change the files under a running server."""
    out = Path(tempfile.gettempdir()) / f"parley-bench-bundle-{os.getuid()}"
    subprocess.run([sys.executable, "build.py", "--out", str(out), "--quiet"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return out


def run(quick: bool, runs: int, log: Callable[[str], None]) -> list[Table]:
    if not shutil.which(CHROMIUM):
        table = Table("Widget", ["figure", "value"])
        table.add("all widget figures", f"pending: {CHROMIUM} not found")
        return [table]
    bundle = private_bundle()
    runs = min(runs, 3) if quick else runs
    with tempfile.TemporaryDirectory(prefix="bench-widget-") as tmp:
        demo = start_demo(Path(tmp) / "demo", env={"PARLEY_BUNDLE_DIR": str(bundle)})
        floor_port = free_port()
        floor_log = Path(tmp) / "floor.log"
        floor = subprocess.Popen(
            [sys.executable, "-m", "tests.perf.floor", "--port", str(floor_port), "--parley", demo.parley_url,
             "--bundle", str(bundle)],
            cwd=ROOT, stdout=floor_log.open("wb"), stderr=subprocess.STDOUT,
        )
        try:
            _wait_port(floor_port, floor, floor_log)
            servers = Servers(demo.host_url, f"http://127.0.0.1:{floor_port}")
            series = asyncio.run(run_async(quick, runs, servers, log))
        finally:
            floor.terminate()
            floor.wait(10)
            demo.stop()
    return tables(series, runs)


def tables(series: dict[tuple[str, str, str], Series], runs: int) -> list[Table]:
    def get(*key: str) -> Series:
        return series.get(key, Series())

    boot = Table(
        f"Widget boot, copy-paste mode (median of {runs} runs; cold = new context, warm = reload)",
        ["runtime", "cache", "launcher visible after DCL, ms", "Python started, s", "floor, s",
         "widget/floor", "signed-in widget ready, s", "signed-in/floor", "target, s", "target met?"],
    )
    failures: list[str] = []
    for runtime in RUNTIMES:
        for cache in ("cold", "warm"):
            widget, floor = get("widget", runtime, cache), get("floor", runtime, cache)
            signed = get("signed", runtime, cache)
            started, base = widget.med("ready_ms") / 1000, floor.med("ready_ms") / 1000
            friends = signed.med("friends_ms") / 1000
            launcher = widget.med("launcher_after_dcl_ms")
            limit = READY_LIMIT_S[(runtime, cache)]
            boot.add(runtime, cache, launcher, fmt(started, 3), fmt(base, 3), fmt_ratio(ratio(started, base)),
                     fmt(friends, 3), fmt_ratio(ratio(friends, base)), f"<= {limit:g}", verdict(friends, limit))
            failures += [f"{runtime} {cache} {page}: {why}" for page, s in
                         (("widget", widget), ("floor", floor), ("signed-in widget", signed)) for why in s.failures]
    launcher_all = median([s.launcher_after_dcl_ms for (p, _, _), v in series.items() if p == "widget"
                           for s in v.samples if not math.isnan(s.launcher_after_dcl_ms)])
    boot.notes += [
        f"launcher visible <= {LAUNCHER_LIMIT_MS:g} ms after DOMContentLoaded: median {fmt(launcher_all)} ms, "
        f"target met? {verdict(launcher_all, LAUNCHER_LIMIT_MS)} (0 = shown before DOMContentLoaded)",
        "Python started: the widget frame's PyScript ran and told the host page (launcher data-state=ready),",
        "  in s since the host page's navigation start; floor: bare PyScript page + WebSocket echo round trip.",
        "signed-in widget ready: a returning signed-in visitor (alice) sees the friends list in the frame, in s",
        "  since navigation start; cold = HTTP cache emptied (CDP Network.clearBrowserCache), warm = reload.",
        "  The budget applies to it; 'target met?' is about this column.",
        "inline mode (the site's own PyScript page importing parley): not measured yet",
        "  (the benchmark drives the copy-paste mode only).",
    ]
    for runtime in RUNTIMES:
        boot.add(f"{runtime} inline", "cold+warm", NOT_YET, "", "", "", "", "", "", "")
    boot.notes += [f"FAILED {f}" for f in failures]

    wire = Table(
        "Bytes on the wire (encoded response bodies, page + frame; median of runs)",
        ["runtime", "page", "cold, KB", "warm, KB", "widget/floor (cold)", "budget, KB", "target met?"],
    )
    for runtime in RUNTIMES:
        for page in ("widget", "floor"):
            cold, warm = get(page, runtime, "cold").med("body_bytes"), get(page, runtime, "warm").med("body_bytes")
            base = get("floor", runtime, "cold").med("body_bytes")
            limit = BYTES_LIMIT.get(runtime)
            wire.add(runtime, page, cold / 1000, warm / 1000,
                     fmt_ratio(ratio(cold, base)) if page == "widget" else "floor",
                     f"{limit / 1000:g}" if limit and page == "widget" else "-",
                     verdict(cold, limit) if limit and page == "widget" else "-")
    wire.add("micropython", "inline", NOT_YET, "", "", "400", "")
    wire.notes.append("KB = 1000 bytes; warm = what a reload still fetches (the frame page is no-store).")

    tasks = Table(
        "Host-page long tasks while the widget boots (until Python started; median of runs)",
        ["runtime", "page", "cache", "tasks > 50 ms", "longest task, ms", "target: none > 50 ms"],
    )
    for runtime in RUNTIMES:
        for page in ("widget", "floor"):
            for cache in ("cold", "warm"):
                s = get(page, runtime, cache)
                count, longest = s.med("long_tasks"), s.med("longest_task_ms")
                tasks.add(runtime, page, cache, count, longest, verdict(count, 0) if page == "widget" else "-")
    tasks.notes += [
        "PerformanceObserver('longtask') in the top-level page. The widget's frame is cross-site (another renderer",
        "  process); the floor runs Python on its own main thread, which shows the observer does see long tasks.",
    ]

    where = Table(
        "Where the widget's boot time goes (median, ms since the host page's navigation start)",
        ["runtime", "cache", "iframe added", "frame navigation", "frame Python ready", "host told (ready)"],
    )
    for runtime in RUNTIMES:
        for cache in ("cold", "warm"):
            s = get("widget", runtime, cache)
            where.add(runtime, cache, s.med("iframe_added_ms"), s.med("frame_start_ms"), s.med("frame_ready_ms"),
                      s.med("ready_ms"))
    where.notes += [
        "iframe added: embed.js mounts the frame right after the launcher's first animation frame;",
        "frame Python ready: #parley-root data-state=ready inside the frame (frame clock mapped by timeOrigin);",
        "  inside the frame, performance marks parley:boot/storage/core/python/imported split it further.",
    ]
    return [boot, wire, tasks, where]
