"""CORS for the token and revocation endpoints: only the requesting client's registered origins (and
Parley's own origin) get an answer, decided on the real request, where the client is known.

A form POST is a "simple" cross-origin request that browsers send without a preflight, so the check must
happen on the request itself: a request from another origin is refused before any grant is processed.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from ..store.records import SiteRecord
from .origins import origin_of

ALLOWED_HEADERS = "Content-Type, Authorization, DPoP"
EXPOSED_HEADERS = "DPoP-Nonce"  # the widget reads the server's fresh nonce from every answer


def origin_allowed(origin: str | None, site: SiteRecord | None, public_url: str) -> bool:
    """Whether a request from `origin` may be answered for `site` (no Origin header: not a CORS request)."""
    if origin is None:
        return True
    if origin == origin_of(public_url):
        return True
    return site is not None and origin in site.origins


def add_cors(response: Response, origin: str | None) -> Response:
    """Expose `response` to `origin` (call only after origin_allowed)."""
    response.headers["Vary"] = "Origin"
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def preflight(origin: str | None) -> Response:
    """Answer a preflight: it carries no client id, so it only states methods; the POST is checked itself."""
    response = Response(status_code=204)
    response.headers["Vary"] = "Origin"
    if origin is not None and origin_of(origin) == origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "POST"
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
    return response


def refused(origin: str) -> Response:
    """The answer to a request from an origin the client did not register (no CORS headers)."""
    response = JSONResponse(
        {"error": "invalid_request", "error_description": f"Origin {origin} is not registered for this client"},
        status_code=403,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Origin"
    return response
