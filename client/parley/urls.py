"""http(s) URLs for the widget and the protocol (pure: no urllib, which MicroPython lacks; no imports at all).

One place that knows how an http(s) URL splits: its origin, its host, whether it is an http(s) link, and
whether it is safe to put into an href or src. parley.protocol (imported by the server too) validates link
URLs with these helpers, so they stay pure and identical under CPython, Pyodide and MicroPython.
"""

HTTP_SCHEMES = ("https://", "http://")
MAX_LINK_CHARS = 2048  # the longest URL safe_link accepts (= parley.protocol.MAX_URL_CHARS)
UNSAFE_IN_LINKS = '\\\x7f"<>'  # besides spaces and control characters: never in an attribute we write


def split(url):
    """(scheme "http://" or "https://" lower-cased, authority as written) of an http(s) URL, or None.

    The authority is everything between "//" and the first "/", "?" or "#" (user info and port included)."""
    if not isinstance(url, str):
        return None
    lowered = url[:8].lower()
    for scheme in HTTP_SCHEMES:
        if lowered.startswith(scheme):
            rest = url[len(scheme):]
            end = len(rest)
            for sep in "/?#":
                at = rest.find(sep)
                if 0 <= at < end:
                    end = at
            return scheme, rest[:end]
    return None


def is_http(url):
    """Whether `url` is a string that starts with http:// or https:// (in any case)."""
    return split(url) is not None


def host(url):
    """The host[:port] of an http(s) URL (lower-cased), or "" if it is not one."""
    parts = split(url)
    return parts[1].lower() if parts is not None else ""


def origin(url):
    """scheme://host[:port] of an http(s) URL (lower-cased), or None: not http(s), no host, user info, or a
    backslash in the host."""
    parts = split(url)
    if parts is None:
        return None
    authority = parts[1].lower()
    if not authority or "@" in authority or "\\" in authority:
        return None
    return parts[0] + authority


def safe_link(value):
    """`value` if it is an http(s) URL of at most MAX_LINK_CHARS without spaces, control characters,
    backslashes, quotes or angle brackets; else None (never javascript: or data:)."""
    if not isinstance(value, str) or not value or len(value) > MAX_LINK_CHARS or not is_http(value):
        return None
    for ch in value:
        if ch <= " " or ch in UNSAFE_IN_LINKS:
            return None
    return value


def websocket_url(url):
    """The ws(s):// URL for an http(s):// one (same host, path and query)."""
    return url.replace("http", "ws", 1)
