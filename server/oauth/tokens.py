"""Issuing tokens: the token endpoint's grants (authorization code, refresh) as data.

``issue_tokens`` is shared by /oauth/token and the copy-paste frame's /frame/session, which keeps the
refresh token in a cookie; each turns the answer into its own HTTP response.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from ..security import app_limiter, client_ip
from ..settings import Settings
from ..store.records import SiteRecord
from ..store.secrets import hash_secret
from .families import end_family
from .records import SiteClient
from .server import Effects, ParleyAuthorizationServer, Prefetched, request_data

TOKEN_REQUESTS = (30, 60.0)  # per (client, IP) per minute
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@dataclass(frozen=True, slots=True)
class TokenAnswer:
    """What the token endpoint answers: the HTTP status, the JSON body (the tokens, or ``error`` and
    ``error_description``) and the response headers (``Retry-After`` when rate-limited)."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def ok(self) -> bool:
        return self.status == 200


async def issue_tokens(request: Request, params: list[tuple[str, str]], site: SiteRecord | None) -> TokenAnswer:
    """Run the token endpoint's grant (rate-limited) for already-authorized params and store its writes."""
    settings: Settings = request.app.state.settings
    data = dict(params)
    client_id = data.get("client_id", "")
    wait = app_limiter(request.app, "token", *TOKEN_REQUESTS).hit(f"{client_id}|{client_ip(request)}")
    if wait is not None:
        return TokenAnswer(
            429,
            {"error": "slow_down", "error_description": "Too many token requests; retry later"},
            {"Retry-After": str(wait), "Cache-Control": "no-store"},
        )
    prefetched = Prefetched(SiteClient(site, settings.public_url) if site else None)
    replay = await _prefetch_grant(request.app, data, prefetched)
    if replay is not None:
        return replay
    server = ParleyAuthorizationServer(settings, prefetched)
    status, body, core_headers = server.token_answer(request_data(request, settings.public_url, params))
    headers = {name: value for name, value in core_headers if name.lower() != "content-type"}
    answer = TokenAnswer(status, body, headers | NO_STORE)
    effects = server.effects
    if answer.ok and effects.token_row is not None:
        stored = await _store_token(request.app, effects.token_row, effects)
        if not stored:
            answer = _invalid_grant("The grant was already used; every token issued from it is revoked")
    return answer


def _invalid_grant(description: str) -> TokenAnswer:
    return TokenAnswer(400, {"error": "invalid_grant", "error_description": description}, dict(NO_STORE))


async def _prefetch_grant(app: Any, data: dict[str, str], prefetched: Prefetched) -> TokenAnswer | None:
    """Load the code or refresh token the request names; a replayed one revokes its family at once (and its
    live sockets close: a replay means the token may be in someone else's hands)."""
    store = app.state.store
    grant_type = data.get("grant_type")
    if grant_type == "authorization_code" and data.get("code"):
        code = await store.code_by_hash(hash_secret(data["code"]))
        if code is not None and code.used_at is not None:
            if code.family_id:
                await end_family(app, code.family_id)
            return _invalid_grant("This code was already used; every token issued from it is revoked")
        prefetched.code = code
    elif grant_type == "refresh_token" and data.get("refresh_token"):
        token = await store.token_by_refresh_hash(hash_secret(data["refresh_token"]))
        if token is not None and token.refresh_used_at is not None:
            await end_family(app, token.family_id)
            return _invalid_grant("This refresh token was already used; its whole family is revoked")
        prefetched.refresh, prefetched.refresh_hash = token, hash_secret(data["refresh_token"])
    return None


async def _store_token(app: Any, row: dict[str, Any], effects: Effects) -> bool:
    """Apply the core's writes atomically; False (and the family revoked) if a racing request won."""
    store = app.state.store
    code, rotated = effects.redeemed_code, effects.rotated
    if code is not None:
        if await store.redeem_code(code.code_hash, str(row["family_id"]), row):
            return True
        winner = await store.code_by_hash(code.code_hash)
        if winner is not None and winner.family_id:
            await end_family(app, winner.family_id)
        return False
    if rotated is not None:
        if await store.rotate_refresh(rotated.id, row):
            return True
        await end_family(app, rotated.family_id)
        return False
    return False
