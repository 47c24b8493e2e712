"""The frame's side of the host bridge: postMessage to the embedding page, with its exact origin."""

import json

from pyscript import window
from pyscript.ffi import create_proxy

from parley.listeners import listen

_HOST_ORIGIN = None
_handlers = []


def host_origin():
    """The embedding page's origin, as checked by the server against the site's registered origins."""
    return _HOST_ORIGIN


def start(host_origin):
    """Remember the host's origin and listen for its messages (only from that origin and our parent)."""
    global _HOST_ORIGIN
    _HOST_ORIGIN = host_origin
    listen(window, "message", create_proxy(_on_message))


def post(kind, **fields):
    """Send {parley: 1, type: kind, ...} to the host page (never to '*')."""
    if not _HOST_ORIGIN or window.parent == window:
        return
    fields["parley"] = 1
    fields["type"] = kind
    window.parent.postMessage(window.JSON.parse(json.dumps(fields)), _HOST_ORIGIN)


def on_message(handler):
    """Register handler(kind, data_dict) for messages from the host page."""
    _handlers.append(handler)
    return handler


def _on_message(event):
    if event.origin != _HOST_ORIGIN or event.source != window.parent:
        return
    try:
        data = json.loads(window.JSON.stringify(event.data))
    except Exception:
        return
    if not isinstance(data, dict) or data.get("parley") != 1:
        return
    kind = data.get("type")
    for handler in _handlers:
        handler(kind, data)
