"""Parley's store: SQLite (default) or PostgreSQL through async SQLAlchemy, migrated by Alembic.

store = await open_store("sqlite+aiosqlite:///data/parley.sqlite3")
record, created = await store.append_message(conversation_id, sender_id, client_id, "text", "hi")
await store.close()
"""

from __future__ import annotations

from .choices import SOUNDS, STATUSES
from .errors import (
    Blocked,
    Conflict,
    Forbidden,
    Invalid,
    LimitReached,
    NotFound,
    NotFriend,
    NotMember,
    SchemaTooNew,
    StoreError,
    UsernameTaken,
    WrongPassword,
    is_unavailable,
)
from .records import (
    ALL_SCOPES,
    AccessGrant,
    AccountSettings,
    AppendResult,
    CodeRecord,
    ConsentRecord,
    Conversation,
    FoundPerson,
    FriendChange,
    FriendRequests,
    GroupChange,
    HistoryPage,
    InviteRecord,
    MessageRecord,
    NewMessage,
    PresenceChoices,
    Principal,
    ReactionCount,
    ReplySnippet,
    SiteChoices,
    SiteRecord,
    TokenRecord,
    TokenState,
    User,
    WebSession,
)
from .secrets import hash_secret
from .store import Store, open_store
from .users import USERNAME_RE

__all__ = [
    "ALL_SCOPES",
    "SOUNDS",
    "STATUSES",
    "USERNAME_RE",
    "AccessGrant",
    "AccountSettings",
    "AppendResult",
    "Blocked",
    "CodeRecord",
    "Conflict",
    "ConsentRecord",
    "Conversation",
    "Forbidden",
    "FoundPerson",
    "FriendChange",
    "FriendRequests",
    "GroupChange",
    "HistoryPage",
    "Invalid",
    "InviteRecord",
    "LimitReached",
    "MessageRecord",
    "NewMessage",
    "NotFound",
    "NotFriend",
    "NotMember",
    "PresenceChoices",
    "Principal",
    "ReactionCount",
    "ReplySnippet",
    "SchemaTooNew",
    "SiteChoices",
    "SiteRecord",
    "Store",
    "StoreError",
    "TokenRecord",
    "TokenState",
    "User",
    "UsernameTaken",
    "WebSession",
    "WrongPassword",
    "hash_secret",
    "is_unavailable",
    "open_store",
]
