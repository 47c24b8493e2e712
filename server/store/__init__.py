"""Parley's store: SQLite (default) or PostgreSQL through async SQLAlchemy, migrated by Alembic.

store = await open_store("sqlite+aiosqlite:///data/parley.sqlite3")
record, created = await store.append_message(conversation_id, sender_id, client_id, "text", "hi")
await store.close()
"""

from __future__ import annotations

from .errors import (
    Blocked,
    Conflict,
    Invalid,
    NotFound,
    NotFriend,
    NotMember,
    SchemaTooNew,
    StoreError,
    UsernameTaken,
    WrongPassword,
)
from .records import (
    ALL_SCOPES,
    AppendResult,
    Conversation,
    FriendRequests,
    HistoryPage,
    MessageRecord,
    NewMessage,
    Principal,
    User,
)
from .secrets import hash_secret
from .store import Store, open_store

__all__ = [
    "ALL_SCOPES",
    "AppendResult",
    "Blocked",
    "Conflict",
    "Conversation",
    "FriendRequests",
    "HistoryPage",
    "Invalid",
    "MessageRecord",
    "NewMessage",
    "NotFound",
    "NotFriend",
    "NotMember",
    "Principal",
    "SchemaTooNew",
    "Store",
    "StoreError",
    "User",
    "UsernameTaken",
    "WrongPassword",
    "hash_secret",
    "open_store",
]
