"""/account/friends: your friends, requests to and from you, blocked users, and adding a friend by username.

Every change is a CSRF-protected form post answered with a redirect back to the page and a notice
(post-redirect-get); a refused change (a StoreError) is shown on the page as an error, never a 500.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ..pacing import request_pacer
from ..store import USERNAME_RE
from ..store.errors import NotFound, StoreError
from . import sessions
from .account import checked_form, csrf_failure, form_text, sentence
from .pages import render, see_other

PAGE = "/account/friends"
MAX_ID = 2**63 - 1

# What each kind of success says; `{who}` is the other person's username.
NOTICES = {
    "sent": "Request sent to @{who}.",
    "friends": "You and @{who} are now friends.",
    "declined": "You declined the request from @{who}.",
    "removed": "@{who} is no longer your friend.",
    "withdrawn": "You withdrew your request to @{who}.",
    "blocked": "You blocked @{who}: they can no longer send you friend requests or messages.",
    "unblocked": "You unblocked @{who}.",
}

# Buttons on the page: the action in the URL -> (store method, notice).
ACTIONS = {
    "accept": ("accept", "friends"),
    "decline": ("decline", "declined"),
    "remove": ("remove", "removed"),
    "withdraw": ("remove", "withdrawn"),
    "block": ("block", "blocked"),
    "unblock": ("unblock", "unblocked"),
}


def done(kind: str, username: str) -> Response:
    """Redirect back to the friends page with the notice for `kind` about `username`."""
    return see_other(f"{PAGE}?done={kind}&who={username}")


def notice_from(query: Any) -> str | None:
    """The notice a redirect asked for, if it names a known kind and a well-formed username."""
    template = NOTICES.get(query.get("done", ""))
    who = query.get("who", "")
    if template is None or not USERNAME_RE.fullmatch(who):
        return None
    return template.format(who=who)


async def friends_page(
    request: Request, *, notice: str | None = None, error: str | None = None, status_code: int = 200,
    typed: str = "", headers: dict[str, str] | None = None,
) -> Response:
    """The friends page of the signed-in user (the caller checked there is one)."""
    signed_in = await sessions.current(request)
    assert signed_in is not None
    store = request.app.state.store
    user_id = signed_in.user.id
    context = {
        "friends": await store.list_friends(user_id),
        "requests": await store.list_requests(user_id),
        "blocked": await store.list_blocked(user_id),
        "notice": notice,
        "error": error,
        "typed": typed,
    }
    return await render(request, "friends.html", context, status_code=status_code, headers=headers)


def user_id_of(text: str) -> int | None:
    """A user id from a URL segment: a positive decimal that fits the database, else None."""
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def refused_status(exc: StoreError) -> int:
    """The HTTP status of a page that shows a refused change (always a 4xx)."""
    return exc.status if 400 <= exc.status < 500 else 400


def friends_router() -> APIRouter:
    """Routes of the /account/friends page."""
    router = APIRouter(include_in_schema=False)

    @router.get(PAGE)
    async def friends(request: Request) -> Response:
        if await sessions.current(request) is None:
            return see_other(f"/account?next={PAGE}")
        return await friends_page(request, notice=notice_from(request.query_params))

    @router.post(f"{PAGE}/request")
    async def send_request(request: Request) -> Response:
        form = await checked_form(request)
        if form is None:
            return await csrf_failure(request)
        signed_in = await sessions.current(request)
        if signed_in is None:
            return see_other("/account")
        username = form_text(form, "username").strip().lstrip("@").strip().lower()[:64]
        wait = request_pacer(request.app).hit(str(signed_in.user.id))
        if wait is not None:
            return await friends_page(
                request, status_code=429, typed=username, headers={"Retry-After": str(wait)},
                error=f"You sent many friend requests in a short time. Try again in {wait} seconds.",
            )
        try:
            state = await request.app.state.store.request(signed_in.user.id, username)
        except NotFound:
            return await friends_page(
                request, status_code=404, typed=username,
                error=f"There is no Parley user called @{username}." if username else "Type a username.",
            )
        except StoreError as exc:
            return await friends_page(
                request, status_code=refused_status(exc), typed=username, error=sentence(exc.message)
            )
        return done("friends" if state == "accepted" else "sent", username)

    @router.post(PAGE + "/{other_id}/{action}")
    async def change(request: Request, other_id: str, action: str) -> Response:
        form = await checked_form(request)
        if form is None:
            return await csrf_failure(request)
        signed_in = await sessions.current(request)
        if signed_in is None:
            return see_other("/account")
        other_user_id = user_id_of(other_id)
        if action not in ACTIONS or other_user_id is None:
            return await friends_page(request, status_code=404, error="No such user or action.")
        method, kind = ACTIONS[action]
        store = request.app.state.store
        operation: Callable[[int, int], Awaitable[None]] = getattr(store, method)
        try:
            await operation(signed_in.user.id, other_user_id)
        except StoreError as exc:
            return await friends_page(request, status_code=refused_status(exc), error=sentence(exc.message))
        other = await store.get_user(other_user_id)
        return done(kind, other.username if other is not None else "")

    return router
