"""File names (pure): what a sender's name becomes when kept, and the Content-Disposition it is served with."""

from __future__ import annotations

from urllib.parse import quote

MAX_NAME = 255


def clean_name(name: str, extension: str | None = None) -> str:
    """The last path part of ``name``, control characters and quotes out, at most 255 characters; with
    ``extension`` (a re-encoded picture's ``.png``), that extension replaces the name's own."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|*?:').strip().strip(".")
    if not base:
        base = "file"
    if extension:
        stem = base.rsplit(".", 1)[0] if "." in base else base
        base = (stem or "picture")[: MAX_NAME - len(extension)] + extension
    return base[:MAX_NAME]


def content_disposition(disposition: str, name: str) -> str:
    """``attachment`` or ``inline`` with an ASCII fallback name and the exact one in RFC 5987 form."""
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;%' else "_" for ch in name) or "file"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
