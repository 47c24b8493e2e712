"""Parley as an OAuth 2.0 authorization server for registered sites (authlib core, Starlette adapter).

The JSON endpoints live here (token, revocation, metadata); the authorization endpoint's pages (sign-in
and consent) are Parley pages, in ``server.web.authorize``.
"""

from __future__ import annotations

from fastapi import APIRouter

from .metadata import metadata_router
from .token_routes import token_router


def oauth_router() -> APIRouter:
    """The token and revocation endpoints and the metadata document."""
    router = APIRouter(include_in_schema=False)
    router.include_router(metadata_router())
    router.include_router(token_router())
    return router


__all__ = ["oauth_router"]
