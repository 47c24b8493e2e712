"""The widget's own storage for one visit (browser I/O, thin; what is kept is decided in parley.place).

In the copy-paste widget this is the frame's sessionStorage on the Parley origin: the browser partitions it by
the top-level site and the host page's scripts cannot read it. Inline, it is the developer's page's own
sessionStorage (docs/security.md). Browsers may refuse it (third-party storage blocked, some private
windows): every access goes through one JavaScript try/catch (an exception thrown inside a JS call would end
the script on MicroPython), and a refused storage reads as empty and keeps nothing: ``available`` says so.
"""

from pyscript import window

_BODY = (
    "try { var s = globalThis[area]; if (!s) return '';"
    " if (op === 'get') { var v = s.getItem(key); return v === null ? '' : '=' + v; }"
    " if (op === 'set') { s.setItem(key, value); return 'ok'; }"
    " if (op === 'remove') { s.removeItem(key); return 'ok'; }"
    " if (op === 'probe') { s.setItem(key, '1'); s.removeItem(key); return 'ok'; }"
    "} catch (e) {} return '';"
)
_call = None


def _js(area, op, key, value=""):
    """One storage operation in a JS try/catch: its text result ('' when refused or absent)."""
    global _call
    if _call is None:  # PyScript needs 'unsafe-eval' to start (docs/security.md), so Function is there
        _call = window.Function.new("area", "op", "key", "value", _BODY)
    return str(_call(area, op, key, value))


class Storage:
    """Text values under string keys in ``window[area]`` ('sessionStorage'); area None keeps nothing."""

    def __init__(self, area="sessionStorage"):
        self.area = area
        self.available = area is not None and _js(area, "probe", "parley.probe") == "ok"
        self.kind = "session" if self.available else "none"
        self._held = {}

    def holds(self, key):
        """Whether the last text saved under `key` was kept."""
        return self._held.get(key, False)

    def load(self, key):
        """The stored text, or None."""
        if not self.available:
            return None
        value = _js(self.area, "get", key)
        return value[1:] if value.startswith("=") else None

    def save(self, key, text):
        """Store `text` (None removes it). False if the browser refused (full, or storage revoked)."""
        if not self.available:
            return False
        answer = _js(self.area, "remove", key) if text is None else _js(self.area, "set", key, text)
        kept = answer == "ok"
        self._held[key] = kept
        return kept


def open_storage(keep):
    """The storage for `keep`: 'session' (sessionStorage) or 'memory' (nothing kept)."""
    return Storage("sessionStorage" if keep == "session" else None)
