"""/sites: the site owners' console (register a site, get its snippet, edit its origins, delete it)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from ..oauth.scopes import ALL_SCOPES, SCOPE_DESCRIPTIONS, scope_text
from ..oauth.sites import RUNTIMES, THEMES, SiteInput, SiteInputError, snippet, validate_site
from ..store.clock import now_ms
from ..store.records import SiteRecord
from . import sessions
from .account import call_revoke_hook, csrf_failure
from .pages import render, see_other

EMPTY_FORM: dict[str, Any] = {
    "name": "", "origins": "", "redirect_uris": "", "scopes": list(ALL_SCOPES), "theme": "auto",
    "runtime": "micropython",
}


def _form_values(form: FormData) -> dict[str, Any]:
    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    return {
        "name": text("name"),
        "origins": text("origins"),
        "redirect_uris": text("redirect_uris"),
        "scopes": [v for v in form.getlist("scopes") if isinstance(v, str)],
        "theme": text("theme") or "auto",
        "runtime": text("runtime") or "micropython",
    }


def _site_values(site: SiteRecord) -> dict[str, Any]:
    return {
        "name": site.name,
        "origins": "\n".join(site.origins),
        "redirect_uris": "\n".join(site.redirect_uris),
        "scopes": site.scopes.split(),
        "theme": site.theme,
        "runtime": site.runtime,
    }


def _validate(values: dict[str, Any]) -> SiteInput:
    return validate_site(
        values["name"], values["origins"].splitlines(), values["scopes"],
        redirect_uris=values["redirect_uris"].splitlines(), theme=values["theme"], runtime=values["runtime"],
    )


def _choices() -> dict[str, Any]:
    return {"scope_choices": list(SCOPE_DESCRIPTIONS.items()), "themes": THEMES, "runtimes": RUNTIMES}


async def owned_site(request: Request, client_id: str, user_id: int) -> SiteRecord | None:
    """The site with this client id if ``user_id`` owns it (None for anyone else, as for no such site)."""
    site = await request.app.state.store.site_by_client_id(client_id)
    return site if site is not None and site.owner_id == user_id else None


def console_router() -> APIRouter:
    """Routes of the /sites console."""
    router = APIRouter(include_in_schema=False)

    async def site_page(
        request: Request, site: SiteRecord, values: dict[str, Any], status_code: int = 200,
        error: str | None = None, notice: str | None = None,
    ) -> Response:
        settings = request.app.state.settings
        return await render(
            request, "site.html",
            {"site": site, "form": values, "snippet": snippet(settings.public_url, site.client_id),
             "error": error, "notice": notice, **_choices()},
            status_code=status_code,
        )

    @router.get("/sites")
    async def list_sites(request: Request) -> Response:
        signed_in = await sessions.current(request)
        if signed_in is None:
            return see_other("/account?next=/sites")
        sites = await request.app.state.store.sites_of_owner(signed_in.user.id)
        notice = "Site deleted." if request.query_params.get("deleted") else None
        return await render(
            request, "sites.html", {"sites": sites, "form": EMPTY_FORM, "notice": notice, **_choices()}
        )

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
            sites = await request.app.state.store.sites_of_owner(signed_in.user.id)
            return await render(
                request, "sites.html",
                {"sites": sites, "form": values, "error": " ".join(exc.messages), **_choices()},
                status_code=400,
            )
        site = await request.app.state.store.create_site(
            name=data.name, origins=data.origins, scopes=scope_text(data.scopes),
            owner_id=signed_in.user.id, redirect_uris=data.redirect_uris, settings=data.settings,
        )
        return see_other(f"/sites/{site.client_id}?created=1")

    @router.get("/sites/{client_id}")
    async def show_site(request: Request, client_id: str) -> Response:
        signed_in = await sessions.current(request)
        if signed_in is None:
            return see_other(f"/account?next=/sites/{client_id}")
        site = await owned_site(request, client_id, signed_in.user.id)
        if site is None:
            return await render(request, "error.html", {"heading": "No such site",
                                "message": "You have no site with this client id."}, status_code=404)
        notice = {"created": "Site registered: paste the snippet below into your pages.",
                  "saved": "Changes saved."}
        shown = next((text for key, text in notice.items() if request.query_params.get(key)), None)
        return await site_page(request, site, _site_values(site), notice=shown)

    @router.post("/sites/{client_id}")
    async def edit_site(request: Request, client_id: str) -> Response:
        form = await request.form()
        signed_in = await sessions.current(request)
        if signed_in is None or not await sessions.csrf_valid(request, str(form.get("csrf_token") or "")):
            return await csrf_failure(request)
        site = await owned_site(request, client_id, signed_in.user.id)
        if site is None:
            return see_other("/sites")
        values = _form_values(form)
        try:
            data = _validate(values)
        except SiteInputError as exc:
            return await site_page(request, site, values, status_code=400, error=" ".join(exc.messages))
        await request.app.state.store.update_site(
            site.id, name=data.name, origins=data.origins,
            redirect_uris=data.redirect_uris, scopes=" ".join(data.scopes),
            settings={**site.settings, **data.settings, "updated_at": now_ms()},
        )
        return see_other(f"/sites/{client_id}?saved=1")

    @router.post("/sites/{client_id}/delete")
    async def remove_site(request: Request, client_id: str) -> Response:
        form = await request.form()
        signed_in = await sessions.current(request)
        if signed_in is None or not await sessions.csrf_valid(request, str(form.get("csrf_token") or "")):
            return await csrf_failure(request)
        site = await owned_site(request, client_id, signed_in.user.id)
        if site is not None:
            users = await request.app.state.store.consenting_users(site.id)
            await request.app.state.store.delete_site(site.id)
            for user_id in users:
                await call_revoke_hook(request, user_id, site.id)
        return see_other("/sites?deleted=1")

    return router
