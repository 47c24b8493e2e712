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
from .dpop import INVALID_PROOF, DpopError, DpopProof
from .dpop_check import NONCE_HEADER, DpopChecker
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


async def token_proof(request: Request) -> DpopProof | None:
    """The request's verified DPoP proof for POST on its own path, or None when it sends none; raises DpopError
    (a repeated header, a bad, replayed or nonce-less proof)."""
    proofs = request.headers.getlist("dpop")
    if not proofs:
        return None
    if len(proofs) > 1:
        raise DpopError(INVALID_PROOF, "send one DPoP header")
    checker: DpopChecker = request.app.state.dpop
    return await checker.check(proofs[0], "POST", request.url.path)


def dpop_refusal(request: Request, error: DpopError) -> TokenAnswer:
    """The token endpoint's 400 for a refused proof, with a fresh nonce (RFC 9449 §8)."""
    checker: DpopChecker = request.app.state.dpop
    return TokenAnswer(400, {"error": error.code, "error_description": error.description},
                       {NONCE_HEADER: checker.nonce(), **NO_STORE})


async def issue_tokens(
    request: Request,
    params: list[tuple[str, str]],
    site: SiteRecord | None,
    proof: DpopProof | None = None,
    *,
    bind_refresh: bool = True,
) -> TokenAnswer:
    """Run the token endpoint's grant (rate-limited) for already-authorized params and store its writes.

    With a DPoP ``proof``, the new access token (and, when ``bind_refresh``, the refresh token) is bound to its
    key (``token_type: DPoP``); a refresh token bound to a key is refused without a proof of that key."""
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
    replay = await _prefetch_grant(request, data, prefetched, proof)
    if replay is not None:
        return replay
    refused = await _moderation_refusal(request.app.state.store, prefetched)
    if refused is not None:
        return refused
    server = ParleyAuthorizationServer(settings, prefetched)
    status, body, core_headers = server.token_answer(request_data(request, settings.public_url, params))
    headers = {name: value for name, value in core_headers if name.lower() != "content-type"}
    answer = TokenAnswer(status, body, headers | NO_STORE)
    effects = server.effects
    if answer.ok and effects.token_row is not None and proof is not None:
        effects.token_row["jkt"] = proof.jkt
        effects.token_row["refresh_jkt"] = proof.jkt if bind_refresh else None
        answer.body["token_type"] = "DPoP"
    if answer.ok and effects.token_row is not None:
        stored = await _store_token(request.app, effects.token_row, effects)
        if not stored:
            answer = _invalid_grant("The grant was already used; every token issued from it is revoked")
    return answer


REFUSALS = {
    "banned": ("banned", "You can't use chat on this site: its owners banned this account"),
    "disabled": ("account_disabled", "This account is disabled"),
}


async def _moderation_refusal(store: Any, prefetched: Prefetched) -> TokenAnswer | None:
    """400 for a code or refresh token of a user banned from its site or of a disabled account (nothing is
    issued; ``error`` is ``banned`` or ``account_disabled``, which the widget shows), else None."""
    found = prefetched.code or prefetched.refresh
    if found is None:
        return None
    why = await store.access_refusal(found.user_id, found.site_id)
    if why is None:
        return None
    error, description = REFUSALS[why]
    return TokenAnswer(400, {"error": error, "error_description": description}, dict(NO_STORE))


def _invalid_grant(description: str) -> TokenAnswer:
    return TokenAnswer(400, {"error": "invalid_grant", "error_description": description}, dict(NO_STORE))


async def _prefetch_grant(
    request: Request, data: dict[str, str], prefetched: Prefetched, proof: DpopProof | None
) -> TokenAnswer | None:
    """Load the code or refresh token the request names; a replayed one revokes its family at once (and its
    live sockets close: a replay means the token may be in someone else's hands). A refresh token bound to a
    DPoP key is refused first, with no effect at all, without a proof of that key: whoever holds only the
    token can neither use it nor end the holder's sign-in by replaying it."""
    app = request.app
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
        if token is not None and token.refresh_jkt is not None and (proof is None or proof.jkt != token.refresh_jkt):
            return dpop_refusal(request, DpopError(
                INVALID_PROOF, "this refresh token is bound to a DPoP key: send a proof made with that key"))
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
