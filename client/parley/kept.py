"""What the copy-paste widget keeps on the Parley server for the next page of a visit (browser I/O, thin).

Browsers that block third-party storage (Chromium's default for a cross-site frame, private windows) refuse
the frame its own sessionStorage. The frame then keeps its place (panel, screen, scroll, drafts) and its
outbox (messages not yet acknowledged) on the server instead, behind its sign-in's partitioned cookie:
``POST /frame/session/kept`` (server/widget/kept.py), read back in the next page's sign-in answer
(``include: "kept"``). The texts are the same as parley.place writes for sessionStorage; only the frame can
write or read them (docs/security.md, "What the widget keeps"), never the host page.

Writes are gathered for FLUSH_DELAY_S and sent as one request; when the page goes away, what is still
pending leaves with a keepalive request. ``holds(key)`` says whether the server has confirmed the last text
saved under a key: the outbox counts as kept (no warning before leaving) only then.
"""

import asyncio
import json

from pyscript import window
from pyscript.ffi import create_proxy

from parley import place
from parley.errors import ParleyError
from parley.http import request
from parley.listeners import listen

FLUSH_DELAY_S = 0.4  # gather a burst of changes (typing a draft) into one request
RETRY_S = (2, 5, 10, 30)  # a failed write is tried again (offline, server restarting)
KEEPALIVE_MAX_BYTES = 60000  # browsers cap the bodies of requests that outlive their page at 64 KiB in all
PATH = "/frame/session/kept"
_BEACON = (
    "try { fetch(url, {method: 'POST', keepalive: true, credentials: 'include',"
    " headers: {'Content-Type': 'application/json', 'X-Parley-Frame': '1'}, body: body});"
    " return 'ok'; } catch (e) { return ''; }"
)


def kept_name(key):
    """The server's name for a storage key: 'place', 'outbox', or None (not kept on the server)."""
    if key.startswith(place.PLACE_KEY):
        return "place"
    if key.startswith(place.OUTBOX_KEY):
        return "outbox"
    return None


class ServerKept:
    """The parley.storage.Storage interface (load, save, available) over the frame sign-in's server-side keep.

    ``auth`` is the frame's parley.auth.FrameAuth: its sign-in answers carry what was kept (``auth.kept``).
    ``on_settled()`` is called when the server confirmed or failed a write (the Client re-checks whether an
    unsent message is at risk)."""

    kind = "server"
    available = True

    def __init__(self, auth):
        self.auth = auth
        auth.want_kept = True
        self.server = {}  # name -> the text the server holds ("" for none)
        self.values = {}  # name -> the latest text saved here
        self.pending = {}  # name -> text not yet confirmed by the server
        self.on_settled = None
        self.on_leave = []  # called when the page goes away, before what is pending leaves (last saves)
        self._primed = False
        self._task = None
        self._failures = 0
        self._beacon = None
        listen(window, "pagehide", create_proxy(self._on_pagehide))

    def _prime(self):
        """Take what the sign-in answer brought back, once (later token refreshes carry nothing)."""
        if self._primed or getattr(self.auth, "kept", None) is None:
            return
        self._primed = True
        for name, text in self.auth.kept.items():
            if isinstance(text, str) and name not in self.values:
                self.server[name] = text
                self.values[name] = text

    def load(self, key):
        """The text kept under `key` by an earlier page of this visit, or None."""
        self._prime()
        name = kept_name(key)
        return (self.values.get(name) or None) if name else None

    def save(self, key, text):
        """Keep `text` under `key` (None forgets it). True when the server already holds exactly this text;
        otherwise it is sent shortly and ``holds(key)`` turns True once the server confirms."""
        self._prime()
        name = kept_name(key)
        if name is None:
            return False
        text = text or ""
        self.values[name] = text
        if text == self.server.get(name, ""):
            self.pending.pop(name, None)
            return True
        self.pending[name] = text
        if self._task is None:
            self._task = asyncio.create_task(self._flush_later(FLUSH_DELAY_S))
        return False

    def holds(self, key):
        """Whether the server holds the last text saved under `key`."""
        name = kept_name(key)
        return name is not None and name not in self.pending

    async def _flush_later(self, delay):
        await asyncio.sleep(delay)
        self._task = None
        await self.flush()

    async def flush(self):
        """Send what is pending now."""
        if not self.auth.signed_in:  # signed out: nothing of theirs is kept any more
            self.pending = {}
            return
        if not self.pending:
            return
        sending = dict(self.pending)
        body = {"client_id": self.auth.client_id}
        body.update(sending)
        try:
            await request("POST", self.auth.public_url + PATH, body, credentials="include",
                          headers={"X-Parley-Frame": "1"})
            ok = True
        except ParleyError as error:
            ok = False
            if error.status in (400, 401, 403, 413):  # not keepable as it is (signed out, too big): give up
                for name in sending:
                    if self.pending.get(name) == sending[name]:
                        self.pending.pop(name)
                self._failures = 0
                self._settled()
                return
        for name, text in sending.items():
            if ok:
                self.server[name] = text
                if self.pending.get(name) == text:
                    self.pending.pop(name)
        if ok:
            self._failures = 0
        else:
            delay = RETRY_S[min(self._failures, len(RETRY_S) - 1)]
            self._failures += 1
            if self._task is None:
                self._task = asyncio.create_task(self._flush_later(delay))
        if self.pending and ok and self._task is None:  # saved again while the request was on its way
            self._task = asyncio.create_task(self._flush_later(FLUSH_DELAY_S))
        self._settled()

    def _settled(self):
        if self.on_settled is not None:
            self.on_settled()

    def _on_pagehide(self, event):
        """The page goes away: what is still pending leaves in a keepalive request (if small enough)."""
        for hook in self.on_leave:
            hook()
        if not self.pending or not self.auth.signed_in:
            return
        body = {"client_id": self.auth.client_id}
        body.update(self.pending)
        text = json.dumps(body)
        if len(text.encode("utf-8")) > KEEPALIVE_MAX_BYTES and "outbox" in body and "place" in body:
            body.pop("place")  # the outbox first: the place (with the panel's drawing) is the lesser loss
            text = json.dumps(body)
        if len(text.encode("utf-8")) > KEEPALIVE_MAX_BYTES:
            return  # too big to outlive the page: the unsent message was reported at risk meanwhile
        if self._beacon is None:
            self._beacon = window.Function.new("url", "body", _BEACON)
        self._beacon(self.auth.public_url + PATH, text)
