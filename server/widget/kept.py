"""POST /frame/session/kept: what the copy-paste widget keeps for the next page of a visit, on the server.

Chromium (and other browsers blocking third-party storage) refuses a cross-site frame its own sessionStorage,
so the frame keeps its place (panel, screen, scroll, drafts) and its outbox (messages not yet acknowledged)
here instead, per frame sign-in: the request is authenticated by the sign-in's partitioned cookie (path
/frame/session, so it is sent here and nowhere else), and the texts come back in the next page's
`/frame/session/refresh` answer (`include: "kept"`). Like the other frame endpoints, only the frame itself may
call it (Parley's origin and `X-Parley-Frame: 1`, a header that forces a preflight no host page is granted):
nothing kept here is readable by the host page's scripts. Kept texts end with the sign-in.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..store.secrets import hash_secret
from .signin import COOKIE_PATH, cookie_name, error_answer, from_frame

MAX_KEPT_CHARS = 1 << 20  # one kept text, as the widget reads it back (parley.place.MAX_STORED_CHARS)
MAX_BODY_BYTES = 3 * MAX_KEPT_CHARS  # room for both texts in UTF-8 JSON
KEPT_NAMES = ("place", "outbox")


async def _read_capped(request: Request) -> bytes | None:
    """The request body, or None when it is over MAX_BODY_BYTES (stops reading there)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


def _values(data: object) -> dict[str, str] | JSONResponse:
    """The kept texts of a body, checked: `client_id`, then `place` and/or `outbox` as strings."""
    if not isinstance(data, dict) or not isinstance(data.get("client_id"), str):
        return error_answer(400, "bad_request", "client_id is required")
    values = {name: data[name] for name in KEPT_NAMES if name in data}
    if not values:
        return error_answer(400, "bad_request", "give place and/or outbox")
    for name, text in values.items():
        if not isinstance(text, str):
            return error_answer(400, "bad_request", f"{name} must be a string")
        if len(text) > MAX_KEPT_CHARS:
            return error_answer(413, "too_big", f"{name} is over {MAX_KEPT_CHARS} characters")
    return values


def frame_kept_router() -> APIRouter:
    """POST /frame/session/kept."""
    router = APIRouter(include_in_schema=False)

    @router.post(COOKIE_PATH + "/kept")
    async def keep(request: Request) -> Response:
        if not from_frame(request):
            return error_answer(403, "forbidden", "Only the Parley widget frame may use this endpoint")
        raw = await _read_capped(request)
        if raw is None:
            return error_answer(413, "too_big", f"the body is over {MAX_BODY_BYTES} bytes")
        try:
            data = json.loads(raw)
        except ValueError:
            return error_answer(400, "bad_json", "The body must be a JSON object")
        values = _values(data)
        if isinstance(values, JSONResponse):
            return values
        store = request.app.state.store
        refresh_token = request.cookies.get(cookie_name(data["client_id"]))
        token = await store.token_by_refresh_hash(hash_secret(refresh_token)) if refresh_token else None
        site = await store.site_by_client_id(data["client_id"]) if token is not None else None
        if token is None or site is None or site.id != token.site_id or not await store.family_is_live(token.family_id):
            return error_answer(401, "signed_out", "No live sign-in of this site in this browser")
        await store.keep_for_frame(token, values)
        return Response(status_code=204, headers={"Cache-Control": "no-store"})

    return router
