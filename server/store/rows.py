"""Records from rows of the users and messages tables (used by the store's queries and its append plan)."""

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
    )
