"""Sign-in state of the copy-paste widget frame: /frame/session.

The frame runs on the Parley origin inside a customer's page, where third-party storage is refused and
third-party cookies are blocked. It exchanges its authorization code here instead of at /oauth/token, and the
refresh token goes into an HttpOnly, Secure, SameSite=None, **Partitioned** (CHIPS) cookie: the browser keeps
it per top-level site, so a returning visitor stays signed in on that site (and only there), and no script,
Parley's own included, can read it. The frame gets only short-lived access tokens, kept in memory.

Requests must come from the Parley origin itself with `X-Parley-Frame: 1`: a custom header forces a CORS
preflight, which this server never grants for these paths, so a host page cannot drive them.

A body's optional `include` ("friends conversations") asks for the lists the widget shows first in the same
answer, each only when the granted scope allows it (`friends`, `messages`): a returning visitor's frame then
boots with one request instead of three.

Several tabs of one site may refresh at the same moment with the same cookie. A refresh token that was
rotated less than ROTATION_GRACE_MS ago therefore earns one more access token of the same family instead of
counting as reuse (reuse after the grace window still revokes the whole family).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from ..api.schemas import ConversationOut, UserOut
from ..oauth.dpop import DpopError, DpopProof
from ..oauth.dpop_check import NONCE_HEADER
from ..oauth.families import end_family
from ..oauth.origins import origin_of
from ..oauth.tokens import issue_tokens, token_proof
from ..store.clock import now_ms
from ..store.secrets import hash_secret
from .paint import clear_paint_key, set_paint_key

COOKIE_PATH = "/frame/session"
ROTATION_GRACE_MS = 15_000
INCLUDABLE = {"friends": "friends", "conversations": "messages"}  # list -> the scope it needs


def cookie_name(client_id: str) -> str:
    """One cookie per site (the partition already separates top-level sites)."""
    return "parley_rt_" + "".join(ch for ch in client_id if ch.isalnum() or ch in "-_")[:64]


def error_answer(status: int, code: str, message: str) -> JSONResponse:
    """An error in the frame endpoints' shape, never cached."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status,
                        headers={"Cache-Control": "no-store"})


def from_frame(request: Request) -> bool:
    """Whether the request comes from the widget frame itself (Parley's origin and `X-Parley-Frame: 1`)."""
    settings = request.app.state.settings
    return (
        request.headers.get("x-parley-frame") == "1"
        and request.headers.get("origin") == origin_of(settings.public_url)
    )


def partitioned_cookie(name: str, value: str, max_age: int) -> str:
    """A Set-Cookie value for an HttpOnly, Secure, SameSite=None, Partitioned (CHIPS) cookie.

    Written by hand because Python's http.cookies learns `Partitioned` only in 3.14. Values here are
    URL-safe tokens, so no quoting is needed."""
    return (f"{name}={value}; Max-Age={max_age}; Path={COOKIE_PATH}; Secure; HttpOnly; SameSite=None; "
            "Partitioned")


def _set_cookie(response: Response, request: Request, client_id: str, refresh_token: str) -> None:
    max_age = request.app.state.settings.refresh_token_ttl
    response.headers.append("set-cookie", partitioned_cookie(cookie_name(client_id), refresh_token, max_age))


def _clear_cookie(response: Response, client_id: str) -> None:
    response.headers.append("set-cookie", partitioned_cookie(cookie_name(client_id), "", 0))
    clear_paint_key(response, client_id)


async def _with_user(
    request: Request, body: dict[str, Any], include: str = "", family_id: str | None = None
) -> dict[str, Any]:
    """The token answer plus the user and, when asked in `include` and the scope allows, the lists
    (`friends`, `conversations`) the widget shows first: a returning visitor's frame needs one request
    instead of three. `kept` in `include` adds what this sign-in's frame kept for the next page of the visit
    (widget/kept.py), when `family_id` names the sign-in."""
    store = request.app.state.store
    principal = await store.principal_for_access_token(body["access_token"])
    user = await store.get_user(principal.user_id) if principal else None
    if principal is None or user is None:
        return body
    body["user"] = {"id": user.id, "username": user.username, "name": user.display_name}
    wanted = set(include.split())
    for name, scope in INCLUDABLE.items():
        if name in wanted and principal.allows(scope):
            body[name] = await _list(store, name, principal.user_id)
    if "kept" in wanted and family_id is not None:
        body["kept"] = await store.kept_for_frame(family_id)
    return body


async def _list(store: Any, name: str, user_id: int) -> list[dict[str, Any]]:
    """The same items as GET /api/v1/friends or /api/v1/conversations."""
    if name == "friends":
        return [UserOut.of(friend).model_dump(mode="json") for friend in await store.list_friends(user_id)]
    found = await store.list_conversations(user_id)
    return [ConversationOut.of(conv).model_dump(mode="json") for conv in found]


async def _exchange(request: Request, params: list[tuple[str, str]], client_id: str, proof: DpopProof | None,
                    include: str = "", family_id: str | None = None) -> Response:
    site = await request.app.state.store.site_by_client_id(client_id)
    if site is None:
        return error_answer(404, "unknown_site", "This site is not registered")
    # The refresh token stays unbound: it lives in an HttpOnly cookie, while the frame's key lives in its page.
    answer = await issue_tokens(request, params, site, proof, bind_refresh=False)
    if not answer.ok:
        response = error_answer(answer.status, str(answer.body.get("error", "invalid_grant")),
                          str(answer.body.get("error_description", "")))
        if answer.body.get("error") == "invalid_grant":
            _clear_cookie(response, client_id)
        if "Retry-After" in answer.headers:
            response.headers["Retry-After"] = answer.headers["Retry-After"]
        return response
    body = dict(answer.body)
    refresh_token = body.pop("refresh_token", None)
    response = JSONResponse(await _with_user(request, body, include, family_id), headers={"Cache-Control": "no-store"})
    if refresh_token:
        _set_cookie(response, request, client_id, refresh_token)
        family_id = family_id or await _family_of(request, refresh_token)
        if family_id is not None:  # the frame page's first paint of the next page (widget/paint.py)
            set_paint_key(response, request, client_id, family_id)
    return response


async def _family_of(request: Request, refresh_token: str) -> str | None:
    """The sign-in (token family) a refresh token belongs to, or None."""
    token = await request.app.state.store.token_by_refresh_hash(hash_secret(refresh_token))
    return token.family_id if token is not None else None


async def _grace_token(request: Request, refresh_token: str, proof: DpopProof | None) -> dict[str, Any] | None:
    """An access token for a refresh token rotated moments ago by a sibling tab, or None."""
    store = request.app.state.store
    token = await store.token_by_refresh_hash(hash_secret(refresh_token))
    now = now_ms()
    if token is None or token.refresh_used_at is None or token.revoked_at is not None:
        return None
    if now - token.refresh_used_at > ROTATION_GRACE_MS:
        return None
    if not await store.family_is_live(token.family_id):
        return None
    ttl = request.app.state.settings.access_token_ttl
    access = secrets.token_urlsafe(32)
    jkt = proof.jkt if proof is not None else None
    await store.add_access_token(token, hash_secret(access), now, now + ttl * 1000, jkt)
    return {"access_token": access, "token_type": "DPoP" if jkt else "Bearer", "expires_in": ttl, "scope": token.scope}


async def _proof(request: Request) -> DpopProof | Response | None:
    """The request's DPoP proof (None without one), or the 400 refusing it (`use_dpop_nonce`: retry with the
    DPoP-Nonce of this answer)."""
    try:
        return await token_proof(request)
    except DpopError as error:
        return error_answer(400, error.code, error.description)


class _NonceRoute(APIRoute):
    """Every answer of the frame's sign-in endpoints carries a fresh `DPoP-Nonce`, so the frame's next proof
    needs no extra round trip."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_nonce(request: Request) -> Response:
            response = await handler(request)
            response.headers[NONCE_HEADER] = request.app.state.dpop.nonce()
            return response

        return with_nonce


def frame_session_router() -> APIRouter:
    """POST /frame/session (code exchange), /frame/session/refresh, /frame/session/end."""
    router = APIRouter(include_in_schema=False, route_class=_NonceRoute)

    async def read(request: Request) -> dict[str, str] | JSONResponse:
        if not from_frame(request):
            return error_answer(403, "forbidden", "Only the Parley widget frame may use this endpoint")
        try:
            data = await request.json()
        except ValueError:
            return error_answer(400, "bad_json", "The body must be a JSON object")
        if not isinstance(data, dict) or not isinstance(data.get("client_id"), str):
            return error_answer(400, "bad_request", "client_id is required")
        return {k: v for k, v in data.items() if isinstance(v, str)}

    @router.post(COOKIE_PATH)
    async def exchange(request: Request) -> Response:
        data = await read(request)
        if isinstance(data, JSONResponse):
            return data
        proof = await _proof(request)
        if isinstance(proof, Response):
            return proof
        params = [("grant_type", "authorization_code"), ("client_id", data["client_id"])]
        for name in ("code", "code_verifier", "redirect_uri"):
            params.append((name, data.get(name, "")))
        return await _exchange(request, params, data["client_id"], proof, data.get("include", ""))

    @router.post(COOKIE_PATH + "/refresh")
    async def refresh(request: Request) -> Response:
        data = await read(request)
        if isinstance(data, JSONResponse):
            return data
        client_id = data["client_id"]
        refresh_token = request.cookies.get(cookie_name(client_id))
        if not refresh_token:  # nothing kept for this site in this browser: not an error
            return Response(status_code=204, headers={"Cache-Control": "no-store"})
        proof = await _proof(request)
        if isinstance(proof, Response):
            return proof
        include = data.get("include", "")
        family_id = await _family_of(request, refresh_token) if "kept" in include.split() else None
        grace = await _grace_token(request, refresh_token, proof)
        if grace is not None:
            return JSONResponse(await _with_user(request, grace, include, family_id),
                                headers={"Cache-Control": "no-store"})
        params = [("grant_type", "refresh_token"), ("client_id", client_id), ("refresh_token", refresh_token)]
        return await _exchange(request, params, client_id, proof, include, family_id)

    @router.post(COOKIE_PATH + "/end")
    async def end(request: Request) -> Response:
        data = await read(request)
        if isinstance(data, JSONResponse):
            return data
        client_id = data["client_id"]
        refresh_token = request.cookies.get(cookie_name(client_id))
        if refresh_token:
            token = await request.app.state.store.token_by_refresh_hash(hash_secret(refresh_token))
            if token is not None:  # this browser's grant only: the user's other devices stay signed in
                await end_family(request.app, token.family_id)
        response = Response(status_code=204, headers={"Cache-Control": "no-store"})
        _clear_cookie(response, client_id)
        return response

    return router
