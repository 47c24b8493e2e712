"""The one ownership check of the site owners' console: every /sites/{client_id}... route goes through it, so
a signed-in user who does not own a site gets the same 404 as for a site that does not exist (no IDOR)."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from ..store.records import SiteRecord
from .pages import render


async def owned_site(request: Request, client_id: str, user_id: int) -> SiteRecord | None:
    """The site with this client id if the user is one of its (accepted) owners, else None."""
    store = request.app.state.store
    site: SiteRecord | None = await store.site_by_client_id(client_id)
    if site is None or not await store.is_site_owner(site.id, user_id):
        return None
    return site


async def no_such_site(request: Request) -> Response:
    """The answer for a site that does not exist or that the user does not own (the same for both)."""
    return await render(request, "error.html", {"heading": "No such site",
                        "message": "You have no site with this client id."}, status_code=404)
