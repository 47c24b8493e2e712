"""The relational schema: one class per table, SQLAlchemy 2 declarative, portable SQLite/PostgreSQL.

Times are integer milliseconds since the epoch (UTC) so both databases and the wire protocol agree
without time-zone conversions. Secrets (tokens, codes) are stored only as SHA-256 hex digests.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for ids that grow.
IdType = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base for every Parley table."""

    type_annotation_map: dict[Any, Any] = {dict[str, Any]: JSON, list[str]: JSON}


class User(Base):
    """A Parley account. A deleted account keeps its row (messages show 'deleted user')."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)  # lower-case [a-z0-9_.-]
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[int] = mapped_column(BigInteger)
    deleted_at: Mapped[int | None] = mapped_column(BigInteger, default=None)
    disabled_at: Mapped[int | None] = mapped_column(BigInteger, default=None)  # `parley user disable`


class Friendship(Base):
    """One directed edge per (user, other). Accepted friendships are stored in both directions.

    state: 'pending' (user asked other), 'accepted', 'blocked' (user blocked other).
    """

    __tablename__ = "friendships"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_friendships_other", "other_id", "state"),)


class Conversation(Base):
    """A one-to-one ('direct') or group conversation; last_position is the newest message's position."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # 'direct' | 'group'
    title: Mapped[str | None] = mapped_column(String(128), default=None)
    # For direct conversations: "minid:maxid", so there is at most one per pair.
    direct_key: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[int] = mapped_column(BigInteger)
    last_position: Mapped[int] = mapped_column(BigInteger, default=0)
    # the conversation's change counter: every edit, deletion or reaction takes the next number (messages.py)
    last_change: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class Member(Base):
    """A user's membership of a conversation and how far they have read."""

    __tablename__ = "members"

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    joined_at: Mapped[int] = mapped_column(BigInteger)
    read_position: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (Index("ix_members_user", "user_id"),)


class Message(Base):
    """A stored message. (conversation_id, position) orders it; (sender_id, client_id) deduplicates."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(BigInteger)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    client_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # 'text' | 'share'
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)  # share: url, title, description
    created_at: Mapped[int] = mapped_column(BigInteger)
    edited_at: Mapped[int | None] = mapped_column(BigInteger, default=None)  # last edit of its text
    deleted_at: Mapped[int | None] = mapped_column(BigInteger, default=None)  # deleted for everyone: no text
    change_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # its latest change

    __table_args__ = (
        UniqueConstraint("conversation_id", "position", name="uq_messages_position"),
        Index("ix_messages_change", "conversation_id", "change_seq"),
        UniqueConstraint("sender_id", "client_id", name="uq_messages_client_id"),
    )


class Reaction(Base):
    """One person's reaction (an emoji of the fixed set) to a message; at most one row per emoji and person."""

    __tablename__ = "reactions"

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    emoji: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[int] = mapped_column(BigInteger)


class Site(Base):
    """A registered site: an OAuth 2.0 public client with exact origins and the scopes it may ask for."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(128))
    origins: Mapped[list[str]] = mapped_column(JSON)  # exact "scheme://host[:port]"
    redirect_uris: Mapped[list[str]] = mapped_column(JSON)  # exact URIs
    scopes: Mapped[str] = mapped_column(String(255))  # space-separated allowed scopes
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # theme, runtime, extensions...
    created_at: Mapped[int] = mapped_column(BigInteger)


class SiteOwner(Base):
    """Who owns a site in the console: every owner may change everything about it. A row with no
    `accepted_at` is an invitation by username, waiting on the invited user's /sites page."""

    __tablename__ = "site_owners"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    accepted_at: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_site_owners_user", "user_id"),)


class Consent(Base):
    """What a user allowed a site to do; revoked_at ends it (and its tokens)."""

    __tablename__ = "consents"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[int] = mapped_column(BigInteger)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)  # user hides from this site (presence)
    # friends here may see the title of the page the user is on (off by default)
    share_title: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class UserSettings(Base):
    """A user's account-wide choices (no row: the defaults). Per-site choices live on ``consents``."""

    __tablename__ = "user_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(8), default="online")  # online | away | hidden (appear offline)
    sound: Mapped[str] = mapped_column(String(8), default="site")  # on | off | site (the site's choice)
    updated_at: Mapped[int] = mapped_column(BigInteger)
    findable: Mapped[str] = mapped_column(String(16), default="everyone", server_default="everyone")  # | nobody
    # who may send friend requests: everyone | friends_of_friends | nobody
    requests: Mapped[str] = mapped_column(String(24), default="everyone", server_default="everyone")


class PersonTerm(Base):
    """One word find matches the start of: a live user's lower-cased username (kind 'u') or a word of their
    display name ('n'). Byte order on PostgreSQL (collation C), so a range of terms is a range of prefixes."""

    __tablename__ = "person_terms"

    term: Mapped[str] = mapped_column(
        String(64).with_variant(String(64, collation="C"), "postgresql"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)

    __table_args__ = (Index("ix_person_terms_user", "user_id"),)


class Invite(Base):
    """A link to a page offering friendship with its inviter: live until expires_at unless revoked. Its code
    is not stored: it is the id and an HMAC of the id under the server's secret key."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    inviter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"), default=None)
    url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, default=None)

    __table_args__ = (Index("ix_invites_inviter", "inviter_id", "expires_at"),)


class FrameKept(Base):
    """What the copy-paste widget keeps for the next page of a visit (its place, drafts and unsent messages),
    when the browser refuses the frame its own storage: one row per frame sign-in (token family), readable only
    through that sign-in's partitioned cookie, gone when the sign-in ends."""

    __tablename__ = "frame_kept"

    family_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    place: Mapped[str] = mapped_column(Text, default="")
    outbox: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[int] = mapped_column(BigInteger)


class File(Base):
    """An uploaded picture or file: it belongs to one conversation (only its members fetch it). The bytes live in
    the blob store under ``blob_key`` (and ``blob_key + ".thumb"`` for an image's thumbnail). ``attached_cid`` is
    the client id of the ``file`` message that carries it (NULL until sent); ``deleted_at`` marks it gone (its
    message or its owner's account was deleted): the sweeper then removes the blobs and the row."""

    __tablename__ = "files"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # 'image' (re-encoded, has a thumbnail) | 'file'
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer, default=None)
    height: Mapped[int | None] = mapped_column(Integer, default=None)
    thumb_width: Mapped[int | None] = mapped_column(Integer, default=None)
    thumb_height: Mapped[int | None] = mapped_column(Integer, default=None)
    blob_key: Mapped[str] = mapped_column(String(64), unique=True)
    attached_cid: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[int] = mapped_column(BigInteger)
    deleted_at: Mapped[int | None] = mapped_column(BigInteger, default=None)

    __table_args__ = (
        Index("ix_files_conversation", "conversation_id", "attached_cid"),
        Index("ix_files_owner", "owner_id"),
        Index("ix_files_sweep", "deleted_at", "created_at"),
    )


class AuthorizationCode(Base):
    """A single-use, short-lived authorization code bound to a PKCE S256 challenge."""

    __tablename__ = "oauth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(255))
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    used_at: Mapped[int | None] = mapped_column(BigInteger, default=None)
    family_id: Mapped[str | None] = mapped_column(String(64), default=None)  # tokens issued from it


class Token(Base):
    """An access/refresh token pair. Rotation links pairs of one grant by family_id."""

    __tablename__ = "oauth_tokens"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    family_id: Mapped[str] = mapped_column(String(64), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(255))
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    issued_at: Mapped[int] = mapped_column(BigInteger)
    access_expires_at: Mapped[int] = mapped_column(BigInteger)
    refresh_expires_at: Mapped[int | None] = mapped_column(BigInteger, default=None)
    refresh_used_at: Mapped[int | None] = mapped_column(BigInteger, default=None)  # rotated
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, default=None)
    jkt: Mapped[str | None] = mapped_column(String(64), default=None)  # DPoP key of the access token
    refresh_jkt: Mapped[str | None] = mapped_column(String(64), default=None)  # DPoP key of the refresh token

    __table_args__ = (Index("ix_tokens_user_site", "user_id", "site_id"),)


class WebSession(Base):
    """A sign-in session on Parley's own pages (cookie holds the random id; stored hashed)."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger)


class SiteDaily(Base):
    """Insight counters of one site for one UTC day (``day``: days since the epoch). Aggregates only."""

    __tablename__ = "site_daily"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    visitors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rendezvous: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    messages: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    shares: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SiteDailyPage(Base):
    """Shares of one page (URL without query or fragment) of a site on one UTC day."""

    __tablename__ = "site_daily_pages"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(512), primary_key=True)
    shares: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SiteDailySeen(Base):
    """Who was already counted today (kind ``v``: a visitor, ``r``: a rendezvous pair), as a keyed hash, so
    distinct counts hold across processes; kept for the current and the previous day only."""

    __tablename__ = "site_daily_seen"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)


class Report(Base):
    """A visitor's report of a message or a person to a site's owners. ``message_text`` is a copy of the
    message at report time (the message may be edited or deleted later); ``outcome`` is set once handled:
    'banned' or 'dismissed'."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reported_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    conversation_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    message_text: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[int] = mapped_column(BigInteger)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    handled_at: Mapped[int | None] = mapped_column(BigInteger, default=None)
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)

    __table_args__ = (Index("ix_reports_site_open", "site_id", "handled_at"),)


class SiteBan(Base):
    """A Parley account banned from one site's widget by one of its owners."""

    __tablename__ = "site_bans"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    banned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[int] = mapped_column(BigInteger)


class ModerationEntry(Base):
    """One moderation action (who, when, what): a site's (report, ban, lift, dismiss) or, with no site, an
    operator's (disable, enable). ``actor_id`` is null for the operator's CLI."""

    __tablename__ = "moderation_log"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), default=None)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    action: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_moderation_log_site", "site_id", "created_at"),)
