"""The type of an upload from its first bytes, never from its name or the sender's Content-Type (pure).

filetype (magic numbers) first, puremagic as the second opinion; markup (HTML, SVG, XML) is recognised by its
own start so it is named for what it is, and always served as a download, never rendered."""

from __future__ import annotations

from dataclasses import dataclass

import filetype
import puremagic

HEAD_BYTES = 8192  # how much of the upload the sniffers see
RASTER = {"image/jpeg": "jpeg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}  # mime -> Pillow
MARKUP_STARTS = (b"<svg", b"<?xml", b"<!doctype", b"<html", b"<script", b"<head", b"<body", b"<iframe")
OCTET = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Sniffed:
    """``mime`` found in the content; ``raster`` the Pillow format name when it claims to be a picture we
    re-encode (JPEG, PNG, GIF, WebP), else None; ``markup`` when it starts like HTML, SVG or XML."""

    mime: str
    raster: str | None = None
    markup: bool = False


def _markup_mime(head: bytes) -> str | None:
    start = head.lstrip(b"\xef\xbb\xbf\x00\t\n\r ").lower()[:512]
    if not start.startswith(b"<"):
        return None
    if b"<svg" in head[:4096].lower():
        return "image/svg+xml"
    if any(start.startswith(tag) for tag in MARKUP_STARTS) or b"<html" in start:
        return "text/html" if not start.startswith(b"<?xml") else "application/xml"
    return None


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3  # a character cut at the end of the head
    return True


def sniff(head: bytes) -> Sniffed:
    """What the first bytes of an upload say it is."""
    markup = _markup_mime(head)
    if markup:
        return Sniffed(markup, None, True)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else None
    if mime is None:
        try:
            mime = puremagic.from_string(head, mime=True) or None
        except (puremagic.PureError, ValueError):
            mime = None
    if mime is None:
        mime = "text/plain" if head and _is_text(head) else OCTET
    return Sniffed(mime, RASTER.get(mime))
