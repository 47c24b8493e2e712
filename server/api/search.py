"""/search: full-text search of your own conversations (scope `messages`), paced per user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from parley import protocol as P
from pydantic import BaseModel, Field

from ..pacing import search_pacer
from .deps import MessagesUser, StoreDep
from .errors import ApiError, ErrorBody
from .friends import paced
from .schemas import MAX_ID

router = APIRouter(tags=["search"])


class SearchHitOut(BaseModel):
    """A message found: where it is (open its conversation around `position`), who wrote it, when, and a
    snippet of its text with the matches as `[start, end]` ranges of the snippet (code points; not HTML)."""

    message_id: int
    conversation_id: int
    position: int
    sender_id: int | None
    created_at: int
    kind: str
    snippet: str
    marks: list[tuple[int, int]] = Field(description="[start, end) ranges of `snippet` that matched")


class SearchOut(BaseModel):
    hits: list[SearchHitOut]
    next_before: int | None = Field(description="pass as `before` for older hits; null at the end")


@router.get(
    "/search",
    response_model=SearchOut,
    responses={429: {"model": ErrorBody, "description": "Too many searches: retry after `Retry-After` seconds"}},
)
async def search_messages(
    request: Request,
    principal: MessagesUser,
    store: StoreDep,
    q: Annotated[str, Query(min_length=1, max_length=P.MAX_SEARCH_CHARS)],
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> SearchOut:
    """Messages matching `q` (words, "quoted phrases"; the last word also as a prefix) in the conversations
    you are a member of now, newest first, 20 at a time. Paced per user (429 `rate_limited`)."""
    if not q.strip():
        raise ApiError(422, "invalid_request", "q must not be blank")
    paced(search_pacer(request.app).hit(str(principal.user_id)), "searches")
    page = await store.search_messages(principal.user_id, q, P.SEARCH_PAGE, before)
    hits = [
        SearchHitOut(
            message_id=h.message_id, conversation_id=h.conversation_id, position=h.position, sender_id=h.sender_id,
            created_at=h.created_at, kind=h.kind, snippet=h.snippet, marks=list(h.marks),
        )
        for h in page.hits
    ]
    return SearchOut(hits=hits, next_before=page.next_before)
