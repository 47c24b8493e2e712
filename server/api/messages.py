"""Changing stored messages through the JSON API (scope `messages`): edit and delete your own, react to any.

The store makes each change by the relay's rules (``store.message_changes``: only your own messages, text
within 24 hours, the fixed reactions) and numbers it; the change then reaches every member's live sockets in
every process through the relay's hook (``revocation.message_changed``), exactly like an ``edit``, ``delete``
or ``react`` frame.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from parley import protocol as P

from ..revocation import message_changed
from ..store import MessageRecord
from .deps import MessagesUser, StoreDep
from .errors import ApiError
from .schemas import MAX_ID, EditMessageIn, MessageOut

router = APIRouter(tags=["messages"])
ConversationId = Annotated[int, Path(ge=1, le=MAX_ID)]
MessageId = Annotated[int, Path(ge=1, le=MAX_ID)]
MESSAGE_PATH = "/conversations/{conversation_id:int}/messages/{message_id:int}"


def _emoji(emoji: str) -> str:
    if emoji not in P.REACTIONS:
        raise ApiError(422, "invalid_request", "a reaction is one of " + " ".join(P.REACTIONS))
    return emoji


async def _told(request: Request, changed: MessageRecord | None) -> None:
    if changed is not None:
        await message_changed(request.app, changed)


@router.patch(MESSAGE_PATH, response_model=MessageOut)
async def edit_message(
    conversation_id: ConversationId,
    message_id: MessageId,
    body: EditMessageIn,
    request: Request,
    principal: MessagesUser,
    store: StoreDep,
) -> MessageOut:
    """Replace the text of your own text message (within 24 hours of sending it); → the message now."""
    try:
        text = P.validate({"t": P.EDIT, "rid": "api", "conv": conversation_id, "id": message_id, "text": body.text},
                          P.CLIENT_FRAMES)["text"]
    except P.ProtocolError as exc:
        raise ApiError(422, "invalid_request", exc.message) from None
    changed = await store.edit_message(conversation_id, principal.user_id, message_id, text)
    await _told(request, changed)
    return MessageOut.of(changed)


@router.delete(MESSAGE_PATH, status_code=204)
async def delete_message(
    conversation_id: ConversationId, message_id: MessageId, request: Request, principal: MessagesUser, store: StoreDep
) -> Response:
    """Delete your own message for everyone (its text, data and reactions are gone for good); 204."""
    await _told(request, await store.delete_message(conversation_id, principal.user_id, message_id))
    return Response(status_code=204)


@router.put(MESSAGE_PATH + "/reactions/{emoji}", response_model=MessageOut)
async def add_reaction(
    conversation_id: ConversationId,
    message_id: MessageId,
    emoji: str,
    request: Request,
    principal: MessagesUser,
    store: StoreDep,
) -> MessageOut:
    """React with one of 👍 ❤️ 😂 😮 😢 🙏 (URL-encoded); → the message now (with every reaction)."""
    changed = await store.react(conversation_id, principal.user_id, message_id, _emoji(emoji), True)
    await _told(request, changed)
    return MessageOut.of(changed or await store.message_now(conversation_id, principal.user_id, message_id))


@router.delete(MESSAGE_PATH + "/reactions/{emoji}", response_model=MessageOut)
async def remove_reaction(
    conversation_id: ConversationId,
    message_id: MessageId,
    emoji: str,
    request: Request,
    principal: MessagesUser,
    store: StoreDep,
) -> MessageOut:
    """Take back your reaction; → the message now."""
    changed = await store.react(conversation_id, principal.user_id, message_id, _emoji(emoji), False)
    await _told(request, changed)
    return MessageOut.of(changed or await store.message_now(conversation_id, principal.user_id, message_id))
