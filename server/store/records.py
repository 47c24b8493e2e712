"""Immutable records the store returns; ORM objects never leave the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FriendState = Literal["pending", "accepted", "blocked"]
ConversationKind = Literal["direct", "group"]
MessageKind = Literal["text", "share"]

ALL_SCOPES: frozenset[str] = frozenset({"profile", "friends", "messages", "share"})


@dataclass(frozen=True, slots=True)
class User:
    """A Parley account as others may see it (no password hash)."""

    id: int
    username: str
    display_name: str
    created_at: int
    deleted_at: int | None = None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None


@dataclass(frozen=True, slots=True)
class FriendRequests:
    """Pending requests: those others sent to the user and those the user sent."""

    incoming: tuple[User, ...]
    outgoing: tuple[User, ...]


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """A stored message. sender_id is None once the sender's account is deleted."""

    id: int
    conversation_id: int
    position: int
    sender_id: int | None
    client_id: str
    kind: str
    text: str
    data: dict[str, Any] | None
    created_at: int
    sender_deleted: bool = False


@dataclass(frozen=True, slots=True)
class Conversation:
    """A conversation as one member sees it."""

    id: int
    kind: str
    title: str | None
    created_by: int | None
    created_at: int
    last_position: int
    member_ids: tuple[int, ...]
    read_position: int = 0
    last_message: MessageRecord | None = None

    @property
    def unread(self) -> int:
        return max(0, self.last_position - self.read_position)


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of messages; next_before is the cursor for the next (older) page, None at the start."""

    messages: tuple[MessageRecord, ...]
    next_before: int | None


@dataclass(frozen=True, slots=True)
class NewMessage:
    """One message to append (the batched append takes a list of these)."""

    conversation_id: int
    sender_id: int
    client_id: str
    kind: str
    text: str = ""
    data: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling and what they may do: a token's site and scopes, or a web session (all scopes)."""

    user_id: int
    site_id: int | None
    scopes: frozenset[str]
    csrf_token: str | None = None
    session: bool = False

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


@dataclass(frozen=True, slots=True)
class AppendResult:
    """The outcome of one message of a batched append: a record (and whether it is new) or an error."""

    message: MessageRecord | None
    created: bool = False
    error: Exception | None = field(default=None)
