"""The one ownership check of the site owners' console: every /sites/{client_id}... route goes through it, so
a signed-in user who does not own a site gets the same 404 as for a site that does not exist (no IDOR)."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import FormData
from starlette.responses import Response

from ..store.records import SiteRecord
from . import sessions
from .account import csrf_failure
from .pages import render, see_other


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


async def site_to_show(request: Request, client_id: str, path: str) -> SiteRecord | Response:
    """A console page of a site (GET at ``path``): the site if the signed-in user owns it; otherwise the answer
    to send instead (sign in first, then back to ``path``; or the 404 of an unknown site)."""
    signed_in = await sessions.current(request)
    if signed_in is None:
        return see_other(f"/account?next={path}")
    site = await owned_site(request, client_id, signed_in.user.id)
    return site if site is not None else await no_such_site(request)


async def site_to_change(request: Request, client_id: str) -> tuple[SiteRecord, int, FormData] | Response:
    """A console form posted about a site: (the site, the owner's user id, the form) when the poster is signed
    in with a valid CSRF token and owns it; otherwise the answer to send instead (403 expired form, or 404)."""
    form = await request.form()
    signed_in = await sessions.current(request)
    if signed_in is None or not await sessions.csrf_valid(request, str(form.get("csrf_token") or "")):
        return await csrf_failure(request)
    site = await owned_site(request, client_id, signed_in.user.id)
    if site is None:
        return await no_such_site(request)
    return site, signed_in.user.id, form
