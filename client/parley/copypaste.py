"""Entry point of the copy-paste widget's page (runs under PyScript in the Parley-origin iframe).

Built on the public library like any developer's page: the same session boot (parley.boot.new_session), with
the frame's cookie-backed sign-in (parley.auth.FrameAuth) and the widget drawn into the page's #parley-root;
the host page drives it over the postMessage bridge (parley.bridge).
"""

import json

from pyscript import document, window
from pyscript.ffi import create_proxy

from parley import boot, bridge, extensions, runtime
from parley.auth import FrameAuth
from parley.dpop import Dpop
from parley.i18n import Translator, is_rtl
from parley.listeners import listen
from parley.registry import REGISTRY
from parley.ui.peek import Peek


def read_config():
    """The frame page's JSON config (site, host origin, theme, URLs), written by the server."""
    node = document.getElementById("parley-config")
    return json.loads(node.textContent)


class Notice:
    """The closed widget's notice: the launcher's counts and writers' names go to the host page (bridge
    "counts"); a new message's preview is shown only here, in the frame's peek (bridge "peek" asks the host
    page to show the frame small next to its launcher). Message text never crosses the bridge."""

    def __init__(self, t):
        self.widget = None
        self.peek = Peek(t, self.open, self.dismiss)
        self.last_id = None

    def update(self, notice):
        bridge.post("counts", unread=notice["unread"], here=notice["here"], writers=notice["writers"],
                    more=notice["more"])
        fresh = notice["id"] is not None and notice["id"] != self.last_id
        if notice["id"] is not None:
            self.last_id = notice["id"]
        if not notice["unread"] or (self.widget is not None and self.widget.is_open):
            self.hide()
        elif fresh:
            self.peek.show(notice)
            bridge.post("peek", show=True)

    def open(self):
        self.peek.hide()
        bridge.post("open")

    def dismiss(self):
        self.hide()
        bridge.post("focus")

    def hide(self):
        if self.peek.shown:
            self.peek.hide()
            bridge.post("peek", show=False)


def host_handler(session, notice=None):
    """handler(kind, data) for the host page's messages: open, close, page, share."""
    widget = session.widget

    def on_host(kind, data):
        if kind == "open":
            if notice is not None:
                notice.hide()
            widget.set_open(True)
        elif kind == "close":
            widget.set_open(False)
        elif kind == "page":
            widget.set_page(str(data.get("url") or ""), str(data.get("title") or ""))
        elif kind == "share":
            widget.set_page(str(data.get("url") or ""), str(data.get("title") or ""))
            if session.signed_in:
                widget.go("share")

    return on_host


def on_key(event):
    # close from anywhere in the panel (the host puts focus on the launcher), unless the widget used the key
    # itself: closing a message's menu, leaving reply or edit mode
    if event.key == "Escape" and not event.defaultPrevented:
        bridge.post("close", focus=True)


def frame_dpop(config):
    """The frame page's DPoP key (made by frame-boot.js) and the nonce its config brings."""
    return Dpop(config.get("dpop") or "", config.get("dpop_nonce") or "") if config.get("dpop") else None


async def main():
    """Boot the widget in the frame, restore the visitor's sign-in, and tell the host page it is ready."""
    config = read_config()
    site = config["site"]
    bridge.start(config["host_origin"])
    root = document.getElementById("parley-root")
    root.setAttribute("data-runtime", runtime.name())
    lang = boot.widget_language(config.get("lang"))
    document.documentElement.setAttribute("lang", lang)
    document.documentElement.setAttribute("dir", "rtl" if is_rtl(lang) else "ltr")
    REGISTRY.report = lambda text: window.console.error(text)  # extensions' failures go to the console
    notice = Notice(Translator(lang))
    session = boot.new_session(
        FrameAuth(config["public_url"], site["client_id"], site.get("scopes") or None, dpop=frame_dpop(config)),
        root, mode="frame",
        site_name=site.get("name") or "", lang=lang, ws_url=config.get("ws_url"),
        show=lambda: bridge.post("open"), hide=lambda: bridge.post("close"), theme_root=document.documentElement,
        on_notice=notice.update, on_close=lambda: bridge.post("close", focus=True),
        on_sound=lambda sound: bridge.post("sound", value=sound),  # the chime plays in the host page
    )
    notice.widget = session.widget
    session.widget.keep_drawing()  # kept with the place: the next page paints the panel at once
    session.widget.on_invite_taken = lambda: bridge.post("invite-taken")  # the host strips it from its address
    bridge.on_message(host_handler(session, notice))
    # an unsent message the frame could not keep (storage refused): the host page warns before it unloads
    session.client.unsent_hooks.append(lambda at_risk: bridge.post("unsent", pending=at_risk))
    listen(document, "keydown", create_proxy(on_key))
    loaded = await extensions.load(config.get("extensions") or [], session)  # parley.current() is this session
    # which extensions run and why the others were disabled (the site's own module URLs, no visitor data):
    # the console's preview shows it; a host page may listen with Parley.on("extensions", fn)
    bridge.post("event", name="extensions", detail={"loaded": loaded, "failed": dict(REGISTRY.failures)})
    await session.start()
    root.setAttribute("data-state", "ready")
    window.performance.mark("parley:live")
    root.removeAttribute("aria-busy")
    root.setAttribute("data-storage", session.client.storage.kind)  # session, server (refused here) or none
    # open: the panel as the visitor left it on the last page of this visit (None: not known here)
    bridge.post("ready", runtime=runtime.name(), signed_in=session.signed_in, open=session.widget.restored_open)
