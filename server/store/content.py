"""Rules for message content: text (1..4000 characters) and link shares (http/https URLs only)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .errors import Invalid

TEXT_MAX = 4000
URL_MAX = 2048
TITLE_MAX = 300
DESCRIPTION_MAX = 1000
CLIENT_ID_MAX = 64
KINDS = ("text", "share")


def check_chars(value: str, what: str) -> str:
    """Raise Invalid for text no database can store: NUL characters or lone surrogates."""
    if "\x00" in value:
        raise Invalid(f"{what} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise Invalid(f"{what} is not valid Unicode text") from exc
    return value


def check_client_id(client_id: str) -> str:
    """The client message id, 1..64 printable characters."""
    if not isinstance(client_id, str) or not 1 <= len(client_id) <= CLIENT_ID_MAX or not client_id.isprintable():
        raise Invalid(f"client_id is 1 to {CLIENT_ID_MAX} printable characters")
    return client_id


def check_url(url: Any) -> str:
    """An absolute http(s) URL without credentials, at most 2048 characters."""
    if not isinstance(url, str) or not url or len(url) > URL_MAX:
        raise Invalid(f"a shared URL is 1 to {URL_MAX} characters")
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        raise Invalid("a shared URL has no spaces or control characters")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise Invalid("the shared URL is malformed") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise Invalid("only http and https URLs can be shared")
    if not hostname:
        raise Invalid("a shared URL needs a host")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise Invalid("a shared URL cannot carry a user name or password")
    return url


def _optional_text(data: dict[str, Any], key: str, limit: int, required: bool) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise Invalid(f"share {key} must be a string")
    value = check_chars(value, f"share {key}").strip()
    if (required and not value) or len(value) > limit:
        raise Invalid(f"share {key} is {'1' if required else '0'} to {limit} characters")
    return value


def check_content(kind: str, text: str | None, data: dict[str, Any] | None) -> tuple[str, dict[str, Any] | None]:
    """The (text, data) to store for a message of `kind`, or Invalid."""
    if kind == "text":
        if not isinstance(text, str):
            raise Invalid("a text message needs text")
        clean = check_chars(text, "text").strip()
        if not 1 <= len(clean) <= TEXT_MAX:
            raise Invalid(f"a text message is 1 to {TEXT_MAX} characters")
        if data:
            raise Invalid("a text message carries no data")
        return clean, None
    if kind == "share":
        if not isinstance(data, dict):
            raise Invalid("a share needs data: url, title and an optional description")
        share: dict[str, Any] = {"url": check_url(data.get("url"))}
        share["title"] = _optional_text(data, "title", TITLE_MAX, required=True)
        description = _optional_text(data, "description", DESCRIPTION_MAX, required=False)
        if description:
            share["description"] = description
        unknown = set(data) - {"url", "title", "description"}
        if unknown:
            raise Invalid(f"unknown share fields: {', '.join(sorted(unknown))}")
        return "", share
    raise Invalid(f"unknown message kind {kind!r}: use one of {', '.join(KINDS)}")
