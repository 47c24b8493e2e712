"""Inline mode in the widget benchmark: a site's own PyScript page that does `import parley` and mounts the widget
in a shadow root (docs/python-api.md), on the main thread of the page itself.

The page is served by the benchmark's own site (floor.py `/inline`, the floor's origin), which is registered as a
Parley site with the real CLI (`parley site add`), so the visitor alice signs in through the popup exactly as on a
developer's page (tests/browser/widget.py's helper). The page mounts with `persist="session"`: the refresh
token stays in sessionStorage, so the signed-in loads (HTTP cache emptied, then a reload) restore the sign-in
(`POST /oauth/token`, then `/api/v1/me`, friends and conversations, as the library does today).

Its Python sets performance marks: inline:python (the page's Python runs), inline:imported (`import parley`
done), inline:mounted (`mount()` returned); then inline:online (the WebSocket is welcomed), inline:send and
inline:acked (the first message: `send()` after the conversation is known -> the `message_sent` event, i.e. the
server's ack). PROBE watches the widget's shadow root (ready, friends shown).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.servers import ROOT

if TYPE_CHECKING:
    from .widget_report import Sample

RTT_TIMEOUT_MS = 15_000
# Init script after bench_widget's probe: the widget's shadow root (<parley-inline>) sets its ready and friends.
PROBE = """(() => {
  const m = window.__bench, attachShadow = Element.prototype.attachShadow;
  if (!m) return;
  Element.prototype.attachShadow = function (init) {
    const root = attachShadow.call(this, init);
    if (this.nodeName !== 'PARLEY-INLINE') return root;
    new MutationObserver(() => {
      const el = root.getElementById('parley-root');
      if (m.ready === null && el && el.getAttribute('data-state') === 'ready') m.ready = performance.now();
      if (m.friends === null && root.getElementById('p-friends-h')) m.friends = performance.now();
    }).observe(root, {attributes: true, childList: true, subtree: true, attributeFilter: ['data-state']});
    return root;
  };
})();"""
# One send after the page is signed in and its socket is up; the page's Python marks send and ack.
ROUND_TRIP = """async ([text, timeout]) => {
  const mark = (name) => performance.getEntriesByName(name)[0];
  const until = async (name) => {
    const end = performance.now() + timeout;
    while (!mark(name) && performance.now() < end) await new Promise((resolve) => setTimeout(resolve, 5));
    return mark(name);
  };
  if (!await until('inline:online')) return 'the WebSocket did not come online';
  window.dispatchEvent(new CustomEvent('bench-send', {detail: text}));
  if (!await until('inline:acked')) return 'no ack (message_sent) for the message';
  if (!mark('inline:send')) return 'no inline:send mark';
  return mark('inline:acked').startTime - mark('inline:send').startTime;
}"""


def register_site(data_dir: Path, origin: str) -> str:
    """Register the benchmark's own origin as a Parley site in the demo's database; its client id."""
    result = subprocess.run(
        [sys.executable, "-m", "server.cli", "site", "add", "Parley benchmark (inline)", "--origin", origin,
         "--owner", "alice", "--json"],
        cwd=ROOT, env={**os.environ, "PARLEY_DATA_DIR": str(data_dir)}, check=True, capture_output=True, text=True,
    )
    return str(json.loads(result.stdout)["client_id"])


async def sign_in(page: Any) -> None:
    """alice signs in from the inline widget (the browser tests' helper: popup, form, consent)."""
    from tests.browser.widget import sign_in_inline

    await sign_in_inline(page, "alice")


async def round_trip(page: Any, sample: Sample) -> None:
    """The first message of a signed-in load: send -> ack, in ms on the page's clock (the page's Python marks)."""
    result = await page.evaluate(ROUND_TRIP, ["bench " + str(os.getpid()), RTT_TIMEOUT_MS])
    if isinstance(result, str):
        raise RuntimeError(result)
    sample.rtt_ms = float(result) if result is not None else math.nan
