"""Entry point of the copy-paste widget's frame page (runs under PyScript in the Parley-origin iframe)."""

import json

from pyscript import document, window
from pyscript.ffi import create_proxy

from parley import bridge, extensions, runtime
from parley.client import Client
from parley.i18n import is_rtl, pick_language
from parley.listeners import listen
from parley.widget import Widget


def read_config():
    """The frame page's JSON config (site, host origin, theme, URLs), written by the server."""
    node = document.getElementById("parley-config")
    return json.loads(node.textContent)


def browser_languages():
    languages = window.navigator.languages
    return [str(languages[i]) for i in range(int(languages.length))] if languages else []


async def main():
    """Boot the widget in the frame, restore the visitor's sign-in, and tell the host page it is ready."""
    config = read_config()
    site = config["site"]
    bridge.start(config["host_origin"])
    root = document.getElementById("parley-root")
    root.setAttribute("data-runtime", runtime.name())
    lang = pick_language(config.get("lang"), browser_languages())
    document.documentElement.setAttribute("lang", lang)
    document.documentElement.setAttribute("dir", "rtl" if is_rtl(lang) else "ltr")
    client = Client(config["public_url"], site["client_id"], site.get("scopes") or None, config.get("ws_url"))
    widget = Widget(
        client, root, site.get("name") or "", lang,
        on_counts=lambda unread, here: bridge.post("counts", unread=unread, here=here),
        on_close=lambda: bridge.post("close", focus=True),
    )

    def on_host(kind, data):
        if kind == "open":
            widget.set_open(True)
        elif kind == "close":
            widget.set_open(False)
        elif kind == "page":
            widget.set_page(str(data.get("url") or ""), str(data.get("title") or ""))
        elif kind == "share":
            widget.set_page(str(data.get("url") or ""), str(data.get("title") or ""))
            if client.signed_in:
                widget.go("share")

    bridge.on_message(on_host)

    def on_key(event):
        if event.key == "Escape":  # close from anywhere in the panel; the host puts focus on the launcher
            bridge.post("close", focus=True)

    listen(document, "keydown", create_proxy(on_key))
    session = extensions.attach_frame(client, widget, bridge.post)  # parley.current() for extensions
    await extensions.load(config.get("extensions") or [], session)
    await widget.start()
    root.setAttribute("data-state", "ready")
    root.removeAttribute("aria-busy")
    bridge.post("ready", runtime=runtime.name(), signed_in=client.signed_in)
