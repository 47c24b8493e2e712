"""Parley's own pages: accounts (/account), friends (/account/friends), the OAuth sign-in and consent pages
(/oauth/authorize, /oauth/callback) and the site owners' console (/sites: sites, widget settings and preview,
owners, moderation)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from .account import account_router
from .authorize import authorize_router
from .console import console_router
from .console_moderation import moderation_router
from .console_owners import owners_router
from .console_widget import widget_router
from .friends import friends_router
from .insight import insight_router
from .pages import HERE, STYLESHEET

SCRIPTS = ("console.js", "preview.js")  # the console's live preview (site page) and the preview page's script


def web_router() -> APIRouter:
    """Every account and console page, plus their one stylesheet at /web/pages.css and the console's scripts."""
    router = APIRouter(include_in_schema=False)
    router.include_router(account_router())
    router.include_router(authorize_router())
    router.include_router(friends_router())
    router.include_router(console_router())
    router.include_router(insight_router())
    router.include_router(widget_router())
    router.include_router(owners_router())
    router.include_router(moderation_router())
    stylesheet = STYLESHEET.read_bytes()
    scripts = {name: (HERE / "static" / name).read_bytes() for name in SCRIPTS}

    @router.get("/web/pages.css")
    async def pages_css() -> Response:
        return Response(
            stylesheet, media_type="text/css",
            headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    @router.get("/web/{name}.js")
    async def page_script(name: str) -> Response:
        body = scripts.get(name + ".js")
        if body is None:
            return Response(status_code=404)
        return Response(
            body, media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    return router
