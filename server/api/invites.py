"""/invites: invite links to a page (scope `people`), and a signed-out preview of one.

A code is the invite's id and an HMAC of it under the server's secret key (``server/invite_codes.py``): the
store keeps ids only. Accepting one makes you friends with the inviter at once and opens your direct
conversation; both people's live sockets hear of it in every process (``revocation.friendship_changed``).
A code that is unknown, forged, expired, revoked or used answers 404 alike.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from parley import protocol as P

from ..invite_codes import InviteCodes
from ..revocation import friendship_changed
from ..store import InviteRecord
from ..store.records import Principal
from .deps import StoreDep, require_scope
from .errors import ApiError
from .schemas import InviteAcceptOut, InviteIn, InviteOut, InvitePreviewOut, InvitesOut, UserOut

router = APIRouter(tags=["invites"])
PeopleUser = Annotated[Principal, Depends(require_scope("people"))]
Code = Annotated[str, Path(min_length=1, max_length=64)]


def codes(request: Request) -> InviteCodes:
    found: InviteCodes = request.app.state.invite_codes
    return found


def invite_id(request: Request, code: str) -> int:
    """The invite a code names; 404 for one the server did not make."""
    found = codes(request).invite_id(code)
    if found is None:
        raise ApiError(404, "not_found", "no such invite (it may have expired or been revoked)")
    return found


def invite_out(request: Request, invite: InviteRecord) -> InviteOut:
    return InviteOut(
        code=codes(request).code(invite.id), url=invite.url, created_at=invite.created_at, expires_at=invite.expires_at
    )


def page_url(url: str) -> str:
    """An invite's page by the relay's URL rules (parley.protocol), so both doors accept the same links."""
    try:
        checked: Any = P.check_url(url)
    except P.ProtocolError as exc:
        raise ApiError(422, "invalid_request", exc.message) from None
    return str(checked)


@router.post("/invites", response_model=InviteOut, status_code=201)
async def create_invite(body: InviteIn, request: Request, principal: PeopleUser, store: StoreDep) -> InviteOut:
    """A new invite link to a page, valid 7 days (422 `limit` with 20 live ones). A site's token may invite to
    its own origins only."""
    url = page_url(body.url)
    if principal.site_id is not None:
        site = await store.site_by_id(principal.site_id)
        origin = url[: url.index(":")] + "://" + P.url_host(url)
        if site is None or origin not in site.origins:
            raise ApiError(422, "invalid_request", "url: an invite is for a page of this site")
    invite = await store.create_invite(principal.user_id, url, principal.site_id)
    return invite_out(request, invite)


@router.get("/invites", response_model=InvitesOut)
async def list_invites(request: Request, principal: PeopleUser, store: StoreDep) -> InvitesOut:
    """Your live invites, newest first."""
    return InvitesOut(invites=[invite_out(request, i) for i in await store.list_invites(principal.user_id)])


@router.delete("/invites/{code}", status_code=204, response_class=Response)
async def revoke_invite(code: Code, request: Request, principal: PeopleUser, store: StoreDep) -> Response:
    """Revoke one of your live invites."""
    await store.revoke_invite(principal.user_id, invite_id(request, code))
    return Response(status_code=204)


@router.post("/invites/{code}/accept", response_model=InviteAcceptOut)
async def accept_invite(code: Code, request: Request, principal: PeopleUser, store: StoreDep) -> InviteAcceptOut:
    """Become friends with the inviter (422 `invalid` for your own invite, 403 `forbidden` with a block)."""
    change = await store.accept_invite(principal.user_id, invite_id(request, code))
    await friendship_changed(request.app, change)
    assert change.conversation_id is not None
    return InviteAcceptOut(user=UserOut.of(change.other), conversation_id=change.conversation_id)


@router.get("/invites/{code}", response_model=InvitePreviewOut)
async def preview_invite(code: Code, request: Request, store: StoreDep) -> InvitePreviewOut:
    """Signed out too: the inviter's name, the page and the expiry of a live invite; nothing else."""
    invite = await store.invite_preview(invite_id(request, code))
    return InvitePreviewOut(inviter=UserOut.of(invite.inviter), url=invite.url, expires_at=invite.expires_at)
