"""Request dependencies: the store and the authenticated principal with per-scope checks.

Authentication: `Authorization: Bearer <access token>` (OAuth, the token's scopes apply), or
`Authorization: DPoP <access token>` with a `DPoP` proof header for a token bound to a key (RFC 9449; a bound
token is never accepted as Bearer), else the `parley_session` cookie of Parley's own pages (all scopes). A
cookie-authenticated request with an unsafe method (POST, PUT, PATCH, DELETE) must carry the session's CSRF token
in the `X-CSRF-Token` header.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from ..oauth.dpop import USE_NONCE, DpopError
from ..oauth.dpop_check import NONCE_HEADER, DpopChecker
from ..store import Store
from ..store.records import Principal
from .errors import ApiError

SESSION_COOKIE = "parley_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer_scheme = HTTPBearer(auto_error=False, description="OAuth 2.0 access token")
cookie_scheme = APIKeyCookie(name=SESSION_COOKIE, auto_error=False, description="Parley web session")


def get_store(request: Request) -> Store:
    """The Store the app opened at start-up."""
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


def _unauthenticated(message: str, error: str | None = None) -> ApiError:
    challenge = f'Bearer error="{error}"' if error else "Bearer"
    return ApiError(401, "unauthenticated", message, {"WWW-Authenticate": challenge})


async def _dpop_principal(request: Request, store: Store, token: str, response: Response) -> Principal:
    """The principal of a DPoP-bound token whose proof (method, URL, `ath`, fresh nonce, unused `jti`) is made
    with the key the token is bound to. Every answer carries a fresh `DPoP-Nonce`."""
    checker: DpopChecker = request.app.state.dpop
    nonce = {NONCE_HEADER: checker.nonce()}
    response.headers.update(nonce)
    proofs = request.headers.getlist("dpop")
    try:
        proof = await checker.check(proofs[0] if len(proofs) == 1 else None, request.method, request.url.path,
                                    access_token=token)
    except DpopError as error:
        code = "use_dpop_nonce" if error.code == USE_NONCE else "unauthenticated"
        challenge = f'DPoP error="{error.code}", algs="ES256"'
        raise ApiError(401, code, error.description, {"WWW-Authenticate": challenge, **nonce}) from None
    principal = await store.principal_for_access_token(token)
    if principal is None or principal.jkt is None or principal.jkt != proof.jkt:
        raise ApiError(401, "unauthenticated", "the access token is invalid, expired or bound to another key",
                       {"WWW-Authenticate": 'DPoP error="invalid_token", algs="ES256"', **nonce})
    return principal


async def get_principal(
    request: Request,
    response: Response,
    store: StoreDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    session_id: Annotated[str | None, Depends(cookie_scheme)],
) -> Principal:
    """Who is calling; 401 without valid credentials, 403 on a cookie request lacking its CSRF token."""
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() == "dpop" and token.strip():
            return await _dpop_principal(request, store, token.strip(), response)
        if bearer is None or not bearer.credentials:
            raise _unauthenticated("use an `Authorization: Bearer <token>` header", "invalid_request")
        principal = await store.principal_for_access_token(bearer.credentials)
        if principal is None:
            raise _unauthenticated("the access token is invalid or expired", "invalid_token")
        if principal.jkt is not None:  # a stolen bound token is useless without its key
            raise _unauthenticated("this access token is bound to a DPoP key: use `Authorization: DPoP`",
                                   "invalid_token")
        return principal
    if session_id:
        principal = await store.principal_for_session(session_id)
        if principal is None:
            raise _unauthenticated("the session has expired: sign in again")
        if request.method not in SAFE_METHODS:
            given = request.headers.get(CSRF_HEADER, "")
            expected = principal.csrf_token or ""
            if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
                raise ApiError(403, "csrf_failed", f"missing or wrong {CSRF_HEADER} header")
        return principal
    raise _unauthenticated("sign in or send an access token")


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_scope(*scopes: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency giving the principal if it holds every one of `scopes` (403 insufficient_scope)."""

    async def check(principal: PrincipalDep) -> Principal:
        missing = [scope for scope in scopes if not principal.allows(scope)]
        if missing:
            raise ApiError(403, "insufficient_scope", f"this needs the scope {' '.join(missing)!r}")
        return principal

    return check


async def require_session(principal: PrincipalDep) -> Principal:
    """Only Parley's own pages (a web session), never a site's token, may do account-level actions."""
    if not principal.session:
        raise ApiError(403, "session_required", "only Parley's own account pages can do this")
    return principal


ProfileUser = Annotated[Principal, Depends(require_scope("profile"))]
FriendsUser = Annotated[Principal, Depends(require_scope("friends"))]
MessagesUser = Annotated[Principal, Depends(require_scope("messages"))]
SessionUser = Annotated[Principal, Depends(require_session)]
