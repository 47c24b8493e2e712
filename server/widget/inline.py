"""Inline mode for developers: what a site's own PyScript page needs to import `parley` from this server.

- GET /inline/config.json?site=CLIENT_ID[&runtime=micropython|pyodide]: a PyScript config (interpreter and the
  parley package's hashed files, absolute URLs) with a `parley` section (server, client id, widget CSS, WebSocket
  URL) that parley.mount()/parley.init() read. Public data, so CORS `*`.
- GET /inline/core.js and /inline/core.css: stable URLs redirecting to the hashed PyScript files; /inline/paint.js
  and /inline/widget.css: to the widget's first paint script (client/static/paint.js) and style.
- ApiCors: lets the site's page call /api/v1 with its bearer token from the token's site's registered origins
  only (no cookies: credentials are never allowed).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..oauth.cors import origin_allowed
from ..oauth.origins import origin_of
from .bundle import Bundle
from .page import DEFAULT_RUNTIME, RUNTIMES, load_site, pyscript_config

PUBLIC = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin"}
# the first paint's script and style are on a re-entry's critical path: their redirects are cached a little
STABLE = {**PUBLIC, "Cache-Control": "public, max-age=300"}
API_PREFIX = "/api/v1/"
API_METHODS = "GET, POST, PUT, DELETE"
API_HEADERS = "Authorization, Content-Type, DPoP"
EXPOSED = b"DPoP-Nonce"  # the widget keeps the server's fresh DPoP nonce from every answer
PUBLIC_GETS = ("/api/v1/invites/",)  # read without any credential by any page (an invite's preview)


def public_get(method: str, path: str, bearer: bool) -> bool:
    """A credential-less GET of a public answer (an invite's preview: the inviter's name and the page, for
    whoever holds the code): readable from any origin, as the preview is meant for pages not signed in yet."""
    return method == "GET" and not bearer and any(
        path.startswith(prefix) and "/" not in path[len(prefix):] for prefix in PUBLIC_GETS)


def inline_config(
    bundle: Bundle, public_url: str, runtime: str, site: dict[str, Any], dpop_nonce: str = ""
) -> dict[str, Any]:
    """The PyScript config of an inline page, with the `parley` section parley.mount() reads (and a fresh DPoP
    nonce, so the page's first proof needs no nonce round trip)."""
    config = pyscript_config(bundle, public_url, runtime)
    config["parley"] = {
        "server": public_url,
        "client_id": site["client_id"],
        "name": site["name"],
        "scopes": site["scopes"],
        "css": public_url + bundle.url("static/widget.css"),
        "ws_url": public_url.replace("http", "ws", 1) + "/v1/ws",
        "runtime": runtime,
        "dpop": public_url + bundle.url("static/dpop.js"),
        "dpop_nonce": dpop_nonce,
    }
    return config


def inline_router(bundle: Bundle) -> APIRouter:
    router = APIRouter()

    @router.get("/inline/config.json", include_in_schema=False)
    async def config(request: Request, site: str = "", runtime: str = DEFAULT_RUNTIME) -> Response:
        info = await load_site(request, site)
        if info is None:
            return JSONResponse({"error": "unknown_site", "error_description": "no site with this client id"},
                                status_code=404, headers=PUBLIC)
        runtime = runtime if runtime in RUNTIMES else DEFAULT_RUNTIME
        public_url: str = request.app.state.settings.public_url
        body = inline_config(bundle, public_url, runtime,
                             {"client_id": info.client_id, "name": info.name, "scopes": info.scopes},
                             request.app.state.dpop.nonce())
        return JSONResponse(body, headers={**PUBLIC, "Cache-Control": "no-cache"})

    @router.get("/inline/core.js", include_in_schema=False)
    async def core_js() -> Response:
        return RedirectResponse(bundle.url("pyscript/core.js"), status_code=302, headers=PUBLIC)

    @router.get("/inline/core.css", include_in_schema=False)
    async def core_css() -> Response:
        return RedirectResponse(bundle.url("pyscript/core.css"), status_code=302, headers=PUBLIC)

    @router.get("/inline/paint.js", include_in_schema=False)
    async def paint_js() -> Response:
        return RedirectResponse(bundle.url("static/paint.js"), status_code=302, headers=STABLE)

    @router.get("/inline/widget.css", include_in_schema=False)
    async def widget_css() -> Response:
        return RedirectResponse(bundle.url("static/widget.css"), status_code=302, headers=STABLE)

    return router


class ApiCors:
    """CORS for /api/v1 calls that carry a bearer token (a site's page in inline mode).

    Browsers never send cookies with these (credentials are not allowed), so another origin only ever acts with
    a token it was given. As on the relay's socket, a bearer request with an Origin is answered only from one of
    the token's site's registered origins or Parley's own origin: any other gets 403 (the API's error shape, no
    Access-Control-Allow-Origin) before the route runs. A token the store does not know (expired, revoked) is
    passed on: the API answers 401 with the CORS header so the page can see it must refresh. Preflights carry
    no token: they state methods and headers to any well-formed origin; the request itself is checked.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            cors = {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Methods": API_METHODS,
                    "Access-Control-Allow-Headers": API_HEADERS, "Access-Control-Max-Age": "600"}
            response = Response(status_code=204, headers={**(cors if origin_of(origin) == origin else {}),
                                                         "Vary": "Origin"})
            await response(scope, receive, send)
            return
        authorization = headers.get("authorization", "")
        scheme, _, token = authorization.partition(" ")
        bearer = scheme.lower() in ("bearer", "dpop")  # a token, sent as Bearer or DPoP-bound
        if bearer and not await _token_origin_allowed(scope, origin, token.strip()):
            refused = JSONResponse(
                {"error": {"code": "origin_not_allowed",
                           "message": f"Origin {origin} is not registered for this token's site"}},
                status_code=403, headers={"Vary": "Origin", "Cache-Control": "no-store"})
            await refused(scope, receive, send)
            return

        public = public_get(str(scope["method"]), str(scope["path"]), bearer)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start" and bearer:
                message["headers"] = [*message.get("headers", []), (b"access-control-allow-origin", origin.encode()),
                                      (b"access-control-expose-headers", EXPOSED), (b"vary", b"Origin")]
            elif message["type"] == "http.response.start" and public:
                message["headers"] = [*message.get("headers", []), (b"access-control-allow-origin", b"*")]
            await send(message)

        await self.app(scope, receive, send_with_cors)


async def _token_origin_allowed(scope: Scope, origin: str, token: str) -> bool:
    """Whether `origin` may use `token`: one of its site's origins or Parley's own (an unknown token: yes, the
    API answers 401 and does nothing)."""
    state = scope["app"].state
    store = state.store
    principal = await store.principal_for_access_token(token) if token else None
    if principal is None:
        return True
    site = await store.site_by_id(principal.site_id) if principal.site_id is not None else None
    return origin_allowed(origin, site, state.settings.public_url)


def install_api_cors(app: Any) -> None:
    """Add ApiCors to an app once (call before it starts)."""
    if not getattr(app.state, "api_cors", False):
        app.add_middleware(ApiCors)
        app.state.api_cors = True
