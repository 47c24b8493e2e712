"""Rules for message content: text (1..4000 characters) and link shares (http/https URLs only, an optional
title, description, custom card and comment)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from .errors import Invalid

TEXT_MAX = 4000
MAX_GROUP_MEMBERS = 50  # the product rule; open_store(..., max_group_members=) overrides it
URL_MAX = 2048
TITLE_MAX = 300
DESCRIPTION_MAX = 1000
CARD_MAX = 4000
CLIENT_ID_MAX = 64
KINDS = ("text", "share", "file")
FILE_NAME_MAX = 255
MAX_ID = 2**53 - 1


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


def _check_card(card: Any) -> dict[str, Any]:
    """A custom card (the protocol validates its shape): an object with a "type", small once encoded."""
    if not isinstance(card, dict) or not isinstance(card.get("type"), str) or not card["type"]:
        raise Invalid("share card is an object with a type")
    try:
        size = len(json.dumps(card, ensure_ascii=False))
    except (TypeError, ValueError) as exc:
        raise Invalid("share card is plain JSON") from exc
    if size > CARD_MAX:
        raise Invalid(f"share card is at most {CARD_MAX} characters of JSON")
    return card


def _check_file_data(data: Any) -> dict[str, Any]:
    """A file message's data, as the server writes it from its record of the upload (FileRecord.message_data)."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), int) or isinstance(data.get("id"), bool):
        raise Invalid("a file message needs data with the uploaded file's id")
    name, size, mime = data.get("name"), data.get("size"), data.get("type")
    if not isinstance(name, str) or not 1 <= len(check_chars(name, "file name")) <= FILE_NAME_MAX:
        raise Invalid(f"a file name is 1 to {FILE_NAME_MAX} characters")
    if not isinstance(size, int) or size < 0 or not isinstance(mime, str) or not mime:
        raise Invalid("a file message needs the file's size and type")
    unknown = set(data) - {"id", "name", "size", "type", "image", "w", "h", "tw", "th"}
    if unknown:
        raise Invalid(f"unknown file fields: {', '.join(sorted(unknown))}")
    return dict(data)


def _check_text(text: str | None, required: bool) -> str:
    if text is None and not required:
        return ""
    if not isinstance(text, str):
        raise Invalid("a text message needs text")
    clean = check_chars(text, "text").strip()
    if not (1 if required else 0) <= len(clean) <= TEXT_MAX:
        what = "a text message" if required else "a share comment"
        raise Invalid(f"{what} is {int(required)} to {TEXT_MAX} characters")
    return clean


def _check_reply(data: dict[str, Any]) -> dict[str, Any]:
    """A text message's only data: the id of the message it replies to (``{"reply_to": id}``)."""
    target = data.get("reply_to") if isinstance(data, dict) else None
    if set(data) != {"reply_to"} or type(target) is not int or not 1 <= target <= MAX_ID:
        raise Invalid("a text message carries no data but reply_to, a message id")
    return {"reply_to": target}


def check_content(kind: str, text: str | None, data: dict[str, Any] | None) -> tuple[str, dict[str, Any] | None]:
    """The (text, data) to store for a message of `kind`, or Invalid. A share keeps its optional comment
    (text) and needs only a URL: title and description are optional (a client shows the host without a title)."""
    if kind == "text":
        clean = _check_text(text, required=True)
        if data:
            return clean, _check_reply(data)
        return clean, None
    if kind == "share":
        if not isinstance(data, dict):
            raise Invalid("a share needs data: a url, an optional title and description")
        comment = _check_text(text, required=False)
        share: dict[str, Any] = {"url": check_url(data.get("url"))}
        for key, limit in (("title", TITLE_MAX), ("description", DESCRIPTION_MAX)):
            value = _optional_text(data, key, limit, required=False)
            if value:
                share[key] = value
        if data.get("card") is not None:
            share["card"] = _check_card(data["card"])
        unknown = set(data) - {"url", "title", "description", "card"}
        if unknown:
            raise Invalid(f"unknown share fields: {', '.join(sorted(unknown))}")
        return comment, share
    if kind == "file":
        return "", _check_file_data(data)
    raise Invalid(f"unknown message kind {kind!r}: use one of {', '.join(KINDS)}")
