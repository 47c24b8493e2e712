"""Groups through the JSON API (scope `messages`): rename, add members, remove a member or leave.

Each change is made by the store with its system message (``store.groups``) and then reaches every member's
live sockets in every process through the relay's hook (``revocation.group_changed``), exactly like a change
made with a ``group`` frame. Group creation is ``POST /conversations`` (``conversations.py``), through
``create_group`` here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from parley import protocol as P

from ..revocation import group_changed
from ..store import Store
from .deps import MessagesUser, StoreDep
from .errors import ApiError
from .schemas import MAX_ID, AddMembersIn, ConversationOut, RenameIn

router = APIRouter(tags=["groups"])
ConversationId = Annotated[int, Path(ge=1, le=MAX_ID)]
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]


def group_title(title: str | None) -> str | None:
    """A group title by the relay's rules (parley.protocol: one line, control characters replaced, at most 100
    characters), so a name is refused or normalized alike through either door; the store trims it."""
    if title is None:
        return None
    frame = {"t": P.GROUP, "rid": "api", "op": "rename", "conv": 1, "title": title}
    try:
        checked: dict[str, Any] = P.validate(frame, P.CLIENT_FRAMES)
    except P.ProtocolError as exc:
        raise ApiError(422, "invalid_request", exc.message) from None
    return str(checked["title"])


async def create_group(
    request: Request, store: Store, user_id: int, members: list[int], title: str | None
) -> ConversationOut:
    """Create a group of the user's friends (its ``created`` message reaches every member live)."""
    change = await store.create_group_change(user_id, members, group_title(title))
    await group_changed(request.app, change)
    return ConversationOut.of(await store.get_conversation(change.conversation_id, user_id))


@router.patch("/conversations/{conversation_id:int}", response_model=ConversationOut)
async def rename_group(
    conversation_id: ConversationId, body: RenameIn, request: Request, principal: MessagesUser, store: StoreDep
) -> ConversationOut:
    """Rename a group you are in (`""` or null: no name); every member sees a `renamed` message."""
    change = await store.rename_group(conversation_id, principal.user_id, group_title(body.title))
    await group_changed(request.app, change)
    return ConversationOut.of(await store.get_conversation(conversation_id, principal.user_id))


@router.post("/conversations/{conversation_id:int}/members", response_model=ConversationOut)
async def add_members(
    conversation_id: ConversationId, body: AddMembersIn, request: Request, principal: MessagesUser, store: StoreDep
) -> ConversationOut:
    """Add friends of yours to a group you are in (403 `not_friend` or `forbidden` for anyone else, 422 `limit`
    over 50 members); they see the group's history from the start."""
    change = await store.add_to_group(conversation_id, principal.user_id, body.users)
    await group_changed(request.app, change)
    return ConversationOut.of(await store.get_conversation(conversation_id, principal.user_id))


@router.delete("/conversations/{conversation_id:int}/members/{user_id:int}", status_code=204)
async def remove_member(
    conversation_id: ConversationId, user_id: UserId, request: Request, principal: MessagesUser, store: StoreDep
) -> Response:
    """Your own id: leave the group. Another member: remove them (the group's owner only, else 403
    `forbidden`). 204; the people gone are told on their live sockets (`resync gone`)."""
    if user_id == principal.user_id:
        change = await store.leave_group(conversation_id, user_id)
    else:
        change = await store.remove_from_group(conversation_id, principal.user_id, user_id)
    await group_changed(request.app, change)
    return Response(status_code=204)
