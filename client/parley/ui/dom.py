"""Build DOM nodes safely from Python: text is always inserted as text nodes, never parsed as HTML.

Controls carry `data-action` (and `data-arg`) attributes; one delegated listener per event type on the widget's
root dispatches them, so re-rendering never creates (or leaks) a JS proxy per element.
"""

import asyncio

from pyscript import document
from pyscript.ffi import create_proxy

from parley.listeners import listen


def el(tag, attrs=None, *children):
    """An element with attributes (None and False skipped, True as empty) and children (strings become text)."""
    node = document.createElement(tag)
    if attrs:
        for name, value in attrs.items():
            if value is None or value is False:
                continue
            if name == "class_":
                name = "class"
            node.setAttribute(name, "" if value is True else str(value))
    append(node, children)
    return node


SVG_NS = "http://www.w3.org/2000/svg"
ICONS = {
    "chat": "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
    "back": "M15.4 5.4 14 4l-8 8 8 8 1.4-1.4L8.8 12z",
    "close": "M18.3 5.7 16.9 4.3 12 9.2 7.1 4.3 5.7 5.7 10.6 12l-4.9 4.9 1.4 1.4 4.9-4.9 4.9 4.9 1.4-1.4-4.9-4.9z",
    "share": "M14 4v4C7 9 4 14 3 19c2.5-3.5 6-5.1 11-5.1V18l7-7z",
    "attach": "M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4"
              " 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6z",
    "download": "M5 20h14v-2H5zM19 9h-4V3H9v6H5l7 7z",
    "tune": "M3 17v2h6v-2H3zM3 5v2h10V5H3zm10 16v-2h8v-2h-8v-2h-2v6h2zM7 9v2H3v2h4v2h2V9H7zm14 4v-2H11v2h10zm-6-4h2V7"
            "h4V5h-4V3h-2v6z",
    "info": "M11 7h2v2h-2zm0 4h2v6h-2zm1-9a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16z",
    "people": "M16 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6zm-8 0a3 3 0 1 0 0-6 3 3 0 0 0 0 6zm0 2c-2.3 0-7 1.2-7 3.5V19h14"
              "v-2.5C15 14.2 10.3 13 8 13zm8 0c-.3 0-.6 0-1 .1 1.2.8 2 2 2 3.4V19h6v-2.5c0-2.3-4.7-3.5-7-3.5z",
    "search": "M15.5 14h-.79l-.28-.27A6.47 6.47 0 0 0 16 9.5 6.5 6.5 0 1 0 9.5 16c1.61 0 3.09-.59 4.23-1.57l.27.28"
              "v.79l5 4.99L20.49 19l-4.99-5zm-6 0C7.01 14 5 11.99 5 9.5S7.01 5 9.5 5 14 7.01 14 9.5 11.99 14 9.5 14z",
    "clock": "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm1 9.6 3.2 1.9-.8 1.3L11 13V7h2z",
}


def icon(name, size=20):
    """An inline SVG icon (decorative: hidden from assistive technology)."""
    svg = document.createElementNS(SVG_NS, "svg")
    svg.setAttribute("viewBox", "0 0 24 24")
    svg.setAttribute("width", str(size))
    svg.setAttribute("height", str(size))
    svg.setAttribute("aria-hidden", "true")
    svg.setAttribute("focusable", "false")
    path = document.createElementNS(SVG_NS, "path")
    path.setAttribute("d", ICONS[name])
    path.setAttribute("fill", "currentColor")
    svg.appendChild(path)
    return svg


def append(node, children):
    """Append strings (as text), nodes, lists of either and skip None."""
    for child in children:
        if child is None:
            continue
        if isinstance(child, (list, tuple)):
            append(node, child)
        elif isinstance(child, str):
            node.appendChild(document.createTextNode(child))
        else:
            node.appendChild(child)


def replace(node, *children):
    """Replace every child of node."""
    while node.firstChild:
        node.removeChild(node.firstChild)
    append(node, children)


def text(node, value):
    """Set a node's text (as text)."""
    node.textContent = value


class Delegator:
    """One listener per event type on a root; handlers are looked up by the target's `data-action`."""

    def __init__(self, root):
        self.root = root
        self.handlers = {}
        self._proxies = []
        self._tasks = []

    def listen(self, event_type):
        proxy = create_proxy(lambda event: self._dispatch(event_type, event))
        self._proxies.append(proxy)
        # scroll does not bubble: listen in the capture phase so scrolls inside the root reach us too
        listen(self.root, event_type, proxy, event_type == "scroll")

    def on(self, event_type, action, handler):
        """Call handler(arg, event, element) when an element with data-action=action gets event_type."""
        self.handlers[event_type + ":" + action] = handler

    def _dispatch(self, event_type, event):
        target = event.target
        node = target.closest("[data-action]") if hasattr(target, "closest") else None
        if not node:
            return
        handler = self.handlers.get(event_type + ":" + str(node.getAttribute("data-action")))
        if handler is None:
            return
        arg = node.getAttribute("data-arg")
        result = handler(arg, event, node)
        if result is not None and hasattr(result, "send"):  # a coroutine: run it
            self._tasks = [task for task in self._tasks if not task.done()]
            self._tasks.append(asyncio.create_task(result))
