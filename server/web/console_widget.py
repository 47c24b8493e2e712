"""/sites/{client_id}/widget and /preview: the site's widget settings (look, language, sound, features,
extension modules) and the live preview of the real widget with draft settings, before they are saved."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from ..oauth.origins import origin_of
from ..oauth.sites import RUNTIMES, THEMES
from ..oauth.widget_settings import WidgetInputError, accent_of, offset_of, validate_widget
from ..store.clock import now_ms
from .extension_check import check_extensions
from .pages import render, see_other
from .site_access import site_to_change, site_to_show
from .site_page import render_site_page

WIDGET_FIELDS = ("theme", "runtime", "accent", "side", "offset", "lang", "sound", "extensions")


def widget_form(form: FormData) -> dict[str, Any]:
    """The widget form's values as typed (strings; `features` the list of boxes left ticked)."""
    values: dict[str, Any] = {name: str(form.get(name) or "") for name in WIDGET_FIELDS}
    values["features"] = [str(v) for v in form.getlist("features")]
    return values


def check_look(values: dict[str, Any]) -> dict[str, str]:
    """Theme and runtime (the rest is `validate_widget`'s): field -> message."""
    errors = {}
    if values["theme"] not in THEMES:
        errors["theme"] = f"The theme must be one of {', '.join(THEMES)}."
    if values["runtime"] not in RUNTIMES:
        errors["runtime"] = f"The runtime must be one of {', '.join(RUNTIMES)}."
    return errors


def preview_snippet(public_url: str, client_id: str, query: Any) -> str:
    """The real snippet for the preview page, with the draft settings as data-* attributes (each checked:
    a bad one is left out, so the site's saved value shows) and the draft features and extensions for the
    frame in `data-preview` (the frame honours it only on Parley's own origin)."""
    attrs = {"site": client_id}
    if query.get("theme") in THEMES:
        attrs["theme"] = query["theme"]
    if query.get("runtime") in RUNTIMES:
        attrs["runtime"] = query["runtime"]
    if query.get("side") in ("left", "right"):
        attrs["side"] = query["side"]
    if query.get("sound") in ("on", "off"):
        attrs["sound"] = query["sound"]
    if query.get("lang"):
        attrs["lang"] = query["lang"]
    for name, check in (("accent", accent_of), ("offset", offset_of)):
        try:
            value = str(check(query.get(name) or ""))
        except ValueError:
            continue
        if value:
            attrs[name] = value
    draft = [("features", query.get("features") or ""), *[("ext", url) for url in query.getlist("ext")]]
    attrs["preview"] = urlencode(draft)
    text = " ".join(f'data-{name}="{html.escape(value)}"' for name, value in attrs.items())
    return f'<script src="{html.escape(public_url)}/embed.js" {text}></script>'


def preview_headers(public_url: str) -> dict[str, str]:
    """The preview page's policy: framed only by Parley's own pages (the console), the loader and the widget
    frame from Parley's origin, the loader's inline launcher styles, nothing else."""
    own = origin_of(public_url) or "'self'"
    csp = "; ".join([
        "default-src 'none'", f"script-src {own}", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
        f"frame-src {own}", "form-action 'none'", "frame-ancestors 'self'", "base-uri 'none'",
    ])
    return {"Content-Security-Policy": csp, "X-Frame-Options": "SAMEORIGIN"}


def widget_router() -> APIRouter:
    """POST /sites/{client_id}/widget (save) and GET /sites/{client_id}/preview (the preview host page)."""
    router = APIRouter(include_in_schema=False)

    @router.post("/sites/{client_id}/widget")
    async def save_widget(request: Request, client_id: str) -> Response:
        found = await site_to_change(request, client_id)
        if isinstance(found, Response):
            return found
        site, _owner, form = found
        values = widget_form(form)
        errors = check_look(values)
        data: dict[str, Any] = {}
        try:
            data = validate_widget(values, site.origins)
        except WidgetInputError as exc:
            errors.update(exc.errors)
        if not errors and data["extensions"]:
            public = origin_of(request.app.state.settings.public_url) or ""
            problems = await check_extensions(data["extensions"], public)
            if problems:
                errors["extensions"] = " ".join(f"{url}: {why}" for url, why in problems.items())
        if errors:
            return await render_site_page(request, site, widget=values, widget_errors=errors, status_code=400,
                                          error="The widget settings were not saved: see the fields marked below.")
        settings = {**site.settings, **data, "theme": values["theme"], "runtime": values["runtime"],
                    "updated_at": now_ms()}
        await request.app.state.store.update_site(site.id, settings=settings)
        return see_other(f"/sites/{client_id}?widget=1#widget-title")

    @router.get("/sites/{client_id}/preview")
    async def preview(request: Request, client_id: str) -> Response:
        site = await site_to_show(request, client_id, f"/sites/{client_id}")
        if isinstance(site, Response):
            return site
        public_url: str = request.app.state.settings.public_url
        return await render(request, "preview.html", {
            "site": site, "snippet": preview_snippet(public_url, site.client_id, request.query_params),
        }, headers=preview_headers(public_url))

    return router
