"""The authorization endpoint's pages: /oauth/authorize (sign-in, then consent) and /oauth/callback (the
widget popup's landing page, which posts the code to the page that asked for it)."""

from __future__ import annotations

from urllib.parse import quote

from authlib.oauth2 import OAuth2Error
from fastapi import APIRouter, Request
from starlette.responses import Response

from ..oauth.origins import origin_of
from ..oauth.records import CALLBACK_PATH, SiteClient
from ..oauth.scopes import covers, scope_list, widened
from ..oauth.server import ParleyAuthorizationServer, Prefetched, ResourceOwner, request_data
from ..security import script_hash
from ..settings import Settings
from ..store.records import SiteRecord
from ..store.secrets import hash_secret
from . import sessions
from .pages import error_page, render, see_other

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


async def code_site_origins(request: Request, code: str) -> list[str]:
    """The registered origins of the site a (still unused) authorization code belongs to: the callback posts
    the code to the opener with each as exact target origin (a site's own page in inline mode), plus Parley's."""
    if not code or len(code) > 512:
        return []
    store = request.app.state.store
    record = await store.code_by_hash(hash_secret(code))
    if record is None or record.used_at is not None:
        return []
    site = await store.site_by_id(record.site_id)
    return list(site.origins) if site is not None else []


async def _authorization(
    request: Request,
) -> tuple[ParleyAuthorizationServer, object, SiteRecord] | Response:
    """Validate an authorization request; an error page or redirect, or the server, grant and site."""
    settings: Settings = request.app.state.settings
    params = list(request.query_params.multi_items())
    client_id = request.query_params.get("client_id")
    site = await request.app.state.store.site_by_client_id(client_id) if client_id else None
    server = ParleyAuthorizationServer(settings, Prefetched(SiteClient(site, settings.public_url) if site else None))
    signed_in = await sessions.current(request)
    try:
        owner = ResourceOwner(signed_in.user.id) if signed_in else None
        grant = server.get_consent_grant(request_data(request, settings.public_url, params), end_user=owner)
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
        await request.app.state.store.save_code(server.effects.new_code)
    return response


def _consent_targets(grant: object) -> list[str]:
    redirect_uri: str = grant.redirect_uri  # type: ignore[attr-defined]
    origin = origin_of(redirect_uri)
    return [origin] if origin else []


def authorize_router() -> APIRouter:
    """GET and POST /oauth/authorize (the consent page and its answer) and GET /oauth/callback."""
    router = APIRouter(include_in_schema=False)

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
        consent = await request.app.state.store.consent_for(signed_in.user.id, site.id)
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
        await request.app.state.store.remember_consent(signed_in.user.id, site.id, scope, merge=widened)
        return await _issue_code(request, server, grant, signed_in.user.id)

    @router.get(CALLBACK_PATH)
    async def callback(request: Request) -> Response:
        settings: Settings = request.app.state.settings
        targets = [origin_of(settings.public_url) or settings.public_url]
        targets += await code_site_origins(request, request.query_params.get("code", ""))
        html = await render(
            request, "callback.html",
            {"target_origin": " ".join(targets), "script": CALLBACK_SCRIPT},
            script_hashes=[CALLBACK_SCRIPT_HASH], opener_policy="unsafe-none",
        )
        return html

    return router
