"""/me: the signed-in user, data export and account deletion."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ..password_attempts import PasswordAttempts
from ..revocation import close_live_sockets, settings_changed
from ..store import AccountSettings
from ..store.errors import WrongPassword
from ..store.records import Principal
from .deps import ProfileUser, SessionUser, StoreDep
from .errors import ApiError
from .schemas import DeleteMeIn, ExportOut, MeOut, SettingsIn, SettingsOut

router = APIRouter(tags=["me"])


@router.get("/me", response_model=MeOut)
async def get_me(principal: ProfileUser, store: StoreDep) -> MeOut:
    """Your profile (scope `profile`)."""
    user = await store.get_user(principal.user_id)
    if user is None or user.deleted:
        raise ApiError(401, "unauthenticated", "this account no longer exists")
    return MeOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        created_at=user.created_at,
        scopes=sorted(principal.scopes),
    )


def settings_out(found: AccountSettings, principal: Principal) -> SettingsOut:
    """The choices as the caller may see them: the privacy ones (findable, requests) with the scope people."""
    out = SettingsOut.of(found)
    if principal.allows("people"):
        out.findable, out.requests = found.findable, found.requests  # type: ignore[assignment]
    return out


@router.get("/me/settings", response_model=SettingsOut, response_model_exclude_none=True)
async def get_settings(principal: ProfileUser, store: StoreDep) -> SettingsOut:
    """Your choices (scope `profile`): status and sound, and per site hiding and page-title sharing; with the
    scope `people`, also who finds you (findable) and who may send you requests (requests)."""
    return settings_out(await store.account_settings(principal.user_id, principal.site_id), principal)


@router.patch("/me/settings", response_model=SettingsOut, response_model_exclude_none=True)
async def patch_settings(body: SettingsIn, request: Request, principal: ProfileUser, store: StoreDep) -> SettingsOut:
    """Change some of your choices (scope `profile`); your live sockets on every server process follow at once.
    A token changes per-site choices of its own site only."""
    site_id = body.site_id
    if (body.findable is not None or body.requests is not None) and not principal.allows("people"):
        raise ApiError(403, "insufficient_scope", "findable and requests need the scope 'people'")
    if principal.site_id is not None:
        if site_id is not None and site_id != principal.site_id:
            raise ApiError(404, "not_found", "you have not authorized this site")
        site_id = principal.site_id
    found = await store.update_settings(
        principal.user_id,
        status=body.status,
        sound=body.sound,
        site_id=site_id,
        hidden=body.hidden,
        share_title=body.share_title,
        findable=body.findable,
        requests=body.requests,
    )
    await settings_changed(request.app, principal.user_id)
    return settings_out(
        found if principal.site_id is not None else await store.account_settings(principal.user_id), principal
    )


@router.get("/me/export", response_model=ExportOut)
async def export_me(principal: SessionUser, store: StoreDep) -> ExportOut:
    """All your data as JSON (Parley's own pages only)."""
    return ExportOut.model_validate(await store.export_user(principal.user_id))


@router.delete("/me", status_code=204, response_class=Response)
async def delete_me(body: DeleteMeIn, request: Request, principal: SessionUser, store: StoreDep) -> Response:
    """Delete your account after confirming your password (Parley's own pages only). Wrong passwords count
    toward the sign-in limit; over it, 429 with Retry-After."""
    user = await store.get_user(principal.user_id)
    attempts = PasswordAttempts(request, user.username if user else str(principal.user_id))
    wait = attempts.retry_after()
    if wait is not None:
        message = f"too many wrong passwords: try again in {wait} seconds"
        raise ApiError(429, "rate_limited", message, {"Retry-After": str(wait)})
    try:
        await store.delete_user(principal.user_id, password=body.password)
    except WrongPassword:
        attempts.failed()
        raise
    await close_live_sockets(request.app, principal.user_id, None)
    return Response(status_code=204)
