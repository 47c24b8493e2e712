"""Request and response bodies of the JSON API (they make the OpenAPI schema exact)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from ..store import records

MAX_ID = 2**63 - 1
# Integers in request bodies are strict: a JSON bool, a numeric string or a float (even 1.0) is refused (422), so
# `false` is never taken for 0; booleans are StrictBool likewise. The OpenAPI schema says "integer"/"boolean".
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
Position = Annotated[StrictInt, Field(ge=0, le=MAX_ID)]


class Strict(BaseModel):
    """Request bodies reject unknown fields."""

    model_config = ConfigDict(extra="forbid")


class UserOut(BaseModel):
    """Another Parley user as you may see them."""

    id: int
    username: str
    display_name: str

    @classmethod
    def of(cls, user: records.User) -> UserOut:
        return cls(id=user.id, username=user.username, display_name=user.display_name)


class MeOut(UserOut):
    """The signed-in user, with what the caller may do."""

    created_at: int
    scopes: list[str]


class SiteSettingsOut(BaseModel):
    """Your choices for one site you authorized."""

    site_id: int
    client_id: str
    name: str
    hidden: bool = Field(description="hide me on this site: friends here see you offline")
    share_title: bool = Field(description="show friends here the title of the page you are on (off by default)")


class SettingsOut(BaseModel):
    """Your choices: status and sound for the account; per site, hiding and sharing page titles (a token sees
    its own site only; Parley's own pages see every site you authorized)."""

    status: Literal["online", "away", "hidden"] = Field(description="hidden: appear offline to every friend")
    sound: Literal["on", "off", "site"] = Field(description="site: the site owner's choice")
    sites: list[SiteSettingsOut]
    findable: Literal["everyone", "nobody"] | None = Field(
        default=None, description="who finds you by name (shown with the scope people)"
    )
    requests: Literal["everyone", "friends_of_friends", "nobody"] | None = Field(
        default=None, description="who may send you friend requests (shown with the scope people)"
    )

    @classmethod
    def of(cls, found: records.AccountSettings) -> SettingsOut:
        return cls(
            status=found.status,  # type: ignore[arg-type]
            sound=found.sound,  # type: ignore[arg-type]
            sites=[
                SiteSettingsOut(
                    site_id=s.site_id, client_id=s.client_id, name=s.name, hidden=s.hidden, share_title=s.share_title
                )
                for s in found.sites
            ],
        )


class SettingsIn(Strict):
    """Choices to change (absent: unchanged). ``hidden`` and ``share_title`` are for ``site_id`` (a token's own
    site when omitted; required with a web session)."""

    status: Literal["online", "away", "hidden"] | None = None
    sound: Literal["on", "off", "site"] | None = None
    findable: Literal["everyone", "nobody"] | None = None  # needs the scope people
    requests: Literal["everyone", "friends_of_friends", "nobody"] | None = None  # needs the scope people
    site_id: Id | None = None
    hidden: StrictBool | None = None
    share_title: StrictBool | None = None


Relation = Literal["none", "friends", "incoming", "outgoing", "blocked"]


class PersonOut(UserOut):
    """A person found, with your view of the relation (a person who blocked you is never found)."""

    rel: Relation


class FoundOut(BaseModel):
    users: list[PersonOut]


class InviteIn(Strict):
    url: str = Field(min_length=1, max_length=2048, description="the page the invite is for (http or https)")


class InviteOut(BaseModel):
    """One of your live invites: give out ``url`` with ``#parley-invite=<code>`` appended."""

    code: str
    url: str
    created_at: int
    expires_at: int


class InvitesOut(BaseModel):
    invites: list[InviteOut]


class InvitePreviewOut(BaseModel):
    """What anyone holding the code may see, signed out: the inviter's name, the page, the expiry."""

    inviter: UserOut
    url: str
    expires_at: int


class InviteAcceptOut(BaseModel):
    """You and the inviter are friends; your direct conversation."""

    user: UserOut
    conversation_id: int


class FriendsOut(BaseModel):
    friends: list[UserOut]


class BlockedOut(BaseModel):
    blocked: list[UserOut]


class FriendRequestsOut(BaseModel):
    incoming: list[UserOut]
    outgoing: list[UserOut]


class FriendRequestIn(Strict):
    username: str = Field(min_length=1, max_length=64)


class FriendRequestOut(BaseModel):
    """'pending' when sent, 'accepted' when they had already asked you."""

    state: Literal["pending", "accepted"]


class ShareData(Strict):
    """A shared link: http(s) URL, title and an optional description."""

    url: str = Field(min_length=1, max_length=2048)
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=1000)


class FileRef(Strict):
    """An uploaded file to send (kind `file`): its id from POST /conversations/{id}/files."""

    id: StrictInt = Field(ge=1, le=MAX_ID)


class FileOut(BaseModel):
    """An upload as recorded: what a `file` message's data carries, with the stored bytes' SHA-256. `type` is
    found in the content; `image` files were re-encoded without metadata and have a thumbnail (`tw` x `th`)."""

    id: int
    name: str
    size: int
    type: str
    image: bool = False
    w: int | None = None
    h: int | None = None
    tw: int | None = None
    th: int | None = None
    sha256: str
    created_at: int

    @classmethod
    def of(cls, record: records.FileRecord) -> FileOut:
        return cls(**record.message_data(), sha256=record.sha256, created_at=record.created_at)


class ReactionOut(BaseModel):
    """Who reacted with one emoji (user ids, in the order they reacted)."""

    emoji: str
    users: list[int]


class ReplyOut(BaseModel):
    """The message a reply answers, as quoted: its position, sender and first 100 characters."""

    id: int
    position: int
    sender_id: int | None
    text: str
    deleted: bool


class MessageOut(BaseModel):
    """A stored message; sender_id is null and sender_deleted true for a deleted account's messages. A deleted
    message has ``deleted`` true, an empty text and no data; ``edited_at`` is the time of its last edit;
    ``change`` the conversation's change number of its latest edit, deletion or reaction."""

    id: int
    conversation_id: int
    position: int
    sender_id: int | None
    sender_deleted: bool
    client_id: str
    kind: str
    text: str
    data: dict[str, Any] | None
    created_at: int
    edited_at: int | None = None
    deleted: bool = False
    change: int = 0
    reply_to: ReplyOut | None = None
    reactions: list[ReactionOut] = []

    @classmethod
    def of(cls, message: records.MessageRecord) -> MessageOut:
        reply = message.reply
        if reply is None and message.reply_to is not None:
            reply = records.ReplySnippet(message.reply_to, 0, None, "", False)
        return cls(
            id=message.id,
            conversation_id=message.conversation_id,
            position=message.position,
            sender_id=None if message.sender_deleted else message.sender_id,
            sender_deleted=message.sender_deleted,
            client_id=message.client_id,
            kind=message.kind,
            text=message.text,
            data=message.data,
            created_at=message.created_at,
            edited_at=message.edited_at,
            deleted=message.deleted_at is not None,
            change=message.change,
            reply_to=None if reply is None else ReplyOut(
                id=reply.id, position=reply.position, sender_id=reply.sender_id, text=reply.text, deleted=reply.deleted
            ),
            reactions=[ReactionOut(emoji=r.emoji, users=list(r.users)) for r in message.reactions],
        )


class ConversationOut(BaseModel):
    """A conversation as you see it. ``people`` names every member (friends or not); ``owner`` is a group's
    owner (who may remove members; null for direct conversations)."""

    id: int
    kind: Literal["direct", "group"]
    title: str | None
    created_by: int | None
    created_at: int
    members: list[int]
    owner: int | None
    people: list[UserOut]
    last_position: int
    read_position: int
    unread: int
    last_message: MessageOut | None

    @classmethod
    def of(cls, conv: records.Conversation) -> ConversationOut:
        return cls(
            id=conv.id,
            kind=conv.kind,  # type: ignore[arg-type]
            title=conv.title,
            created_by=conv.created_by,
            created_at=conv.created_at,
            members=list(conv.member_ids),
            owner=conv.owner,
            people=[UserOut.of(person) for person in conv.people],
            last_position=conv.last_position,
            read_position=conv.read_position,
            unread=conv.unread,
            last_message=MessageOut.of(conv.last_message) if conv.last_message else None,
        )


class ConversationsOut(BaseModel):
    conversations: list[ConversationOut]


class CreateConversationIn(Strict):
    """One member and no title: the direct conversation with that friend. Otherwise a new group."""

    members: list[Id] = Field(min_length=1, max_length=49)
    title: str | None = Field(default=None, max_length=100)


class RenameIn(Strict):
    """A group's new name ("" or null: no name)."""

    title: str | None = Field(max_length=100)


class AddMembersIn(Strict):
    """Friends of yours to add to a group (at most 50 members in all)."""

    users: list[Id] = Field(min_length=1, max_length=49)


class MessagesPage(BaseModel):
    """Newest-first with `before` (next_before pages older), oldest-first with `after` (next_after)."""

    messages: list[MessageOut]
    next_before: int | None = None
    next_after: int | None = None


class SendMessageIn(Strict):
    """A message to send; resending the same client_id returns the stored message (never stored twice)."""

    client_id: str = Field(min_length=1, max_length=64)
    kind: Literal["text", "share", "file"]
    text: str | None = Field(default=None, max_length=8000)
    data: ShareData | FileRef | None = None
    reply_to: int | None = Field(default=None, ge=1, le=MAX_ID, strict=True)  # a message of this conversation


class EditMessageIn(Strict):
    """The new text of your own text message (the relay's text rules; within 24 hours of sending it)."""

    text: str = Field(max_length=8000)


class ReadIn(Strict):
    position: Position


class ReadOut(BaseModel):
    read_position: int


class DeleteMeIn(Strict):
    password: str = Field(min_length=1, max_length=1024)


class ExportProfile(BaseModel):
    id: int
    username: str
    display_name: str
    created_at: int


class ExportEdge(BaseModel):
    username: str
    since: int


class ExportRequests(BaseModel):
    incoming: list[ExportEdge]
    outgoing: list[ExportEdge]


class ExportSettings(BaseModel):
    status: str
    sound: str
    findable: str
    requests: str


class ExportInvite(BaseModel):
    url: str
    created_at: int
    expires_at: int
    revoked_at: int | None


class ExportSite(BaseModel):
    """A site you authorized: what it may do and your choices there."""

    site_id: int
    name: str
    scope: str
    created_at: int
    hidden: bool
    share_title: bool


class ExportKept(BaseModel):
    """What a copy-paste widget kept on the server for the next page of a visit (place, drafts, unsent
    messages), per live sign-in, as the widget wrote it."""

    site_id: int
    place: str
    outbox: str
    updated_at: int


class ExportConversation(BaseModel):
    id: int
    kind: str
    title: str | None
    created_at: int
    joined_at: int
    read_position: int


class ExportMessage(BaseModel):
    id: int
    conversation_id: int
    position: int
    client_id: str
    kind: str
    text: str
    data: dict[str, Any] | None
    created_at: int
    edited_at: int | None = None  # its text is the current one; deleted messages are not exported
    reply_to: int | None = None


class ExportOut(BaseModel):
    """Everything Parley keeps about you."""

    profile: ExportProfile
    friends: list[ExportEdge]
    friend_requests: ExportRequests
    blocked: list[ExportEdge]
    settings: ExportSettings
    invites: list[ExportInvite]
    sites: list[ExportSite]
    kept: list[ExportKept]
    conversations: list[ExportConversation]
    messages: list[ExportMessage]
