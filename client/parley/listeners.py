"""addEventListener / removeEventListener for the widget, safe from a MicroPython bridge bug (browser I/O).

MicroPython 1.27 (PyScript's webassembly build) has one JsProxy per JS function and marks it "call with self"
the first time Python reads it as a method (`element.addEventListener`); `window.f(a, b)` through PyScript's
`window` (the `js` module) reuses that proxy but passes no self, so `a` becomes `this`. Every EventTarget shares
one addEventListener: after `element.addEventListener(...)`, the next `window.addEventListener("x", f)` throws
"Illegal invocation" (uncatchable in Python) until the proxy is collected. So the widget never reads these
methods as attributes (that would break its host page's next `window.addEventListener`): it takes them with
Reflect.get (a plain value, no mark) and calls them with `.call(target, ...)`; `window` means the real global.
"""

from pyscript import window


def _method(name):
    return window.Reflect.get(window.EventTarget.prototype, name)


def _target(target):
    return window.window if target is window else target  # the `js` module would reach JS as a Python object


def listen(target, event_type, handler, capture=False):
    """target.addEventListener(event_type, handler, capture); `window` for the page's global object."""
    _method("addEventListener").call(_target(target), event_type, handler, capture)


def unlisten(target, event_type, handler, capture=False):
    """target.removeEventListener(event_type, handler, capture)."""
    _method("removeEventListener").call(_target(target), event_type, handler, capture)
