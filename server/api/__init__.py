"""The JSON API under /api/v1: me, friends, conversations and groups, messages and read positions.

app.include_router(api_router(), prefix="/api/v1")
install_error_handlers(app)
"""

from __future__ import annotations

from fastapi import APIRouter

from . import conversations, files, friends, groups, invites, me, messages, reports, search
from .errors import ERROR_RESPONSES, install_error_handlers


def api_router(prefix: str = "/api/v1") -> APIRouter:
    """Every API route under `prefix`; the error responses are documented on each operation."""
    router = APIRouter(prefix=prefix, responses=ERROR_RESPONSES)
    router.include_router(me.router)
    router.include_router(friends.router)
    router.include_router(conversations.router)
    router.include_router(groups.router)
    router.include_router(messages.router)
    router.include_router(invites.router)
    router.include_router(search.router)
    router.include_router(files.router)
    router.include_router(reports.router)
    return router


__all__ = ["api_router", "install_error_handlers"]
