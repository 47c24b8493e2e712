"""The widget benchmark's figures and tables: what one page load yields (Sample), their medians (Series), and
the plain-text tables with the budget's targets (DESIGN.md, issue 8; docs/performance.md says what each means).
Series are keyed (page, runtime, cold|warm), page one of widget, widget-signed, inline, inline-signed, floor."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .report import Table, fmt, fmt_ratio, median, ratio, verdict

RUNTIMES = ("micropython", "pyodide")
LAUNCHER_LIMIT_MS = 50.0
READY_LIMIT_S = {("micropython", "cold"): 0.5, ("micropython", "warm"): 0.2,
                 ("pyodide", "cold"): 3.0, ("pyodide", "warm"): 1.5}
BYTES_LIMIT = {"micropython": 400_000}
LONG_TASK_MS = 50.0


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
    friends_ms: float = math.nan  # signed in: the friends list is shown, on the host page's clock
    rtt_ms: float = math.nan  # signed in: the first message's send -> ack (copy-paste: Enter -> "✓ sent")
    shown_ms: float = math.nan  # copy-paste: Enter -> the message is in the log (the frame's own Python work)
    # in the document where Python runs (the frame, else the page), ms since its own navigation start:
    marks: dict[str, float] = field(default_factory=dict)  # performance marks, and the probe's ready/friends/...
    requests: dict[str, tuple[float, float]] = field(default_factory=dict)  # URL path -> (start, response end)


@dataclass
class Series:
    """Samples of one (page, runtime, cold|warm)."""

    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def med(self, name: str) -> float:
        return median([getattr(s, name) for s in self.samples if not math.isnan(getattr(s, name))])

    def cell(self, key: str) -> str:
        """A breakdown cell: a URL path's request 'start->end', 'sample.<field>', else a mark's time (medians)."""
        if key.startswith("sample."):
            return fmt(self.med(key.removeprefix("sample.")))
        if not key.startswith("/"):
            return fmt(median([s.marks[key] for s in self.samples if key in s.marks]))
        spans = [s.requests[key] for s in self.samples if key in s.requests]
        if not spans:
            return "none" if self.samples else "-"
        text = f"{fmt(median([a for a, _ in spans]), 0)}->{fmt(median([b for _, b in spans]), 0)}"
        return text if len(spans) == len(self.samples) else f"{text} ({len(spans)}/{len(self.samples)})"


FRAME_COLUMNS = (("page response", "page response"), ("DOM interactive", "DOM interactive"),
                 ("boot", "parley:boot"), ("IDB", "parley:storage"), ("core", "parley:core"),
                 ("Python runs", "parley:python"), ("imported", "parley:imported"),
                 ("POST session/refresh", "/frame/session/refresh"), ("GET friends", "/api/v1/friends"),
                 ("GET conversations", "/api/v1/conversations"), ("friends shown", "friends"), ("ready", "ready"),
                 ("first message: Enter->shown", "sample.shown_ms"), ("Enter->sent", "sample.rtt_ms"))
INLINE_COLUMNS = (("DCL", "dcl"), ("config.json", "/inline/config.json"), ("Python runs", "inline:python"),
                  ("imported", "inline:imported"), ("widget shown", "visible"), ("POST /oauth/token", "/oauth/token"),
                  ("GET me", "/api/v1/me"), ("GET friends", "/api/v1/friends"),
                  ("GET conversations", "/api/v1/conversations"), ("friends shown", "friends"), ("ready", "ready"),
                  ("send->ack", "sample.rtt_ms"))
CACHES = ("cold", "warm")
Get = Callable[[str, str, str], Series]  # (page, runtime, cache) -> Series (empty when not measured)


def tables(series: dict[tuple[str, str, str], Series], runs: int) -> list[Table]:
    def get(page: str, runtime: str, cache: str) -> Series:
        return series.get((page, runtime, cache), Series())

    boot = boot_table(get, runs)
    launcher = median([s.launcher_after_dcl_ms for (page, _, _), v in series.items() if page == "widget"
                       for s in v.samples if not math.isnan(s.launcher_after_dcl_ms)])
    boot.notes.insert(0, f"launcher visible <= {LAUNCHER_LIMIT_MS:g} ms after DOMContentLoaded: median "
                         f"{fmt(launcher)} ms, target met? {verdict(launcher, LAUNCHER_LIMIT_MS)} (copy-paste; "
                         "0 = shown before DOMContentLoaded).")
    boot.notes += [f"FAILED {runtime} {cache} {page}: {why}" for (page, runtime, cache), s in sorted(series.items())
                   for why in s.failures]
    return [boot, wire_table(get), tasks_table(get), where_table(get), frame_table(get, runs), inline_table(get, runs)]


def boot_table(get: Get, runs: int) -> Table:
    boot = Table(
        f"Widget boot, copy-paste and inline (median of {runs} runs; cold = new context, warm = reload)",
        ["runtime", "cache", "launcher/widget visible after DCL, ms", "Python started, s", "floor, s",
         "page/floor", "signed-in widget ready, s", "signed-in/floor", "target, s", "target met?"],
    )
    for page, suffix in (("widget", ""), ("inline", " inline")):
        for runtime in RUNTIMES:
            for cache in CACHES:
                widget, signed = get(page, runtime, cache), get(page + "-signed", runtime, cache)
                started, base = widget.med("ready_ms") / 1000, get("floor", runtime, cache).med("ready_ms") / 1000
                friends = signed.med("friends_ms") / 1000
                limit = READY_LIMIT_S[(runtime, cache)]
                boot.add(runtime + suffix, cache, widget.med("launcher_after_dcl_ms"), fmt(started, 3), fmt(base, 3),
                         fmt_ratio(ratio(started, base)), fmt(friends, 3), fmt_ratio(ratio(friends, base)),
                         f"<= {limit:g}", verdict(friends, limit))
    boot.notes += [
        "  Inline has no launcher: its column is the widget element's first frame, added by mount() once Python runs.",
        "Python started: copy-paste: the frame's PyScript ran and told the host page (launcher data-state=ready);",
        "  inline: mount() returned (#parley-root data-state=ready in the shadow root); s since navigation start.",
        "  floor: bare PyScript page + WebSocket echo round trip (page/floor: same run, same cache state).",
        "signed-in widget ready: a returning signed-in visitor (alice) sees the friends list, in s since navigation",
        "  start; cold = HTTP cache emptied (CDP Network.clearBrowserCache), warm = reload. The budget applies to",
        "  it; 'target met?' is about this column. Inline keeps the sign-in in sessionStorage (persist=session).",
    ]
    return boot


def wire_table(get: Get) -> Table:
    wire = Table(
        "Bytes on the wire (encoded response bodies, page + frame; median of runs)",
        ["runtime", "page", "cold, KB", "warm, KB", "page/floor (cold)", "budget, KB", "target met?"],
    )
    for runtime in RUNTIMES:
        base = get("floor", runtime, "cold").med("body_bytes")
        for page in ("widget", "inline", "floor"):
            cold, warm = get(page, runtime, "cold").med("body_bytes"), get(page, runtime, "warm").med("body_bytes")
            limit = BYTES_LIMIT.get(runtime) if page != "floor" else None
            wire.add(runtime, page, cold / 1000, warm / 1000,
                     fmt_ratio(ratio(cold, base)) if page != "floor" else "floor",
                     f"{limit / 1000:g}" if limit else "-", verdict(cold, limit) if limit else "-")
    wire.notes.append("KB = 1000 bytes; warm = what a reload still fetches (the frame and inline pages are no-store).")
    return wire


def tasks_table(get: Get) -> Table:
    tasks = Table(
        "Host-page long tasks while the widget boots (until Python started; median of runs)",
        ["runtime", "page", "cache", "tasks > 50 ms", "longest task, ms", "target: none > 50 ms"],
    )
    for runtime in RUNTIMES:
        for page in ("widget", "inline", "floor"):
            for cache in CACHES:
                s = get(page, runtime, cache)
                count, longest = s.med("long_tasks"), s.med("longest_task_ms")
                tasks.add(runtime, page, cache, count, longest, verdict(count, 0) if page == "widget" else "-")
    tasks.notes += [
        "PerformanceObserver('longtask') in the top-level page. The widget's frame is cross-site (another renderer",
        "  process). Inline and the floor run Python on the page's own main thread: long tasks are expected there",
        "  (the target is the copy-paste widget's), and they show that the observer does see them.",
    ]
    return tasks


def where_table(get: Get) -> Table:
    where = Table(
        "Where the widget's boot time goes (median, ms since the host page's navigation start)",
        ["runtime", "cache", "iframe added", "frame navigation", "frame Python ready", "host told (ready)"],
    )
    for runtime in RUNTIMES:
        for cache in CACHES:
            s = get("widget", runtime, cache)
            where.add(runtime, cache, s.med("iframe_added_ms"), s.med("frame_start_ms"), s.med("frame_ready_ms"),
                      s.med("ready_ms"))
    where.notes += [
        "iframe added: embed.js mounts the frame right after it adds the launcher (same task);",
        "frame Python ready: #parley-root data-state=ready inside the frame (frame clock mapped by timeOrigin).",
    ]
    return where


def breakdown(title: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[str, str, Series]]) -> Table:
    """A table of medians, one column per (header, Series.cell key), one row per (runtime, load, series)."""
    table = Table(title, ["runtime", "load", *(header for header, _ in columns)])
    for runtime, load_name, s in rows:
        table.add(runtime, load_name, *(s.cell(key) for _, key in columns))
    return table


def frame_table(get: Get, runs: int) -> Table:
    """Where a returning signed-in visitor's boot goes inside the copy-paste widget's frame."""
    rows = [(runtime, "signed-in " + cache, get("widget-signed", runtime, cache))
            for runtime in RUNTIMES for cache in CACHES]
    frame = breakdown(f"Signed-in boot inside the frame (median of {runs} runs, ms since frame navigation start)",
                      FRAME_COLUMNS, rows)
    frame.notes += [
        "page response: the frame document's responseEnd; DOM interactive: its domInteractive (navigation timing);",
        "marks: parley:boot (frame-boot.js runs), :storage (in-memory IndexedDB), :core (PyScript core evaluated),",
        "  :python (the page's Python runs), :imported (parley.copypaste imported); requests: start->end of the",
        "  response (PerformanceResourceTiming); 'none' = not requested in that load (e.g. lists carried by the",
        "  refresh answer); friends shown: #p-friends-h in the frame; ready: #parley-root data-state=ready.",
        "first message: after the load, the visitor opens the chat with bob and sends a message: Enter (keydown)",
        "  -> the message is in the log (shown: the frame's Python handles the key, sends, draws), and -> its",
        "  delivery state shows the server's ack ('✓ sent'), ms on the frame's clock. Between the two, Chromium",
        "  runs the frame's next rendering update before the socket's answer (its scheduler favours rendering",
        "  after input): the server answers in ~1-2 ms, a WebSocket ping from an idle frame takes ~1 ms.",
    ]
    return frame


def inline_table(get: Get, runs: int) -> Table:
    """Where an inline load's time goes, signed out and signed in."""
    rows = [(runtime, prefix + cache, get(page, runtime, cache)) for runtime in RUNTIMES
            for page, prefix in (("inline", ""), ("inline-signed", "signed-in ")) for cache in CACHES]
    out = breakdown(f"Inline boot on the page's own main thread (median of {runs} runs, ms since navigation start)",
                    INLINE_COLUMNS, rows)
    out.notes += [
        "requests: start->end of the response (PerformanceResourceTiming); 'none' = not requested in that load.",
        "Python runs / imported: marks of the page's own Python before and after `import parley`; widget shown:",
        "  first animation frame after mount() added <parley-inline>; ready: #parley-root data-state=ready in its",
        "  shadow root (mount() returned); signed in, the sign-in is restored from sessionStorage (persist=session).",
        "send->ack: first message once the socket is up: parley.send() -> message_sent (the server's ack), ms.",
    ]
    return out
