"""/me: the signed-in user, data export and account deletion."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ..password_attempts import PasswordAttempts
from ..revocation import close_live_sockets
from ..store.errors import WrongPassword
from .deps import ProfileUser, SessionUser, StoreDep
from .errors import ApiError
from .schemas import DeleteMeIn, ExportOut, MeOut

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
