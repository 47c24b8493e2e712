"""The copy-paste frame's first paint on a re-entry: the panel as the visitor left it, in the frame page itself.

The frame keeps its place (with the panel's last drawing, parley.place.paint_of) on the server per sign-in
(widget/kept.py). The sign-in's refresh-token cookie is sent to /frame/session only, so the frame page learns
which sign-in it belongs to from a second cookie, the **paint key**: the sign-in's token family id and an HMAC
of it under the server's secret key, with the same attributes as the sign-in cookie (HttpOnly, Secure,
SameSite=None, Partitioned) and path /frame. It only lets GET /frame read back, while that sign-in is live,
the place its own frame kept; it is set with every sign-in answer and cleared with the sign-in. The place goes
into the page as inert JSON; frame-boot.js paints it (docs/performance.md, "Re-entry").
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from fastapi import Request, Response

PATH = "/frame"
MAC_CHARS = 32
MAX_FAMILY_CHARS = 100


class PaintKeys:
    """Make and check paint keys under one secret key (every server process must share it)."""

    def __init__(self, secret_key: str) -> None:
        self._key = hashlib.sha256(b"parley-paint-keys:" + secret_key.encode()).digest()

    def _mac(self, family_id: str) -> str:
        digest = hmac.new(self._key, family_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:MAC_CHARS]

    def key(self, family_id: str) -> str:
        """The paint key of a sign-in: ``{family_id}.{mac}``."""
        return f"{family_id}.{self._mac(family_id)}"

    def family(self, key: str) -> str | None:
        """The family a paint key names when its MAC is right, else None."""
        family_id, dot, mac = key.rpartition(".")
        if not dot or not family_id or len(family_id) > MAX_FAMILY_CHARS or not family_id.isascii():
            return None
        if not hmac.compare_digest(mac.encode("ascii", "replace"), self._mac(family_id).encode()):
            return None
        return family_id


def cookie_name(client_id: str) -> str:
    """One paint key per site (the partition already separates top-level sites)."""
    return "parley_pk_" + "".join(ch for ch in client_id if ch.isalnum() or ch in "-_")[:64]


def set_paint_key(response: Response, request: Request, client_id: str, family_id: str) -> None:
    """Add the paint key's Set-Cookie for this sign-in to a sign-in answer."""
    keys: PaintKeys = request.app.state.paint_keys
    max_age = request.app.state.settings.refresh_token_ttl
    response.headers.append("set-cookie", _cookie(cookie_name(client_id), keys.key(family_id), max_age))


def clear_paint_key(response: Response, client_id: str) -> None:
    response.headers.append("set-cookie", _cookie(cookie_name(client_id), "", 0))


def _cookie(name: str, value: str, max_age: int) -> str:
    return f"{name}={value}; Max-Age={max_age}; Path={PATH}; Secure; HttpOnly; SameSite=None; Partitioned"


async def kept_place(request: Request, client_id: str, site_id: int) -> str:
    """The place (JSON text) this browser's live sign-in of the site kept for the next page, or ""."""
    key = request.cookies.get(cookie_name(client_id))
    keys: PaintKeys = request.app.state.paint_keys
    family_id = keys.family(key) if key else None
    if family_id is None:
        return ""
    kept: dict[str, str] = await request.app.state.store.kept_for_frame(family_id, site_id)  # {}: sign-in ended
    return kept.get("place", "")
