"""Immutable records the store returns; ORM objects never leave the store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FriendState = Literal["pending", "accepted", "blocked"]
ConversationKind = Literal["direct", "group"]
MessageKind = Literal["text", "share", "system"]

ALL_SCOPES: frozenset[str] = frozenset({"profile", "friends", "messages", "share", "people"})


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
    edited_at: int | None = None  # when its text was last edited
    deleted_at: int | None = None  # deleted for everyone (no text, no data, no reactions)
    change: int = 0  # the conversation's change number of its latest edit, deletion or reaction (0: none)
    reply_to: int | None = None  # the message it answers (same conversation)
    reply: ReplySnippet | None = None  # that message as a reply quotes it (history, replay, changes)
    reactions: tuple[ReactionCount, ...] = ()  # per emoji, in the fixed order, who reacted (by id)


@dataclass(frozen=True, slots=True)
class ReplySnippet:
    """The start of a replied-to message as a reply quotes it: position, sender, up to 100 characters."""

    id: int
    position: int
    sender_id: int | None
    text: str
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class ReactionCount:
    """Who reacted with one emoji to a message (user ids, in the order they reacted)."""

    emoji: str
    users: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class FileRecord:
    """An uploaded picture or file of one conversation (the bytes are in the blob store under blob_key)."""

    id: int
    owner_id: int
    conversation_id: int
    name: str
    size: int
    mime: str
    kind: str  # "image" (re-encoded, with a thumbnail) or "file"
    sha256: str
    blob_key: str
    width: int | None = None
    height: int | None = None
    thumb_width: int | None = None
    thumb_height: int | None = None
    attached_cid: str | None = None
    created_at: int = 0

    @property
    def is_image(self) -> bool:
        return self.kind == "image"

    def message_data(self) -> dict[str, Any]:
        """The ``data`` of the ``file`` message that carries it (docs/protocol.md, kind ``file``)."""
        data: dict[str, Any] = {"id": self.id, "name": self.name, "size": self.size, "type": self.mime}
        if self.is_image and self.width and self.height and self.thumb_width and self.thumb_height:
            data.update(image=True, w=self.width, h=self.height, tw=self.thumb_width, th=self.thumb_height)
        return data


@dataclass(frozen=True, slots=True)
class NewFile:
    """What the upload pipeline found about a checked upload, before it is recorded."""

    name: str
    size: int
    mime: str
    kind: str
    sha256: str
    blob_key: str
    width: int | None = None
    height: int | None = None
    thumb_width: int | None = None
    thumb_height: int | None = None


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
    people: tuple[User, ...] = ()  # every member, by id (friends or not: clients name them all)

    @property
    def unread(self) -> int:
        return max(0, self.last_position - self.read_position)

    @property
    def owner(self) -> int | None:
        """A group's owner (its creator until they leave); None for direct conversations."""
        return self.created_by if self.kind == "group" else None


@dataclass(frozen=True, slots=True)
class GroupChange:
    """What one group operation did: the group as it is now (``people``: every member, ``owner``), the
    system message that records the change, and who is no longer a member (``gone``: removed or left)."""

    conversation_id: int
    title: str | None
    owner: int | None
    people: tuple[User, ...]
    message: MessageRecord
    gone: tuple[int, ...] = ()

    @property
    def member_ids(self) -> tuple[int, ...]:
        return tuple(person.id for person in self.people)


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of messages; next_before is the cursor for the next (older) page, None at the start."""

    messages: tuple[MessageRecord, ...]
    next_before: int | None
    last_change: int = 0  # the conversation's change number when the page was read


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A message found by search: where it is and a snippet of its text with the matches as (start, end)
    ranges of ``snippet`` (code points)."""

    message_id: int
    conversation_id: int
    position: int
    sender_id: int | None
    created_at: int
    kind: str
    snippet: str
    marks: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class SearchPage:
    """Search hits, newest first; next_before is the cursor (a message id) for older ones, None at the end."""

    hits: tuple[SearchHit, ...]
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
    jkt: str | None = None  # a DPoP-bound access token's key thumbprint

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


@dataclass(frozen=True, slots=True)
class AppendResult:
    """The outcome of one message of a batched append: a record (and whether it is new) or an error."""

    message: MessageRecord | None
    created: bool = False
    error: Exception | None = field(default=None)


@dataclass(frozen=True, slots=True)
class SiteRecord:
    """A registered site (OAuth public client)."""

    id: int
    client_id: str
    owner_id: int | None
    name: str
    origins: tuple[str, ...]
    redirect_uris: tuple[str, ...]  # the owner's own (inline developers); the Parley callback is implicit
    scopes: str
    settings: dict[str, Any] = field(default_factory=dict)
    created_at: int = 0

    @property
    def theme(self) -> str:
        return str(self.settings.get("theme", "auto"))

    @property
    def runtime(self) -> str:
        return str(self.settings.get("runtime", "micropython"))


@dataclass(frozen=True, slots=True)
class SiteOwnerRecord:
    """An owner of a site, or a user invited to own it (``accepted`` False)."""

    user_id: int
    username: str
    display_name: str
    accepted: bool


@dataclass(frozen=True, slots=True)
class CodeRecord:
    """A stored authorization code (looked up by its hash)."""

    code_hash: str
    site_id: int
    user_id: int
    redirect_uri: str
    scope: str
    code_challenge: str
    code_challenge_method: str
    created_at: int
    expires_at: int
    used_at: int | None
    family_id: str | None


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A stored access/refresh token pair (one row of a rotation family)."""

    id: int
    family_id: str
    site_id: int
    user_id: int
    scope: str
    access_expires_at: int
    refresh_expires_at: int | None
    refresh_used_at: int | None
    revoked_at: int | None
    jkt: str | None = None  # the DPoP key (JWK SHA-256 thumbprint) the access token is bound to
    refresh_jkt: str | None = None  # the DPoP key the refresh token is bound to


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """What a user allowed a site, with the site's name and origins for the account page."""

    user_id: int
    site_id: int
    scope: str
    created_at: int
    site_name: str = ""
    site_origins: tuple[str, ...] = ()


TokenState = Literal["live", "user_gone", "revoked", "expired", "banned"]


@dataclass(frozen=True, slots=True)
class AccessGrant:
    """An access token as the relay sees it: its state and, while live, what a socket needs (the user,
    the site's origins, the user's accepted friends and the sites the user hides from)."""

    state: TokenState
    user_id: int
    username: str
    display_name: str
    site_id: int
    scope: str
    origins: tuple[str, ...]
    hidden_sites: tuple[int, ...] = ()
    friends: tuple[int, ...] = ()
    status: str = "online"  # the account's chosen status (user_settings)
    sound: str = "site"  # the account's sound choice (user_settings)
    findable: str = "everyone"  # the account's privacy choices (user_settings)
    requests: str = "everyone"
    share_title: bool = False  # the user lets friends here see the page title on this token's site
    jkt: str | None = None  # a DPoP-bound token's key thumbprint: hello must carry a proof of that key


@dataclass(frozen=True, slots=True)
class SiteChoices:
    """A user's choices for one site they authorized (kept on the consent)."""

    site_id: int
    client_id: str
    name: str
    hidden: bool  # hide me on this site
    share_title: bool  # show friends here the title of the page I am on


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """A user's choices: account-wide status and sound, and per-site choices (one site, or all of them)."""

    user_id: int
    status: str  # online | away | hidden (appear offline)
    sound: str  # on | off | site (the site's own choice)
    sites: tuple[SiteChoices, ...]
    findable: str = "everyone"  # everyone | nobody: who finds the user by name
    requests: str = "everyone"  # everyone | friends_of_friends | nobody: who may send friend requests


@dataclass(frozen=True, slots=True)
class PresenceChoices:
    """What the relay needs of a user's choices: status, sites hidden from, sites sharing page titles."""

    status: str = "online"
    hidden_sites: tuple[int, ...] = ()
    title_sites: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class WebSession:
    """A live sign-in session on Parley's own pages (looked up by the hash of its id)."""

    user_id: int
    csrf_token: str


@dataclass(frozen=True, slots=True)
class FriendChange:
    """What a friend operation (or an accepted invite) did between two people: each one's view of the
    relation (the protocol's ``rel``: none, friends, incoming, outgoing, blocked) before and after; for an
    accepted invite, their direct conversation."""

    actor: User
    other: User
    actor_before: str
    actor_after: str
    other_before: str
    other_after: str
    conversation_id: int | None = None

    @property
    def views(self) -> tuple[tuple[User, User, str], ...]:
        """(who is told, about whom, their new rel) for each person whose own view changed (a blocked
        person whose view stays ``none`` is not told anything)."""
        out = []
        if self.actor_before != self.actor_after:
            out.append((self.actor, self.other, self.actor_after))
        if self.other_before != self.other_after:
            out.append((self.other, self.actor, self.other_after))
        return tuple(out)

    @property
    def friendship_changed(self) -> bool:
        """Whether they became friends or stopped being friends (presence follows)."""
        return (self.actor_before == "friends") != (self.actor_after == "friends")


@dataclass(frozen=True, slots=True)
class FoundPerson:
    """A find result: the person and the finder's view of the relation."""

    user: User
    rel: str


@dataclass(frozen=True, slots=True)
class InviteRecord:
    """An invite link to a page: its inviter, the site it was made on (None: Parley's own pages), times."""

    id: int
    inviter: User
    site_id: int | None
    url: str
    created_at: int
    expires_at: int
    revoked_at: int | None = None


@dataclass(frozen=True, slots=True)
class InsightBatch:
    """Insight counted by one process since its last flush, to add to the per-day aggregates.

    ``seen``: (site, day, kind, key) of visitors (kind ``v``) and rendezvous pairs (``r``) as keyed hashes, each
    counted once per day across processes; ``messages``, ``shares``: (site, day) -> how many; ``pages``:
    (site, day, url) -> shares of that page."""

    seen: tuple[tuple[int, int, str, str], ...] = ()
    messages: Mapping[tuple[int, int], int] = field(default_factory=dict)
    shares: Mapping[tuple[int, int], int] = field(default_factory=dict)
    pages: Mapping[tuple[int, int, str], int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.seen or self.messages or self.shares or self.pages)


@dataclass(frozen=True, slots=True)
class SiteDay:
    """A site's insight counters for one UTC day (``day``: days since the epoch), before any suppression."""

    day: int
    visitors: int = 0
    rendezvous: int = 0
    messages: int = 0
    shares: int = 0


ReportReason = Literal["spam", "abuse", "harassment", "inappropriate", "other"]
REPORT_REASONS: tuple[str, ...] = ("spam", "abuse", "harassment", "inappropriate", "other")
MAX_REPORT_NOTE = 500


@dataclass(frozen=True, slots=True)
class ReportRecord:
    """A visitor's report to a site's owners: who reported whom, the message's copy, why and when."""

    id: int
    site_id: int
    reporter: User
    reported: User
    conversation_id: int | None
    message_id: int | None
    message_text: str
    reason: str
    note: str
    created_at: int
    handled_at: int | None = None
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class BanRecord:
    """A Parley account banned from a site's widget, by whom and when."""

    site_id: int
    user: User
    banned_by: str  # the owner's username ("" once that account is gone)
    created_at: int


@dataclass(frozen=True, slots=True)
class ModerationEntry:
    """One line of the moderation log: who (``actor``: a username, "operator" for the CLI) did what to whom."""

    id: int
    site_id: int | None
    actor: str
    action: str
    target: str
    detail: str
    created_at: int
