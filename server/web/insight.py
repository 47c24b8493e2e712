"""/sites/{client_id}/insight: a site's insight for its owner, as charts and a table, CSV and JSON.

Only the site's owner gets anything: another signed-in person gets the same 404 as for a site that does not
exist; someone signed out is sent to sign in (the page) or gets 401 (the downloads).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from ..insight.charts import bar_chart
from ..insight.report import EXPLAINED, LABELS, METRICS, WINDOWS, InsightReport, as_csv, as_json, build_report
from ..store.records import SiteRecord
from . import sessions
from .pages import render, see_other
from .site_access import owned_site

NOT_FOUND = {"heading": "No such site", "message": "You have no site with this client id."}
PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def window(request: Request) -> int:
    """The number of days asked for (``?days=30``), one of the offered windows (default 7)."""
    asked = request.query_params.get("days", "")
    return int(asked) if asked.isdigit() and int(asked) in WINDOWS else WINDOWS[0]


async def _report(request: Request, site: SiteRecord) -> InsightReport:
    return await build_report(request.app.state.store, site.id, site.name, window(request))


def insight_router() -> APIRouter:
    """The insight page and its downloads."""
    router = APIRouter(include_in_schema=False)

    async def owner_site(request: Request, client_id: str) -> tuple[SiteRecord | None, bool]:
        """(the site if the signed-in visitor owns it, whether someone is signed in)."""
        signed_in = await sessions.current(request)
        if signed_in is None:
            return None, False
        return await owned_site(request, client_id, signed_in.user.id), True

    @router.get("/sites/{client_id}/insight")
    async def insight_page(request: Request, client_id: str) -> Response:
        site, signed_in = await owner_site(request, client_id)
        if not signed_in:
            return see_other(f"/account?next=/sites/{client_id}/insight")
        if site is None:
            return await render(request, "error.html", NOT_FOUND, status_code=404)
        report = await _report(request, site)
        dates = [row.date for row in report.rows]
        charts = [
            (name, LABELS[name], EXPLAINED[name],
             bar_chart(f"chart-{name}", f"{LABELS[name]} per day", dates, report.series(name)))
            for name in METRICS
        ]
        return await render(
            request, "insight.html",
            {"site": site, "report": report, "charts": charts, "metrics": METRICS, "labels": LABELS,
             "windows": WINDOWS},
            headers=PRIVATE,
        )

    @router.get("/sites/{client_id}/insight.csv")
    async def insight_csv(request: Request, client_id: str) -> Response:
        site, signed_in = await owner_site(request, client_id)
        if site is None:
            return Response("not found\n" if signed_in else "sign in\n", status_code=404 if signed_in else 401)
        report = await _report(request, site)
        name = f"parley-insight-{site.client_id}-{report.days}d.csv"
        return Response(as_csv(report), media_type="text/csv; charset=utf-8",
                        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'})

    @router.get("/sites/{client_id}/insight.json")
    async def insight_json(request: Request, client_id: str) -> Response:
        site, signed_in = await owner_site(request, client_id)
        if site is None:
            return JSONResponse({"error": "not_found" if signed_in else "sign_in"},
                                status_code=404 if signed_in else 401)
        return JSONResponse(as_json(await _report(request, site)), headers=PRIVATE)

    return router
