"""The RFC 8414 authorization server metadata document (/.well-known/oauth-authorization-server)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from ..settings import Settings
from .scopes import ALL_SCOPES


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


def metadata_router() -> APIRouter:
    """GET /.well-known/oauth-authorization-server (public, cached five minutes)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/.well-known/oauth-authorization-server")
    async def server_metadata(request: Request) -> Response:
        response = JSONResponse(metadata(request.app.state.settings))
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    return router
