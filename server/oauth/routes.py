"""OAuth 2.0 endpoints: /oauth/authorize (with sign-in and consent), /oauth/callback (the widget popup's
landing page), /oauth/token, /oauth/revoke and the RFC 8414 metadata document."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from authlib.oauth2 import OAuth2Error
from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import JSONResponse, Response

from ..security import app_limiter, client_ip, script_hash
from ..settings import Settings
from ..store.secrets import hash_secret
from ..web import sessions
from ..web.pages import error_page, render, see_other
from . import repo
from .cors import add_cors, origin_allowed, preflight, refused
from .families import end_family
from .origins import origin_of
from .params import repeated_parameter_response
from .records import CALLBACK_PATH, SiteClient, SiteRecord
from .scopes import ALL_SCOPES, covers, scope_list
from .server import Effects, ParleyAuthorizationServer, Prefetched, RequestData, ResourceOwner

TOKEN_REQUESTS = (30, 60.0)  # per (client, IP) per minute

CALLBACK_SCRIPT = """(function () {
  var params = new URLSearchParams(window.location.search);
  var message = {type: "parley:oauth", state: params.get("state"), iss: params.get("iss")};
  if (params.get("code")) {
    message.code = params.get("code");
  } else {
    message.error = params.get("error") || "invalid_response";
    message.error_description = params.get("error_description");
  }
  window.history.replaceState(null, "", window.location.pathname);
  var targets = (document.documentElement.getAttribute("data-target") || "").split(" ");
  var status = document.getElementById("status");
  if (window.opener && targets[0]) {
    for (var i = 0; i < targets.length; i++) {
      if (targets[i]) window.opener.postMessage(message, targets[i]);
    }
    status.textContent = "Done. You can close this window.";
    window.close();
  } else {
    status.textContent = "Sign-in finished, but the page that asked for it is gone. Close this window.";
  }
})();"""
CALLBACK_SCRIPT_HASH = script_hash(CALLBACK_SCRIPT)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def code_site_origins(request: Request, code: str) -> list[str]:
    """The registered origins of the site a (still unused) authorization code belongs to: the callback posts
    the code to the opener with each as exact target origin (a site's own page in inline mode), plus Parley's."""
    if not code or len(code) > 512:
        return []
    store = request.app.state.store
    record = await repo.code_by_hash(store, hash_secret(code))
    if record is None or record.used_at is not None:
        return []
    site = await repo.site_by_id(store, record.site_id)
    return list(site.origins) if site is not None else []


def _request_data(request: Request, params: list[tuple[str, str]]) -> RequestData:
    settings = _settings(request)
    query = request.url.query
    uri = settings.public_url + request.url.path + (f"?{query}" if query else "")
    return RequestData(request.method, uri, dict(request.headers), params)


def _form_params(form: FormData) -> list[tuple[str, str]]:
    return [(name, value) for name, value in form.multi_items() if isinstance(value, str)]


def metadata(settings: Settings) -> dict[str, object]:
    """The RFC 8414 authorization server metadata: only what is supported."""
    base = settings.public_url
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": list(ALL_SCOPES),
        "authorization_response_iss_parameter_supported": True,
        "service_documentation": f"{base}/account",
    }


async def _authorization(
    request: Request,
) -> tuple[ParleyAuthorizationServer, object, SiteRecord] | Response:
    """Validate an authorization request; an error page or redirect, or the server, grant and site."""
    settings = _settings(request)
    params = list(request.query_params.multi_items())
    client_id = request.query_params.get("client_id")
    site = await repo.site_by_client_id(request.app.state.store, client_id) if client_id else None
    server = ParleyAuthorizationServer(settings, Prefetched(SiteClient(site, settings.public_url) if site else None))
    signed_in = await sessions.current(request)
    try:
        grant = server.get_consent_grant(
            _request_data(request, params), end_user=ResourceOwner(signed_in.user.id) if signed_in else None
        )
    except OAuth2Error as error:
        if error.redirect_uri:
            response: Response = server.handle_error_response(None, error)
            return response
        return await error_page(request, "This sign-in link is not valid", _explain(error, site), 400)
    assert site is not None
    return server, grant, site


def _explain(error: OAuth2Error, site: SiteRecord | None) -> str:
    if site is None:
        return "The site that sent you here is not registered with Parley (unknown client_id)."
    return (
        f"{site.name} sent a request Parley cannot accept: {error.description or error.error}. "
        "Nothing was shared. Close this window and tell the site's owner."
    )


async def _issue_code(request: Request, server: ParleyAuthorizationServer, grant: object, user_id: int) -> Response:
    response: Response = server.create_authorization_response(
        grant.request, grant_user=ResourceOwner(user_id), grant=grant  # type: ignore[attr-defined]
    )
    if server.effects.new_code is not None:
        await repo.save_code(request.app.state.store, server.effects.new_code)
    return response


def _consent_targets(grant: object) -> list[str]:
    redirect_uri: str = grant.redirect_uri  # type: ignore[attr-defined]
    origin = origin_of(redirect_uri)
    return [origin] if origin else []


def oauth_router() -> APIRouter:
    """The OAuth endpoints and the metadata document."""
    router = APIRouter(include_in_schema=False)

    @router.get("/.well-known/oauth-authorization-server")
    async def server_metadata(request: Request) -> Response:
        response = JSONResponse(metadata(_settings(request)))
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    @router.get("/oauth/authorize")
    async def authorize(request: Request) -> Response:
        checked = await _authorization(request)
        if isinstance(checked, Response):
            return checked
        server, grant, site = checked
        signed_in = await sessions.current(request)
        if signed_in is None:
            here = request.url.path + "?" + request.url.query
            return see_other("/account?next=" + quote(here, safe=""))
        requested: str = grant.request.scope  # type: ignore[attr-defined]
        consent = await repo.consent_for(request.app.state.store, signed_in.user.id, site.id)
        if consent is not None and covers(consent.scope, requested):
            return await _issue_code(request, server, grant, signed_in.user.id)
        return await render(
            request, "consent.html",
            {"site": site, "origins": site.origins, "scopes": scope_list(requested),
             "action": request.url.path + "?" + request.url.query},
            form_targets=_consent_targets(grant), opener_policy="unsafe-none",
        )

    @router.post("/oauth/authorize")
    async def decide(request: Request) -> Response:
        form = await request.form()
        if not await sessions.csrf_valid(request, str(form.get("csrf_token") or "")):
            return await error_page(request, "This form has expired", "Go back, reload and try again.", 403)
        signed_in = await sessions.current(request)
        if signed_in is None:
            return see_other("/account?next=" + quote(request.url.path + "?" + request.url.query, safe=""))
        checked = await _authorization(request)
        if isinstance(checked, Response):
            return checked
        server, grant, site = checked
        if form.get("decision") != "allow":
            denied: Response = server.create_authorization_response(
                grant.request, grant_user=None, grant=grant  # type: ignore[attr-defined]
            )
            return denied
        scope: str = grant.request.scope  # type: ignore[attr-defined]
        await repo.remember_consent(request.app.state.store, signed_in.user.id, site.id, scope)
        return await _issue_code(request, server, grant, signed_in.user.id)

    @router.get(CALLBACK_PATH)
    async def callback(request: Request) -> Response:
        settings = _settings(request)
        targets = [origin_of(settings.public_url) or settings.public_url]
        targets += await code_site_origins(request, request.query_params.get("code", ""))
        html = await render(
            request, "callback.html",
            {"target_origin": " ".join(targets), "script": CALLBACK_SCRIPT},
            script_hashes=[CALLBACK_SCRIPT_HASH], opener_policy="unsafe-none",
        )
        return html

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
        return add_cors(await token_response(request, params, site), origin)

    @router.post("/oauth/revoke")
    async def revoke(request: Request) -> Response:
        checked = await _client_form(request)
        if isinstance(checked, Response):
            return checked
        params, site, origin = checked
        settings = _settings(request)
        store = request.app.state.store
        data = dict(params)
        prefetched = Prefetched(SiteClient(site, settings.public_url) if site else None)
        token_text = data.get("token", "")
        if token_text:
            digest = hash_secret(token_text)
            prefetched.revocable = await repo.token_by_access_hash(store, digest) or (
                await repo.token_by_refresh_hash(store, digest)
            )
        server = ParleyAuthorizationServer(settings, prefetched)
        response: Response = server.create_endpoint_response("revocation", _request_data(request, params))
        if server.effects.revoke_family is not None:
            await end_family(request.app, server.effects.revoke_family)
        response.headers["Cache-Control"] = "no-store"
        return add_cors(response, origin)

    return router


async def _client_form(
    request: Request,
) -> tuple[list[tuple[str, str]], SiteRecord | None, str | None] | Response:
    """Read a token/revocation form and its client; refuse (403) an Origin the client did not register."""
    settings = _settings(request)
    params = _form_params(await request.form())
    client_id = dict(params).get("client_id", "")
    site = await repo.site_by_client_id(request.app.state.store, client_id) if client_id else None
    origin = request.headers.get("origin")
    if not origin_allowed(origin, site, settings.public_url):
        assert origin is not None
        return refused(origin)
    repeated = repeated_parameter_response(params)
    if repeated is not None:
        return add_cors(repeated, origin)
    return params, site, origin


async def token_response(request: Request, params: list[tuple[str, str]], site: SiteRecord | None) -> Response:
    """Run the token endpoint's grant (rate-limited) for already-authorized params; the caller adds CORS.

    Shared by /oauth/token and the copy-paste frame's /frame/session, which keeps the refresh token in a cookie.
    """
    settings = _settings(request)
    data = dict(params)
    client_id = data.get("client_id", "")
    wait = app_limiter(request.app, "token", *TOKEN_REQUESTS).hit(f"{client_id}|{client_ip(request)}")
    if wait is not None:
        return JSONResponse(
            {"error": "slow_down", "error_description": "Too many token requests; retry later"},
            status_code=429, headers={"Retry-After": str(wait), "Cache-Control": "no-store"},
        )
    prefetched = Prefetched(SiteClient(site, settings.public_url) if site else None)
    replay = await _prefetch_grant(request.app, data, prefetched)
    if replay is not None:
        return replay
    server = ParleyAuthorizationServer(settings, prefetched)
    response: Response = server.create_token_response(_request_data(request, params))
    effects = server.effects
    if response.status_code == 200 and effects.token_row is not None:
        stored = await _store_token(request.app, effects.token_row, effects)
        if not stored:
            response = _invalid_grant("The grant was already used; every token issued from it is revoked")
    return response


def _invalid_grant(description: str) -> Response:
    return JSONResponse(
        {"error": "invalid_grant", "error_description": description},
        status_code=400, headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


async def _prefetch_grant(app: Any, data: dict[str, str], prefetched: Prefetched) -> Response | None:
    """Load the code or refresh token the request names; a replayed one revokes its family at once (and its
    live sockets close: a replay means the token may be in someone else's hands)."""
    store = app.state.store
    grant_type = data.get("grant_type")
    if grant_type == "authorization_code" and data.get("code"):
        code = await repo.code_by_hash(store, hash_secret(data["code"]))
        if code is not None and code.used_at is not None:
            if code.family_id:
                await end_family(app, code.family_id)
            return _invalid_grant("This code was already used; every token issued from it is revoked")
        prefetched.code = code
    elif grant_type == "refresh_token" and data.get("refresh_token"):
        token = await repo.token_by_refresh_hash(store, hash_secret(data["refresh_token"]))
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
        if await repo.redeem_code(store, code.code_hash, str(row["family_id"]), row):
            return True
        winner = await repo.code_by_hash(store, code.code_hash)
        if winner is not None and winner.family_id:
            await end_family(app, winner.family_id)
        return False
    if rotated is not None:
        if await repo.rotate_refresh(store, rotated.id, row):
            return True
        await end_family(app, rotated.family_id)
        return False
    return False
