"""Sign-in sessions on Parley's own pages: a random id in the `parley_session` cookie, stored hashed.

The cookie is HttpOnly, SameSite=Lax, Path=/ and Secure behind TLS. The row keeps the user, the session's
CSRF token and its expiry; signing out or changing the password deletes rows, so a stolen cookie dies too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..security import PRE_SESSION_COOKIE, pre_session_csrf, random_token, tokens_match
from ..settings import Settings
from ..store import Store
from ..store.records import User
from ..store.secrets import hash_secret

COOKIE = "parley_session"
SESSION_TTL_MS = 14 * 86_400_000


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The visitor behind a valid session cookie."""

    user: User
    csrf_token: str
    id_hash: str


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def current(request: Request) -> SignedIn | None:
    """The signed-in visitor, or None (looked up once per request)."""
    if hasattr(request.state, "parley_signed_in"):
        cached: SignedIn | None = request.state.parley_signed_in
        return cached
    found: SignedIn | None = None
    session_id = request.cookies.get(COOKIE)
    if session_id:
        id_hash = hash_secret(session_id)
        session = await _store(request).find_web_session(id_hash)
        if session is not None:
            user = await request.app.state.store.get_user(session.user_id)
            if user is not None and user.deleted_at is None:
                found = SignedIn(user, session.csrf_token, id_hash)
    request.state.parley_signed_in = found
    return found


def cookie_flags(request: Request) -> dict[str, Any]:
    """The flags of both the session and the pre-session CSRF cookie (Secure: `Settings.cookies_secure`)."""
    return {"httponly": True, "samesite": "lax", "secure": _settings(request).cookies_secure, "path": "/"}


async def start(request: Request, response: Response, user: User) -> None:
    """Open a session for `user` and set its cookie on `response` (any previous cookie is replaced)."""
    session_id = random_token()
    await _store(request).open_web_session(hash_secret(session_id), user.id, random_token(), SESSION_TTL_MS)
    response.set_cookie(COOKIE, session_id, max_age=SESSION_TTL_MS // 1000, **cookie_flags(request))


async def end(request: Request, response: Response, *, everywhere: bool = False) -> None:
    """Close this session (or every session of its user) and clear the cookie."""
    signed_in = await current(request)
    if signed_in is not None and everywhere:
        await _store(request).end_web_sessions_of(signed_in.user.id)
    elif signed_in is not None:
        await _store(request).end_web_session(signed_in.id_hash)
    response.delete_cookie(COOKIE, **cookie_flags(request))


def ensure_pre_session(request: Request) -> str:
    """The visitor's pre-session CSRF cookie value (a new one is made and noted for `attach`)."""
    value = request.cookies.get(PRE_SESSION_COOKIE) or getattr(request.state, "parley_pre_session", None)
    if not value:
        value = random_token()
        request.state.parley_pre_session = value
    return str(value)


def attach_pre_session(request: Request, response: Response) -> None:
    """Set the pre-session cookie on `response` if this request created one."""
    value = getattr(request.state, "parley_pre_session", None)
    if value:
        response.set_cookie(PRE_SESSION_COOKIE, value, max_age=86400, **cookie_flags(request))


async def csrf_token_for(request: Request) -> str:
    """The token forms on this page must carry: the session's, or the pre-session cookie's HMAC."""
    signed_in = await current(request)
    if signed_in is not None:
        return signed_in.csrf_token
    return pre_session_csrf(_settings(request).secret_key, ensure_pre_session(request))


async def csrf_valid(request: Request, given: str | None) -> bool:
    """Whether a submitted form's CSRF token is the session's or matches the pre-session cookie."""
    signed_in = await current(request)
    if signed_in is not None and tokens_match(signed_in.csrf_token, given):
        return True
    cookie = request.cookies.get(PRE_SESSION_COOKIE)
    if cookie:
        return tokens_match(pre_session_csrf(_settings(request).secret_key, cookie), given)
    return False
