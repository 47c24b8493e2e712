"""/conversations: conversations, messages and read positions (scope `messages`; shares need `share`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from parley import protocol as P

from ..store.records import Principal
from .deps import MessagesUser, PrincipalDep, StoreDep
from .errors import ApiError
from .groups import create_group
from .schemas import (
    MAX_ID,
    ConversationOut,
    ConversationsOut,
    CreateConversationIn,
    MessageOut,
    MessagesPage,
    ReadIn,
    ReadOut,
    SendMessageIn,
)

router = APIRouter(tags=["conversations"])
ConversationId = Annotated[int, Path(ge=1, le=MAX_ID)]
PositionQuery = Annotated[int | None, Query(ge=0, le=MAX_ID)]


@router.get("/conversations", response_model=ConversationsOut)
async def list_conversations(principal: MessagesUser, store: StoreDep) -> ConversationsOut:
    """Your conversations, most recently active first, with the last message and unread count."""
    found = await store.list_conversations(principal.user_id)
    return ConversationsOut(conversations=[ConversationOut.of(conv) for conv in found])


@router.post("/conversations", response_model=ConversationOut)
async def create_conversation(
    body: CreateConversationIn, request: Request, principal: MessagesUser, store: StoreDep
) -> ConversationOut:
    """One friend and no title: your direct conversation (created once). Otherwise a new group of friends
    (its `created` message reaches every member's live sockets)."""
    if len(body.members) == 1 and body.title is None:
        return ConversationOut.of(await store.open_direct(principal.user_id, body.members[0]))
    return await create_group(request, store, principal.user_id, body.members, body.title)


@router.get("/conversations/{conversation_id:int}", response_model=ConversationOut)
async def get_conversation(
    conversation_id: ConversationId, principal: MessagesUser, store: StoreDep
) -> ConversationOut:
    """One of your conversations (404 for any other id)."""
    return ConversationOut.of(await store.get_conversation(conversation_id, principal.user_id))


@router.get("/conversations/{conversation_id:int}/messages", response_model=MessagesPage)
async def list_messages(
    conversation_id: ConversationId,
    principal: MessagesUser,
    store: StoreDep,
    before: PositionQuery = None,
    after: PositionQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MessagesPage:
    """History newest-first (`before` = cursor from next_before), or catch-up oldest-first with `after`."""
    if before is not None and after is not None:
        raise ApiError(422, "invalid_request", "give either `before` or `after`, not both")
    if after is not None:
        found = await store.messages_after(conversation_id, principal.user_id, after, limit)
        next_after = found[-1].position if len(found) == limit else None
        return MessagesPage(messages=[MessageOut.of(m) for m in found], next_after=next_after)
    page = await store.history(conversation_id, principal.user_id, before, limit)
    return MessagesPage(messages=[MessageOut.of(m) for m in page.messages], next_before=page.next_before)


def _check_send_scope(principal: Principal, kind: str) -> None:
    needed = "share" if kind == "share" else "messages"
    if not principal.allows(needed):
        raise ApiError(403, "insufficient_scope", f"this needs the scope {needed!r}")


@router.post(
    "/conversations/{conversation_id:int}/messages",
    response_model=MessageOut,
    status_code=201,
    responses={200: {"model": MessageOut, "description": "A resend: the message stored before"}},
)
async def send_message(
    conversation_id: ConversationId,
    body: SendMessageIn,
    principal: PrincipalDep,
    store: StoreDep,
    response: Response,
) -> MessageOut:
    """Send a text or an uploaded file (scope `messages`) or a link share (scope `share`); 201 when stored, 200
    for a resend."""
    _check_send_scope(principal, body.kind)
    data = body.data.model_dump(exclude_none=True) if body.data is not None else None
    frame = _check_as_relay_send(conversation_id, body, data)
    data = frame.get("data", data)  # normalized as the relay stores it (a kind-text body keeps its data: refused)
    if body.kind == P.KIND_FILE:  # the sender's own upload in this conversation, described by the server's record
        upload = await store.attach_file(frame["data"]["id"], principal.user_id, conversation_id, body.client_id)
        data = upload.message_data()
    if body.reply_to is not None:  # a message of the same conversation, quoted (rows stay: resends pass again)
        await store.check_reply_target(conversation_id, principal.user_id, body.reply_to)
        data = {"reply_to": body.reply_to}
    message, created = await store.append_message(
        conversation_id, principal.user_id, body.client_id, body.kind, frame.get("text") or "", data
    )
    if message.reply_to is not None:
        message = await store.with_reply(message)
    if not created:
        response.status_code = 200
    return MessageOut.of(message)


def _check_as_relay_send(conversation_id: int, body: SendMessageIn, data: dict[str, Any] | None) -> dict[str, Any]:
    """The relay's `send` frame for this body, validated by its rules (parley.protocol: client id, control
    characters, text length in code points, URL rules), so a message is refused or normalized alike through
    either door; the store checks it again."""
    frame: dict[str, Any] = {"t": P.SEND, "cid": body.client_id, "conv": conversation_id, "kind": body.kind}
    if body.text is not None:
        frame["text"] = body.text
    if data is not None:
        frame["data"] = data
    if body.reply_to is not None:
        frame["reply_to"] = body.reply_to
    try:
        checked: dict[str, Any] = P.validate(frame, P.CLIENT_FRAMES)
    except P.ProtocolError as exc:
        raise ApiError(422, "invalid_request", exc.message) from None
    return checked


@router.put("/conversations/{conversation_id:int}/read", response_model=ReadOut)
async def set_read(conversation_id: ConversationId, body: ReadIn, principal: MessagesUser, store: StoreDep) -> ReadOut:
    """Move your read position forward (it never goes back or past the last message)."""
    position = await store.set_read_position(conversation_id, principal.user_id, body.position)
    return ReadOut(read_position=position)
