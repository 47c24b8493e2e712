"""Exact origins and redirect URIs for registered sites: parse once, normalize, compare as strings.

An origin is `scheme://host[:port]` with a lower-case host and the default port left out; anything else (a
path, a query, user info, a fragment, another scheme) is refused with a message a site owner can act on.
After normalization, a request matches only by string equality: no prefix, case or trailing-slash leniency.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")
_IPV6 = re.compile(r"^\[[0-9a-f:.]+\]$")


class OriginError(ValueError):
    """A URL that cannot serve as a site origin or redirect URI; str() explains why."""


def _split(url: str, what: str) -> tuple[str, str, int | None, str, str, str]:
    text = url.strip()
    if not text:
        raise OriginError(f"{what} is empty")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in text) or "\\" in text:
        raise OriginError(f"{what} {text!r} contains spaces, control characters or backslashes")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise OriginError(f"{what} {text!r} is not a valid URL ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise OriginError(f"{what} {text!r} must start with https:// or http://")
    if "@" in parts.netloc:
        raise OriginError(f"{what} {text!r} must not contain user info (name@host)")
    host = (parts.hostname or "").lower()
    if not host or not (_HOST.match(host) or _IPV6.match(f"[{host}]")):
        raise OriginError(f"{what} {text!r} has no valid host name")
    if port == DEFAULT_PORTS[scheme]:
        port = None
    return scheme, host, port, parts.path, parts.query, parts.fragment


def _origin_text(scheme: str, host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}" + (f":{port}" if port is not None else "")


def normalize_origin(url: str) -> str:
    """The canonical origin for `url` (a single trailing '/' is tolerated); OriginError otherwise."""
    scheme, host, port, path, query, fragment = _split(url, "Origin")
    if path not in ("", "/") or query or fragment or url.strip().endswith(("?", "#")):
        raise OriginError(
            f"Origin {url.strip()!r} must be only scheme://host[:port], without a path, query or fragment"
        )
    return _origin_text(scheme, host, port)


def origin_of(url: str) -> str | None:
    """The canonical origin of any http(s) URL, or None if it has none."""
    try:
        scheme, host, port, *_ = _split(url, "URL")
    except OriginError:
        return None
    return _origin_text(scheme, host, port)


def normalize_redirect_uri(url: str, origins: list[str]) -> str:
    """Check an owner-registered redirect URI: http(s), no user info or fragment, on one of `origins`."""
    scheme, host, port, path, query, fragment = _split(url, "Redirect URI")
    if fragment or url.strip().endswith("#"):
        raise OriginError(f"Redirect URI {url.strip()!r} must not contain a fragment (#...)")
    origin = _origin_text(scheme, host, port)
    if origin not in origins:
        raise OriginError(f"Redirect URI {url.strip()!r} is not on one of the site's origins")
    return origin + (path or "/") + (f"?{query}" if query else "")


def parse_origin_lines(text: str) -> list[str]:
    """Origins from a textarea (one per line, blanks ignored), normalized and de-duplicated in order."""
    seen: list[str] = []
    for line in text.splitlines():
        if line.strip():
            origin = normalize_origin(line)
            if origin not in seen:
                seen.append(origin)
    return seen
