"""Web security helpers shared by Parley's own pages and the OAuth endpoints.

- CSRF: a signed-in visitor's forms carry the web session's random `csrf_token`; a visitor without a session
  (sign-in and sign-up forms) gets a random `parley_csrf` cookie and the form carries its HMAC under the
  server's secret key, so a cross-site page can neither read nor forge either token.
- Rate limits: an in-process sliding window per key (username+IP, client+IP). Each server process counts on
  its own; behind N processes the effective limit is at most N times the configured one.
- Headers: a strict Content-Security-Policy and anti-framing headers for every HTML page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

PRE_SESSION_COOKIE = "parley_csrf"
CSRF_FIELD = "csrf_token"


def random_token() -> str:
    """A fresh unguessable secret (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def pre_session_csrf(secret_key: str, cookie_value: str) -> str:
    """The CSRF token bound to a visitor's pre-session cookie (HMAC-SHA256 under the server secret)."""
    digest = hmac.new(secret_key.encode(), b"csrf:" + cookie_value.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison that is False when either side is missing or empty."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


class SlidingWindow:
    """At most `limit` hits per `window` seconds for each key, counted over a sliding window."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def _wait(self, hits: deque[float], now: float) -> int:
        return max(1, math.ceil(hits[0] + self.window - now))

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait before the next hit is allowed, or None if one is allowed now."""
        now = time.monotonic()
        with self._lock:
            hits = self._recent(key, now)
            if not hits:
                del self._hits[key]
            return self._wait(hits, now) if len(hits) >= self.limit else None

    def hit(self, key: str) -> int | None:
        """Count one hit; return None if allowed, else the Retry-After seconds (the hit is not counted)."""
        now = time.monotonic()
        with self._lock:
            hits = self._recent(key, now)
            if len(hits) >= self.limit:
                return self._wait(hits, now)
            hits.append(now)
            return None

    def reset(self, key: str) -> None:
        """Forget a key's hits (e.g. after a successful sign-in)."""
        with self._lock:
            self._hits.pop(key, None)


def app_limiter(app: Any, name: str, limit: int, window: float) -> SlidingWindow:
    """The app-wide sliding window called `name`, created on first use in `app.state.parley_rate_limits`
    (a test may put its own window there first)."""
    windows: dict[str, SlidingWindow] | None = getattr(app.state, "parley_rate_limits", None)
    if windows is None:
        windows = {}
        app.state.parley_rate_limits = windows
    if name not in windows:
        windows[name] = SlidingWindow(limit, window)
    return windows[name]


def client_ip(request: Request) -> str:
    """The peer address (a proxy in front must be trusted by uvicorn's --proxy-headers to pass the real one)."""
    return request.client.host if request.client else "unknown"


def content_security_policy(
    *, script_hashes: Iterable[str] = (), form_targets: Iterable[str] = (), connect: bool = False
) -> str:
    """A strict CSP for Parley's HTML pages: nothing inline, no framing, forms only to us (plus targets)."""
    scripts = " ".join(f"'sha256-{h}'" for h in script_hashes)
    forms = " ".join(["'self'", *form_targets])
    parts = [
        "default-src 'none'",
        f"script-src {scripts}" if scripts else "script-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        f"form-action {forms}",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
    if connect:
        parts.append("connect-src 'self'")
    return "; ".join(parts)


def apply_page_headers(response: Response, csp: str, *, opener_policy: str = "same-origin") -> Response:
    """Headers every Parley HTML page sends: CSP, no framing, no sniffing, no referrer, no caching."""
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Cross-Origin-Opener-Policy"] = opener_policy
    return response


def script_hash(source: str) -> str:
    """The base64 SHA-256 of an inline script, as a CSP hash source wants it."""
    return base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
