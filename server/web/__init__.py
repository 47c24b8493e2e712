"""Parley's own pages: accounts (/account), friends (/account/friends), the OAuth sign-in and consent pages
(/oauth/authorize, /oauth/callback) and the site owners' console (/sites)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from .account import account_router
from .authorize import authorize_router
from .console import console_router
from .friends import friends_router
from .insight import insight_router
from .pages import STYLESHEET


def web_router() -> APIRouter:
    """Every account and console page, plus their one stylesheet at /web/pages.css."""
    router = APIRouter(include_in_schema=False)
    router.include_router(account_router())
    router.include_router(authorize_router())
    router.include_router(friends_router())
    router.include_router(console_router())
    router.include_router(insight_router())
    stylesheet = STYLESHEET.read_bytes()

    @router.get("/web/pages.css")
    async def pages_css() -> Response:
        return Response(
            stylesheet, media_type="text/css",
            headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    return router
