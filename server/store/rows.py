"""Row-to-record helpers shared by the store's modules (rows as column mappings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import records


def user_record(row: Mapping[Any, Any]) -> records.User:
    """A User record from a row of the users table."""
    return records.User(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        created_at=row["created_at"],
        deleted_at=row["deleted_at"],
    )


def message_record(row: Mapping[Any, Any], sender_deleted: bool = False) -> records.MessageRecord:
    """A MessageRecord from a row of the messages table."""
    data: dict[str, Any] | None = row["data"]
    reply_to = None
    if row["kind"] == "text" and isinstance(data, dict) and "reply_to" in data:  # a reply keeps its target here
        reply_to, data = int(data["reply_to"]), None
    return records.MessageRecord(
        id=row["id"],
        conversation_id=row["conversation_id"],
        position=row["position"],
        sender_id=row["sender_id"],
        client_id=row["client_id"],
        kind=row["kind"],
        text=row["text"],
        data=data,
        created_at=row["created_at"],
        sender_deleted=sender_deleted,
        edited_at=row.get("edited_at"),
        deleted_at=row.get("deleted_at"),
        change=int(row.get("change_seq") or 0),
        reply_to=reply_to,
    )


def site_record(row: Mapping[Any, Any]) -> records.SiteRecord:
    """A SiteRecord from a row of the sites table."""
    return records.SiteRecord(
        id=row["id"],
        client_id=row["client_id"],
        owner_id=row["owner_id"],
        name=row["name"],
        origins=tuple(row["origins"] or ()),
        redirect_uris=tuple(row["redirect_uris"] or ()),
        scopes=row["scopes"],
        settings=dict(row["settings"] or {}),
        created_at=row["created_at"],
    )


def code_record(row: Mapping[Any, Any]) -> records.CodeRecord:
    """A CodeRecord from a row of the oauth_codes table."""
    return records.CodeRecord(**{name: row[name] for name in records.CodeRecord.__dataclass_fields__})


def token_record(row: Mapping[Any, Any]) -> records.TokenRecord:
    """A TokenRecord from a row of the oauth_tokens table."""
    return records.TokenRecord(**{name: row[name] for name in records.TokenRecord.__dataclass_fields__})
