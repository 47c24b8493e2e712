"""/sites/{client_id}/moderation: a site's open reports (who reported whom, the message's copy, when), its bans
and the moderation log. Owners ban a reported person from the site's widget (their sockets on this site close
at once in every process), dismiss a report, lift a ban. Every route goes through ``owned_site`` (another
owner's site is 404) and every form carries the session's CSRF token; each action is logged by the store."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from starlette.responses import Response

from .. import revocation
from ..store.records import SiteRecord
from .pages import render, see_other
from .site_access import site_to_change, site_to_show


def when(ms: int) -> str:
    """A stored time as UTC text for the page."""
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ms / 1000))


async def moderation_page(request: Request, site: SiteRecord, *, error: str = "", status_code: int = 200) -> Response:
    """The moderation page of a site the visitor owns."""
    store = request.app.state.store
    return await render(request, "moderation.html", {
        "site": site, "reports": await store.open_reports(site.id), "bans": await store.site_bans(site.id),
        "log": await store.moderation_log(site.id), "when": when, "problem": error,
        "done": request.query_params.get("done", ""),
    }, status_code=status_code)


def moderation_router() -> APIRouter:
    """The moderation page and its three forms."""
    router = APIRouter(include_in_schema=False)

    @router.get("/sites/{client_id}/moderation")
    async def page(request: Request, client_id: str) -> Response:
        site = await site_to_show(request, client_id, f"/sites/{client_id}/moderation")
        if isinstance(site, Response):
            return site
        return await moderation_page(request, site)

    @router.post("/sites/{client_id}/moderation/reports/{report_id}/ban")
    async def ban(request: Request, client_id: str, report_id: int) -> Response:
        found = await site_to_change(request, client_id)
        if isinstance(found, Response):
            return found
        site, user_id, _form = found
        store = request.app.state.store
        report = await store.site_report(site.id, report_id)
        if report is None:
            return await moderation_page(request, site, error="No such report.", status_code=404)
        if report.reported.id == user_id:
            return await moderation_page(request, site, error="You cannot ban yourself.", status_code=400)
        await store.ban_from_site(site.id, report.reported.id, user_id, f"report #{report.id}: {report.reason}")
        await revocation.banned(request.app, report.reported.id, site.id)
        return see_other(f"/sites/{client_id}/moderation?done=banned")

    @router.post("/sites/{client_id}/moderation/reports/{report_id}/dismiss")
    async def dismiss(request: Request, client_id: str, report_id: int) -> Response:
        found = await site_to_change(request, client_id)
        if isinstance(found, Response):
            return found
        site, user_id, _form = found
        if not await request.app.state.store.dismiss_report(site.id, report_id, user_id):
            return await moderation_page(request, site, error="No such open report.", status_code=404)
        return see_other(f"/sites/{client_id}/moderation?done=dismissed")

    @router.post("/sites/{client_id}/moderation/bans/{banned_id}/lift")
    async def lift(request: Request, client_id: str, banned_id: int) -> Response:
        found = await site_to_change(request, client_id)
        if isinstance(found, Response):
            return found
        site, user_id, _form = found
        if not await request.app.state.store.lift_ban(site.id, banned_id, user_id):
            return await moderation_page(request, site, error="This person is not banned here.", status_code=404)
        return see_other(f"/sites/{client_id}/moderation?done=lifted")

    return router
