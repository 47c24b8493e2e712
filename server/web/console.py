"""/sites: the site owners' console (register a site, get its snippet, edit its origins, delete it); the
widget settings and preview are in `console_widget`, the owners in `console_owners`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from ..oauth.scopes import ALL_SCOPES, scope_text
from ..oauth.sites import SiteInput, SiteInputError, validate_site
from ..store.clock import now_ms
from . import sessions
from .account import call_revoke_hook, csrf_failure
from .pages import render, see_other
from .site_access import site_to_change, site_to_show
from .site_page import choices, render_site_page

EMPTY_FORM: dict[str, Any] = {
    "name": "", "origins": "", "redirect_uris": "", "scopes": list(ALL_SCOPES), "theme": "auto",
    "runtime": "micropython",
}


def _form_values(form: FormData, defaults: dict[str, Any] = EMPTY_FORM) -> dict[str, Any]:
    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    return {
        "name": text("name"),
        "origins": text("origins"),
        "redirect_uris": text("redirect_uris"),
        "scopes": [v for v in form.getlist("scopes") if isinstance(v, str)],
        "theme": text("theme") or defaults["theme"],  # the site page sets these in its widget form
        "runtime": text("runtime") or defaults["runtime"],
    }


def _validate(values: dict[str, Any]) -> SiteInput:
    return validate_site(
        values["name"], values["origins"].splitlines(), values["scopes"],
        redirect_uris=values["redirect_uris"].splitlines(), theme=values["theme"], runtime=values["runtime"],
    )


async def _list_page(request: Request, user_id: int, form: dict[str, Any], status_code: int = 200,
                     error: str | None = None, notice: str | None = None) -> Response:
    store = request.app.state.store
    return await render(request, "sites.html", {
        "sites": await store.sites_of_user(user_id), "invitations": await store.sites_of_user(user_id, accepted=False),
        "form": form, "error": error, "notice": notice, **choices(),
    }, status_code=status_code)


def console_router() -> APIRouter:
    """Routes of the /sites console."""
    router = APIRouter(include_in_schema=False)

    @router.get("/sites")
    async def list_sites(request: Request) -> Response:
        signed_in = await sessions.current(request)
        if signed_in is None:
            return see_other("/account?next=/sites")
        notices = {"deleted": "Site deleted.", "joined": "You are now an owner of that site.",
                   "declined": "Invitation declined."}
        notice = next((text for key, text in notices.items() if request.query_params.get(key)), None)
        return await _list_page(request, signed_in.user.id, EMPTY_FORM, notice=notice)

    @router.post("/sites")
    async def add_site(request: Request) -> Response:
        form = await request.form()
        signed_in = await sessions.current(request)
        if signed_in is None or not await sessions.csrf_valid(request, str(form.get("csrf_token") or "")):
            return await csrf_failure(request)
        values = _form_values(form)
        try:
            data = _validate(values)
        except SiteInputError as exc:
            return await _list_page(request, signed_in.user.id, values, 400, " ".join(exc.messages))
        site = await request.app.state.store.create_site(
            name=data.name, origins=data.origins, scopes=scope_text(data.scopes),
            owner_id=signed_in.user.id, redirect_uris=data.redirect_uris, settings=data.settings,
        )
        return see_other(f"/sites/{site.client_id}?created=1")

    @router.get("/sites/{client_id}")
    async def show_site(request: Request, client_id: str) -> Response:
        site = await site_to_show(request, client_id, f"/sites/{client_id}")
        if isinstance(site, Response):
            return site
        notice = {"created": "Site registered: paste the snippet below into your pages.",
                  "saved": "Changes saved.", "widget": "Widget settings saved: visitors get them on their next page.",
                  "invited": "Invitation sent: it waits on their Your sites page.", "removed": "Owner removed."}
        shown = next((text for key, text in notice.items() if request.query_params.get(key)), None)
        return await render_site_page(request, site, notice=shown)

    @router.post("/sites/{client_id}")
    async def edit_site(request: Request, client_id: str) -> Response:
        found = await site_to_change(request, client_id)
        if isinstance(found, Response):
            return found
        site, _owner, form = found
        values = _form_values(form, {"theme": site.theme, "runtime": site.runtime})
        try:
            data = _validate(values)
        except SiteInputError as exc:
            return await render_site_page(request, site, form=values, status_code=400, error=" ".join(exc.messages))
        await request.app.state.store.update_site(
            site.id, name=data.name, origins=data.origins,
            redirect_uris=data.redirect_uris, scopes=" ".join(data.scopes),
            settings={**site.settings, **data.settings, "updated_at": now_ms()},
        )
        return see_other(f"/sites/{client_id}?saved=1")

    @router.post("/sites/{client_id}/delete")
    async def remove_site(request: Request, client_id: str) -> Response:
        found = await site_to_change(request, client_id)
        if isinstance(found, Response):
            return found
        site, _owner, _form = found
        users = await request.app.state.store.consenting_users(site.id)
        await request.app.state.store.delete_site(site.id)
        for user_id in users:
            await call_revoke_hook(request, user_id, site.id)
        return see_other("/sites?deleted=1")

    return router
