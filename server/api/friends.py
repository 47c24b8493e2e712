"""/friends, /blocks and /people: friends, requests, blocks and finding people.

Reading your friends and requests needs the scope `friends`; every change (request, accept, decline, cancel,
remove, block, unblock) and search needs `people` (managing a visitor's friendships is a separate consent).
Each change is made by the store (``store.relations``) and then reaches both people's live sockets in every
server process (``revocation.friendship_changed``), exactly like a ``friend`` frame. Searches and requests
are paced per user with the same windows as the relay and the account pages (429 with Retry-After).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from parley import protocol as P

from ..pacing import find_pacer, request_pacer
from ..revocation import friendship_changed
from ..store.records import Principal
from .deps import FriendsUser, StoreDep, require_scope
from .errors import ApiError
from .schemas import (
    MAX_ID,
    BlockedOut,
    FoundOut,
    FriendRequestIn,
    FriendRequestOut,
    FriendRequestsOut,
    FriendsOut,
    PersonOut,
    UserOut,
)

router = APIRouter(tags=["friends"])
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]
PeopleUser = Annotated[Principal, Depends(require_scope("people"))]


def paced(wait: int | None, what: str) -> None:
    """429 with Retry-After when a pacer refused."""
    if wait is not None:
        raise ApiError(429, "rate_limited", f"too many {what}; try again in {wait} seconds", {"Retry-After": str(wait)})


@router.get("/friends", response_model=FriendsOut)
async def list_friends(principal: FriendsUser, store: StoreDep) -> FriendsOut:
    """Your friends."""
    friends = await store.list_friends(principal.user_id)
    return FriendsOut(friends=[UserOut.of(user) for user in friends])


@router.get("/friends/requests", response_model=FriendRequestsOut)
async def list_requests(principal: FriendsUser, store: StoreDep) -> FriendRequestsOut:
    """Friend requests sent to you (incoming) and by you (outgoing)."""
    found = await store.list_requests(principal.user_id)
    return FriendRequestsOut(
        incoming=[UserOut.of(user) for user in found.incoming],
        outgoing=[UserOut.of(user) for user in found.outgoing],
    )


async def change(request: Request, principal: Principal, op: str, user: int | None, username: str | None = None) -> str:
    """Run a friend operation, tell both people live; the caller's view of the relation after it."""
    store = request.app.state.store
    found = await store.friend_change(principal.user_id, op, user=user, username=username)
    await friendship_changed(request.app, found)
    after: str = found.actor_after
    return after


@router.post("/friends/requests", response_model=FriendRequestOut)
async def send_request(body: FriendRequestIn, request: Request, principal: PeopleUser) -> FriendRequestOut:
    """Ask a user (by username) to be friends; if they already asked you, you become friends. 403 `forbidden`
    when they take no requests from you (the same answer for every reason, a block included)."""
    paced(request_pacer(request.app).hit(str(principal.user_id)), "friend requests")
    rel = await change(request, principal, "request", None, body.username)
    return FriendRequestOut(state="accepted" if rel == P.REL_FRIENDS else "pending")


@router.post("/friends/requests/{user_id:int}/accept", status_code=204, response_class=Response)
async def accept_request(user_id: UserId, request: Request, principal: PeopleUser) -> Response:
    """Accept the request this user sent you."""
    await change(request, principal, "accept", user_id)
    return Response(status_code=204)


@router.post("/friends/requests/{user_id:int}/decline", status_code=204, response_class=Response)
async def decline_request(user_id: UserId, request: Request, principal: PeopleUser) -> Response:
    """Decline the request this user sent you."""
    await change(request, principal, "decline", user_id)
    return Response(status_code=204)


@router.delete("/friends/requests/{user_id:int}", status_code=204, response_class=Response)
async def cancel_request(user_id: UserId, request: Request, principal: PeopleUser) -> Response:
    """Withdraw the request you sent this user."""
    await change(request, principal, "cancel", user_id)
    return Response(status_code=204)


@router.delete("/friends/{user_id:int}", status_code=204, response_class=Response)
async def remove_friend(user_id: UserId, request: Request, principal: PeopleUser, store: StoreDep) -> Response:
    """End a friendship (or withdraw a request you sent, or decline one sent to you)."""
    rel = await store.relation_with(principal.user_id, user_id)
    op = {P.REL_FRIENDS: "remove", P.REL_OUTGOING: "cancel", P.REL_INCOMING: "decline"}.get(rel)
    if op is None:
        raise ApiError(404, "not_found", "no such friend or request")
    await change(request, principal, op, user_id)
    return Response(status_code=204)


@router.get("/blocks", response_model=BlockedOut)
async def list_blocked(principal: PeopleUser, store: StoreDep) -> BlockedOut:
    """The people you blocked (scope `people`: blocks are managed with it; the blocked never learn of it)."""
    blocked = await store.list_blocked(principal.user_id)
    return BlockedOut(blocked=[UserOut.of(user) for user in blocked])


@router.post("/blocks/{user_id:int}", status_code=204, response_class=Response)
async def block_user(user_id: UserId, request: Request, principal: PeopleUser) -> Response:
    """Block a user: no requests, presence or conversations between you."""
    await change(request, principal, "block", user_id)
    return Response(status_code=204)


@router.delete("/blocks/{user_id:int}", status_code=204, response_class=Response)
async def unblock_user(user_id: UserId, request: Request, principal: PeopleUser) -> Response:
    """Lift your block of a user."""
    await change(request, principal, "unblock", user_id)
    return Response(status_code=204)


@router.get("/people", response_model=FoundOut)
async def find_people(
    request: Request,
    principal: PeopleUser,
    store: StoreDep,
    q: Annotated[str, Query(min_length=P.MIN_FIND_CHARS, max_length=P.MAX_FIND_CHARS)],
) -> FoundOut:
    """People whose username or a word of whose display name starts with `q` (findable ones only, never you
    nor anyone blocked either way; at most 10, the closest first), each with your relation. Paced per user."""
    if len(q.strip()) < P.MIN_FIND_CHARS:
        raise ApiError(422, "invalid_request", f"q must have at least {P.MIN_FIND_CHARS} characters")
    paced(find_pacer(request.app).hit(str(principal.user_id)), "searches")
    found = await store.find_people(principal.user_id, q, P.MAX_FIND_RESULTS)
    return FoundOut(users=[PersonOut(**UserOut.of(p.user).model_dump(), rel=p.rel) for p in found])
