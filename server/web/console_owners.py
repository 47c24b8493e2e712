"""/sites/{client_id}/owners: several owners per site. An owner invites another user by username; the
invitation waits on that user's /sites page until accepted or declined. Any owner may remove another owner
or an invitation, never the last owner."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from . import sessions
from .account import csrf_failure
from .pages import see_other
from .site_access import no_such_site, owned_site
from .site_page import render_site_page


def owners_router() -> APIRouter:
    """Invite, remove; accept or decline an invitation."""
    router = APIRouter(include_in_schema=False)

    async def signed_in_user(request: Request) -> tuple[int | None, dict[str, str]]:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        signed_in = await sessions.current(request)
        if signed_in is None or not await sessions.csrf_valid(request, form.get("csrf_token", "")):
            return None, form
        return signed_in.user.id, form

    @router.post("/sites/{client_id}/owners")
    async def invite_owner(request: Request, client_id: str) -> Response:
        user_id, form = await signed_in_user(request)
        if user_id is None:
            return await csrf_failure(request)
        site = await owned_site(request, client_id, user_id)
        if site is None:
            return await no_such_site(request)
        store = request.app.state.store
        username = form.get("username", "").strip().lstrip("@")
        invited = await store.get_user_by_username(username) if username else None
        if invited is None or invited.deleted_at is not None:
            problem = f"No Parley user is called {username!r}." if username else "Give the username of an account."
        elif not await store.add_site_owner(site.id, invited.id, invited_by=user_id, accepted=False):
            problem = f"{username} already owns this site or is invited."
        else:
            return see_other(f"/sites/{client_id}?invited=1#owners-title")
        return await render_site_page(request, site, owner_error=problem, status_code=400)

    @router.post("/sites/{client_id}/owners/{owner_id}/remove")
    async def remove_owner(request: Request, client_id: str, owner_id: int) -> Response:
        user_id, _form = await signed_in_user(request)
        if user_id is None:
            return await csrf_failure(request)
        site = await owned_site(request, client_id, user_id)
        if site is None:
            return await no_such_site(request)
        if not await request.app.state.store.remove_site_owner(site.id, owner_id):
            return await render_site_page(request, site, status_code=400,
                                          owner_error="A site keeps at least one owner: invite another first.")
        return see_other("/sites" if owner_id == user_id else f"/sites/{client_id}?removed=1#owners-title")

    @router.post("/sites/{client_id}/invitation")
    async def answer_invitation(request: Request, client_id: str) -> Response:
        user_id, form = await signed_in_user(request)
        if user_id is None:
            return await csrf_failure(request)
        store = request.app.state.store
        site = await store.site_by_client_id(client_id)
        if site is None:
            return await no_such_site(request)
        if form.get("answer") == "accept":
            if not await store.accept_site_invitation(site.id, user_id):
                return await no_such_site(request)  # no invitation for this user: the site stays unknown
            return see_other(f"/sites/{client_id}")
        if site.id not in {pending.id for pending in await store.sites_of_user(user_id, accepted=False)}:
            return await no_such_site(request)
        await store.remove_site_owner(site.id, user_id)
        return see_other("/sites?declined=1")

    return router
