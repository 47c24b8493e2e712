"""/account: sign in, create an account, sign out, change password, the sites a user authorized,
download your data and delete your account."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from ..password_attempts import PasswordAttempts
from ..revocation import close_live_sockets, settings_changed
from ..security import app_limiter, client_ip
from ..store.errors import StoreError, WrongPassword
from . import sessions
from .continuation import continuation_targets
from .pages import error_page, render, safe_next, see_other

# Sign-ups per IP (failed password checks: server/password_attempts.py).
SIGNUPS = (10, 600.0)

ACCOUNT_DELETED = "Your account was deleted and you are signed out."


def sentence(message: str) -> str:
    """A store error message as a sentence for a page."""
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def form_text(form: FormData, name: str) -> str:
    """A text field of a posted form ("" when missing or a file)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def signin_page(
    request: Request, next_path: str, *, status_code: int = 200, error: str | None = None,
    username: str = "", headers: dict[str, str] | None = None, notice: str | None = None,
) -> Response:
    """The sign-in / create-account page, continuing to `next_path` afterwards."""
    return await render(
        request, "signin.html", {"next": next_path, "error": error, "username": username, "notice": notice},
        status_code=status_code, form_targets=await continuation_targets(request, next_path),
        opener_policy="unsafe-none", headers=headers,
    )


async def checked_form(request: Request) -> FormData | None:
    """The posted form if it carries a valid CSRF token, else None."""
    form = await request.form()
    return form if await sessions.csrf_valid(request, form_text(form, "csrf_token")) else None


async def csrf_failure(request: Request) -> Response:
    """The answer to a form post without a valid CSRF token."""
    return await error_page(
        request, "This form has expired", "Go back, reload the page and try again.", status_code=403
    )


async def too_many_wrong_passwords(request: Request, wait: int) -> Response:
    """The account page refusing a password check for `wait` seconds (429 with Retry-After)."""
    return await render(
        request, "account.html", {"error": f"Too many wrong passwords. Try again in {wait} seconds."},
        status_code=429, headers={"Retry-After": str(wait)},
    )


async def call_revoke_hook(request: Request, user_id: int, site_id: int | None) -> None:
    """Close the user's live sockets for the site (every site when `site_id` is None)."""
    await close_live_sockets(request.app, user_id, site_id)


def account_router() -> APIRouter:
    """Routes of the /account pages."""
    router = APIRouter(include_in_schema=False)

    @router.get("/account")
    async def account(request: Request, next: str | None = None) -> Response:
        signed_in = await sessions.current(request)
        if signed_in is None:
            notice = ACCOUNT_DELETED if request.query_params.get("deleted") else None
            return await signin_page(request, safe_next(next), notice=notice)
        if next and safe_next(next, ""):
            return see_other(safe_next(next))
        notice = "Your password was changed." if request.query_params.get("changed") else None
        return await render(request, "account.html", {"notice": notice})

    @router.post("/account/signin")
    async def signin(request: Request) -> Response:
        form = await checked_form(request)
        if form is None:
            return await csrf_failure(request)
        username = form_text(form, "username").strip().lower()[:64]
        next_path = safe_next(form_text(form, "next"))
        attempts = PasswordAttempts(request, username)
        wait = attempts.retry_after()
        if wait is not None:
            return await signin_page(
                request, next_path, status_code=429, username=username, headers={"Retry-After": str(wait)},
                error=f"Too many failed sign-ins. Try again in {wait} seconds.",
            )
        user = await request.app.state.store.authenticate(username, form_text(form, "password"))
        if user is None:
            attempts.failed()
            return await signin_page(
                request, next_path, status_code=400, username=username, error="Wrong username or password."
            )
        attempts.succeeded()
        response = see_other(next_path)
        await sessions.start(request, response, user)
        return response

    @router.post("/account/signup")
    async def signup(request: Request) -> Response:
        form = await checked_form(request)
        if form is None:
            return await csrf_failure(request)
        next_path = safe_next(form_text(form, "next"))
        wait = app_limiter(request.app, "signup", *SIGNUPS).hit(client_ip(request))
        if wait is not None:
            return await signin_page(
                request, next_path, status_code=429, headers={"Retry-After": str(wait)},
                error=f"Too many new accounts from your network. Try again in {wait} seconds.",
            )
        try:
            user = await request.app.state.store.create_user(
                form_text(form, "username"), form_text(form, "display_name"), form_text(form, "password")
            )
        except StoreError as exc:
            return await signin_page(request, next_path, status_code=400, error=sentence(exc.message))
        response = see_other(next_path)
        await sessions.start(request, response, user)
        return response

    @router.post("/account/signout")
    async def signout(request: Request) -> Response:
        form = await checked_form(request)
        if form is None:
            return await csrf_failure(request)
        response = see_other("/account")
        await sessions.end(request, response)
        return response

    @router.post("/account/password")
    async def change_password(request: Request) -> Response:
        form = await checked_form(request)
        if form is None:
            return await csrf_failure(request)
        signed_in = await sessions.current(request)
        if signed_in is None:
            return see_other("/account")
        attempts = PasswordAttempts(request, signed_in.user.username)
        wait = attempts.retry_after()
        if wait is not None:
            return await too_many_wrong_passwords(request, wait)
        try:
            await request.app.state.store.change_password(
                signed_in.user.id, form_text(form, "current_password"), form_text(form, "new_password")
            )
        except WrongPassword as exc:
            attempts.failed()
            return await render(request, "account.html", {"error": sentence(exc.message)}, status_code=400)
        except StoreError as exc:
            return await render(request, "account.html", {"error": sentence(exc.message)}, status_code=400)
        response = see_other("/account?changed=1")
        await sessions.end(request, response, everywhere=True)
        await sessions.start(request, response, signed_in.user)
        return response

    @router.get("/account/sites")
    async def authorized_sites(request: Request) -> Response:
        signed_in = await sessions.current(request)
        if signed_in is None:
            return see_other("/account?next=/account/sites")
        consents = await request.app.state.store.consents_of_user(signed_in.user.id)
        notice = "Access revoked." if request.query_params.get("revoked") else None
        return await render(request, "account_sites.html", {"consents": consents, "notice": notice})

    @router.get("/account/settings")
    async def account_settings(request: Request) -> Response:
        signed_in = await sessions.current(request)
        if signed_in is None:
            return see_other("/account?next=/account/settings")
        found = await request.app.state.store.account_settings(signed_in.user.id)
        notice = "Your choices are saved." if request.query_params.get("saved") else None
        return await render(request, "account_settings.html", {"settings": found, "notice": notice})

    @router.post("/account/settings")
    async def save_settings(request: Request) -> Response:
        """Status, sound and the privacy choices (findable, requests), and per authorized site hiding and
        page-title sharing (unchecked boxes: off)."""
        form = await checked_form(request)
        if form is None:
            return await csrf_failure(request)
        signed_in = await sessions.current(request)
        if signed_in is None:
            return see_other("/account")
        store = request.app.state.store
        uid = signed_in.user.id
        try:
            await store.update_settings(
                uid,
                status=form_text(form, "status"),
                sound=form_text(form, "sound"),
                findable=form_text(form, "findable") or None,
                requests=form_text(form, "requests") or None,
            )
            for site in (await store.account_settings(uid)).sites:
                await store.update_settings(
                    uid,
                    site_id=site.site_id,
                    hidden=f"hidden_{site.site_id}" in form,
                    share_title=f"share_title_{site.site_id}" in form,
                )
        except StoreError as exc:
            found = await store.account_settings(uid)
            return await render(
                request, "account_settings.html", {"settings": found, "error": sentence(exc.message)}, status_code=400
            )
        await settings_changed(request.app, uid)
        return see_other("/account/settings?saved=1")

    @router.post("/account/sites/{site_id}/revoke")
    async def revoke(request: Request, site_id: int) -> Response:
        form = await checked_form(request)
        if form is None:
            return await csrf_failure(request)
        signed_in = await sessions.current(request)
        if signed_in is None:
            return see_other("/account")
        await request.app.state.store.revoke_consent(signed_in.user.id, site_id)
        await call_revoke_hook(request, signed_in.user.id, site_id)
        return see_other("/account/sites?revoked=1")

    @router.get("/account/export")
    async def export(request: Request) -> Response:
        signed_in = await sessions.current(request)
        if signed_in is None:
            return see_other("/account?next=/account/export")
        data = await request.app.state.store.export_user(signed_in.user.id)
        return export_response(signed_in.user.username, data)

    @router.post("/account/delete")
    async def delete_account(request: Request) -> Response:
        form = await checked_form(request)
        if form is None:
            return await csrf_failure(request)
        signed_in = await sessions.current(request)
        if signed_in is None:
            return see_other("/account")
        user = signed_in.user
        attempts = PasswordAttempts(request, user.username)
        wait = attempts.retry_after()
        if wait is not None:
            return await too_many_wrong_passwords(request, wait)
        try:
            await request.app.state.store.delete_user(user.id, password=form_text(form, "password"))
        except WrongPassword:
            attempts.failed()
            return await render(
                request, "account.html",
                {"error": "That password is wrong, so your account was not deleted."}, status_code=400,
            )
        except StoreError as exc:
            return await render(request, "account.html", {"error": sentence(exc.message)}, status_code=400)
        await call_revoke_hook(request, user.id, None)
        response = see_other("/account?deleted=1")
        await sessions.end(request, response, everywhere=True)
        return response

    return router


def export_response(username: str, data: dict[str, Any]) -> Response:
    """The user's data as a JSON download that is never cached, sniffed or shown in a frame."""
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    return Response(body, media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="parley-{username}.json"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
        "Referrer-Policy": "no-referrer",
    })
