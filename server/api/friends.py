"""/friends and /blocks: friends, requests and blocks (scope `friends`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from .deps import FriendsUser, StoreDep
from .schemas import MAX_ID, FriendRequestIn, FriendRequestOut, FriendRequestsOut, FriendsOut, UserOut

router = APIRouter(tags=["friends"])
UserId = Annotated[int, Path(ge=1, le=MAX_ID)]


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


@router.post("/friends/requests", response_model=FriendRequestOut)
async def send_request(body: FriendRequestIn, principal: FriendsUser, store: StoreDep) -> FriendRequestOut:
    """Ask a user (by username) to be friends; if they already asked you, you become friends."""
    state = await store.request(principal.user_id, body.username)
    return FriendRequestOut(state="accepted" if state == "accepted" else "pending")


@router.post("/friends/requests/{user_id:int}/accept", status_code=204, response_class=Response)
async def accept_request(user_id: UserId, principal: FriendsUser, store: StoreDep) -> Response:
    """Accept the request this user sent you."""
    await store.accept(principal.user_id, user_id)
    return Response(status_code=204)


@router.post("/friends/requests/{user_id:int}/decline", status_code=204, response_class=Response)
async def decline_request(user_id: UserId, principal: FriendsUser, store: StoreDep) -> Response:
    """Decline the request this user sent you."""
    await store.decline(principal.user_id, user_id)
    return Response(status_code=204)


@router.delete("/friends/{user_id:int}", status_code=204, response_class=Response)
async def remove_friend(user_id: UserId, principal: FriendsUser, store: StoreDep) -> Response:
    """End a friendship (or withdraw a request you sent)."""
    await store.remove(principal.user_id, user_id)
    return Response(status_code=204)


@router.post("/blocks/{user_id:int}", status_code=204, response_class=Response)
async def block_user(user_id: UserId, principal: FriendsUser, store: StoreDep) -> Response:
    """Block a user: no requests, presence or conversations between you."""
    await store.block(principal.user_id, user_id)
    return Response(status_code=204)


@router.delete("/blocks/{user_id:int}", status_code=204, response_class=Response)
async def unblock_user(user_id: UserId, principal: FriendsUser, store: StoreDep) -> Response:
    """Lift your block of a user."""
    await store.unblock(principal.user_id, user_id)
    return Response(status_code=204)
