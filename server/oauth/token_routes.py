"""The token endpoints sites call from their pages: /oauth/token and /oauth/revoke (CORS for the client's
registered origins only)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from ..settings import Settings
from ..store.records import SiteRecord
from ..store.secrets import hash_secret
from .cors import add_cors, origin_allowed, preflight, refused
from .dpop import DpopError
from .dpop_check import NONCE_HEADER
from .families import end_family
from .params import repeated_parameter_response
from .records import SiteClient
from .server import ParleyAuthorizationServer, Prefetched, request_data
from .tokens import dpop_refusal, issue_tokens, token_proof


def token_router() -> APIRouter:
    """POST /oauth/token and /oauth/revoke, and their CORS preflight."""
    router = APIRouter(include_in_schema=False)

    @router.options("/oauth/token")
    @router.options("/oauth/revoke")
    async def token_preflight(request: Request) -> Response:
        return preflight(request.headers.get("origin"))

    @router.post("/oauth/token")
    async def token(request: Request) -> Response:
        checked = await _client_form(request)
        if isinstance(checked, Response):
            return checked
        params, site, origin = checked
        try:
            proof = await token_proof(request)
        except DpopError as error:
            answer = dpop_refusal(request, error)
        else:
            answer = await issue_tokens(request, params, site, proof)
        headers = {NONCE_HEADER: request.app.state.dpop.nonce(), **answer.headers}  # keep the client's nonce fresh
        return add_cors(JSONResponse(answer.body, status_code=answer.status, headers=headers), origin)

    @router.post("/oauth/revoke")
    async def revoke(request: Request) -> Response:
        checked = await _client_form(request)
        if isinstance(checked, Response):
            return checked
        params, site, origin = checked
        settings: Settings = request.app.state.settings
        store = request.app.state.store
        data = dict(params)
        prefetched = Prefetched(SiteClient(site, settings.public_url) if site else None)
        token_text = data.get("token", "")
        if token_text:
            digest = hash_secret(token_text)
            prefetched.revocable = await store.token_by_access_hash(digest) or (
                await store.token_by_refresh_hash(digest)
            )
        server = ParleyAuthorizationServer(settings, prefetched)
        response: Response = server.create_endpoint_response(
            "revocation", request_data(request, settings.public_url, params)
        )
        if server.effects.revoke_family is not None:
            await end_family(request.app, server.effects.revoke_family)
        response.headers["Cache-Control"] = "no-store"
        return add_cors(response, origin)

    return router


async def _client_form(
    request: Request,
) -> tuple[list[tuple[str, str]], SiteRecord | None, str | None] | Response:
    """Read a token/revocation form and its client; refuse (403) an Origin the client did not register."""
    settings: Settings = request.app.state.settings
    form = await request.form()
    params = [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    client_id = dict(params).get("client_id", "")
    site = await request.app.state.store.site_by_client_id(client_id) if client_id else None
    origin = request.headers.get("origin")
    if not origin_allowed(origin, site, settings.public_url):
        assert origin is not None
        return refused(origin)
    repeated = repeated_parameter_response(params)
    if repeated is not None:
        return add_cors(repeated, origin)
    return params, site, origin
