"""Widget benchmarks in headless Chromium (loopback only): the copy-paste and inline widget against the floor.

Pages: the demo host page with the copy-paste snippet; the floor (a bare PyScript page with a WebSocket echo,
floor.py); a site's own page with the widget inline (bench_inline.py). For each runtime and page, every run
opens a new browser context (cold cache), loads the page, then reloads it (warm cache); on the widget pages
alice then signs in, the HTTP cache is emptied, and the page is loaded (signed-in cold) and reloaded
(signed-in warm). Measured by init scripts (installed before any page script runs) in every document:
- launcher visible: first animation frame after <parley-launcher> (inline: <parley-inline>) is added, minus DCL;
- Python started: the launcher's data-state turns "ready" (the frame's PyScript ran parley.copypaste.main; inline:
  mount() returned), in ms since the host page's navigation started; the floor's: its `floor-ready` mark;
- signed-in ready: the friends list heading (#p-friends-h) appears (in the frame, or the inline shadow root);
- marks and resource timings of the document where Python runs (the frame, or the inline page itself);
- bytes: encoded (compressed) response bodies of every request of the page and its frame (Playwright's
  Request.sizes(), i.e. CDP Network.loadingFinished), without headers;
- long tasks: the host page's main-thread tasks over 50 ms until Python started.
No request routing (it would turn the HTTP cache off); Chromium's host resolver maps every name but
localhost and 127.0.0.1 to nothing, so nothing leaves loopback. Figures and tables: widget_report.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.servers import ROOT, start_demo

from . import bench_inline, bench_presence
from .relay_targets import _wait_port, free_port
from .report import Table
from .widget_report import LONG_TASK_MS, RUNTIMES, Sample, Series, tables

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
                              iframe: null, ready: null, friends: null, runtime: null, longtasks: []};
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
      if (n.nodeName === 'PARLEY-LAUNCHER' || n.nodeName === 'PARLEY-INLINE') watch(n);
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
# What a document knows of its own boot: the probe's figures, performance marks, resource timings.
COLLECT = """() => ({probe: window.__benchFrame || window.__bench,
  marks: performance.getEntriesByType('mark').map((e) => [e.name, e.startTime]),
  requests: performance.getEntriesByType('resource').map((e) => [e.name, e.startTime, e.responseEnd]),
  nav: (performance.getEntriesByType('navigation')[0] || {}).toJSON?.() || {}})"""


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
    top = await page.evaluate(COLLECT)
    m = top["probe"]
    sample = Sample(ready_ms=float(m["ready"]), runtime=m.get("runtime"))
    timings(sample, top)
    if m.get("friends") is not None:
        sample.friends_ms = float(m["friends"])
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
                inner = await frame.evaluate(COLLECT)
                f = inner["probe"]
                timings(sample, inner)
                sample.frame_start_ms = float(f["origin"]) - float(m["origin"])
                if f.get("ready") is not None:
                    sample.frame_ready_ms = sample.frame_start_ms + float(f["ready"])
                if f.get("friends") is not None:
                    sample.friends_ms = sample.frame_start_ms + float(f["friends"])
    sample.body_bytes = await counter.settle()
    return sample


def timings(sample: Sample, data: dict[str, Any]) -> None:
    """A document's marks (first of each name, plus the probe's figures) and request spans (first per path)."""
    sample.marks, sample.requests = {}, {}
    for name, at in data["marks"]:
        sample.marks.setdefault(str(name), float(at))
    for name in ("dcl", "visible", "ready", "friends"):
        if data["probe"].get(name) is not None:
            sample.marks[name] = float(data["probe"][name])
    for name, key in (("page response", "responseEnd"), ("DOM interactive", "domInteractive")):
        if data.get("nav", {}).get(key):
            sample.marks[name] = float(data["nav"][key])
    for url, start, end in data["requests"]:
        sample.requests.setdefault(urlsplit(url).path, (float(start), float(end)))


def failed(series: Series, what: str, error: Exception, errors: list[str]) -> None:
    """Note why a load failed (once per reason), with the page's last Python error if any."""
    why = f"{what}{type(error).__name__}: {(str(error).splitlines() or [''])[0][:80]}" + last_python_error(errors)
    if why not in series.failures:
        series.failures.append(why)


def last_python_error(errors: list[str]) -> str:
    """' | page: <last line of the last Python traceback>' from console errors, or ''."""
    for text in reversed(errors):
        if "Traceback" in text:
            lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("at ")]
            return " | page: " + lines[-1][:160]
    return ""


async def sign_in_widget(page: Any) -> None:
    """alice signs in through the copy-paste widget's popup (the browser tests' Visitor)."""
    from tests.browser.widget import FRAME, Visitor

    visitor = Visitor(page, page.frame_locator(FRAME))
    await visitor.open()
    await visitor.sign_in("alice")


# In the frame: the visitor presses Enter in the message box (keydown, capture phase) until the message is in
# the log (shown, still sending) and until its delivery state shows the server's ack ("✓"), on the frame's clock.
ARM_ROUND_TRIP = """(text) => {
  const r = window.__benchRtt = {down: null, shown: null, acked: null};
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && r.down === null) r.down = performance.now();
  }, true);
  new MutationObserver(() => {
    if (r.down === null || r.acked !== null) return;
    for (const li of document.querySelectorAll('li.p-mine')) {
      const body = li.querySelector('.p-text'), state = li.querySelector('.p-state');
      if (body && body.textContent === text && r.shown === null) r.shown = performance.now();
      if (body && body.textContent === text && state && state.textContent.startsWith('\u2713')) {
        r.acked = performance.now();
      }
    }
  }).observe(document, {childList: true, subtree: true, characterData: true});
}"""


async def widget_round_trip(page: Any, sample: Sample) -> None:
    """The first message of a signed-in copy-paste load, as a visitor sends it: open the chat with bob, type,
    Enter -> the message shows it was acknowledged ("✓ sent"), in ms on the frame's clock."""
    from tests.browser.widget import FRAME, Visitor

    visitor = Visitor(page, page.frame_locator(FRAME))
    await visitor.open()
    await visitor.open_chat_with("bob")
    frame = next(f for f in page.frames if "/frame?" in f.url)
    text = f"bench {os.getpid()} {time.time_ns()}"
    await frame.evaluate(ARM_ROUND_TRIP, text)
    await visitor.say(text)
    await frame.wait_for_function("() => window.__benchRtt.acked !== null", timeout=15_000, polling=20)
    r = await frame.evaluate("window.__benchRtt")
    sample.rtt_ms = float(r["acked"]) - float(r["down"])
    sample.shown_ms = float(r["shown"]) - float(r["down"])


@dataclass
class PageKind:
    """A page the benchmark loads; with sign_in, the signed-in loads follow the signed-out ones."""

    url: str  # "{rt}" stands for the runtime
    probe: str = ""  # one more init script
    sign_in: Callable[[Any], Awaitable[None]] | None = None
    after_signed_load: Callable[[Any, Sample], Awaitable[None]] | None = None  # e.g. a first message


async def measure_signed_in(page: Any, counter: ByteCounter, url: str, runtime: str, kind: PageKind,
                            signed: tuple[Series, Series], errors: list[str]) -> None:
    """A returning signed-in visitor: sign in, empty the HTTP cache, load (cold), then reload (warm)."""
    cold, warm = signed
    try:
        assert kind.sign_in is not None
        await kind.sign_in(page)
    except Exception as error:
        failed(cold, "sign-in: ", error, errors)
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
            failed(series, "", error, errors)
            return
        if kind.after_signed_load is not None:
            try:
                await kind.after_signed_load(page, sample)
            except Exception as error:
                failed(series, "after load: ", error, errors)


async def measure(browser: Any, kind: PageKind, runtime: str, cold: Series, warm: Series,
                  signed: tuple[Series, Series]) -> None:
    """One cold load in a new context, then one warm reload in the same context; with `signed`, then the
    same as a signed-in visitor (HTTP cache emptied for its cold load)."""
    url = kind.url.format(rt=runtime)
    context = await browser.new_context()
    counter = ByteCounter()
    context.on("requestfinished", counter.on_finished)
    for script in (PROBE, kind.probe) if kind.probe else (PROBE,):
        await context.add_init_script(script)
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        for series, target in ((cold, url), (warm, None)):
            try:
                series.samples.append(await load(page, counter, target, runtime))
            except Exception as error:
                failed(series, "", error, errors)
                return
        if kind.sign_in is not None:
            await measure_signed_in(page, counter, url, runtime, kind, signed, errors)
    finally:
        await context.close()


@dataclass
class Servers:
    host_url: str
    floor_url: str
    inline_url: str  # the benchmark's own inline page (floor.py /inline), its origin registered as a site


async def run_async(quick: bool, runs: int, servers: Servers,
                    log: Callable[[str], None]) -> dict[tuple[str, str, str], Series]:
    from playwright.async_api import async_playwright

    series: dict[tuple[str, str, str], Series] = {}
    pages = {"widget": PageKind(servers.host_url + "/?runtime={rt}", sign_in=sign_in_widget,
                                after_signed_load=widget_round_trip),
             "floor": PageKind(servers.floor_url + "/?runtime={rt}"),
             "inline": PageKind(servers.inline_url + "&runtime={rt}", bench_inline.PROBE, bench_inline.sign_in,
                                bench_inline.round_trip)}
    async with async_playwright() as playwright:
        for run in range(1 if quick else 0, runs + 1):  # run 0 warms servers and Chromium (not counted)
            # A browser per run: six runs of Pyodide pages in one Chromium ended in renderer crashes.
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for runtime in RUNTIMES:
                    for name, kind in pages.items():
                        cold, warm, signed_cold, signed_warm = (
                            series.setdefault((page, runtime, cache), Series()) if run else Series()
                            for page in (name, name + "-signed") for cache in ("cold", "warm"))
                        started = time.perf_counter()
                        await measure(browser, kind, runtime, cold, warm, (signed_cold, signed_warm))
                        log(f"  widget run {run} {runtime} {name}: {time.perf_counter() - started:.1f}s")
            finally:
                await browser.close()
    return series


def private_bundle() -> Path:
    """The widget bundle built from the current client/ into a folder of the benchmark's own (incremental):
    others rebuilding build/bundle mid-run must not change the files under a running server, and neither must a
    benchmark run from another checkout (worktree) by the same user: the folder is per checkout."""
    checkout = hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]
    out = Path(tempfile.gettempdir()) / f"parley-bench-bundle-{os.getuid()}-{checkout}"
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
            floor_url = f"http://127.0.0.1:{floor_port}"
            client_id = bench_inline.register_site(demo.data_dir, floor_url)
            servers = Servers(demo.host_url, floor_url, f"{floor_url}/inline?site={client_id}")
            series = asyncio.run(run_async(quick, runs, servers, log))
            started = time.perf_counter()
            asyncio.run(bench_presence.seed_friends(demo.data_dir))
            presence = asyncio.run(bench_presence.run_async(demo.host_url, 1 if quick else 2, CHROMIUM, CHROMIUM_ARGS))
            log(f"  widget presence redraws: {time.perf_counter() - started:.1f}s")
        finally:
            floor.terminate()
            floor.wait(10)
            demo.stop()
    return [*tables(series, runs), bench_presence.table(presence, 1 if quick else 2)]
