"""/reports: report a message or a person to the owners of a site (any scope; paced per user)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request
from parley import protocol as P
from pydantic import BaseModel, Field

from ..pacing import report_pacer
from .deps import PrincipalDep, StoreDep
from .errors import ApiError, ErrorBody
from .friends import paced
from .schemas import Id, Strict

router = APIRouter(tags=["moderation"])

Reason = Literal["spam", "abuse", "harassment", "inappropriate", "other"]


class ReportIn(Strict):
    """A message you can read (its sender is the person reported) or a person; `site_id` only with a session
    (a token reports to its own site)."""

    reason: Reason
    user: Id | None = None
    message_id: Id | None = None
    note: Annotated[str, Field(max_length=P.MAX_REPORT_NOTE)] = ""
    site_id: Id | None = None


class ReportOut(BaseModel):
    id: int
    site_id: int
    reported: int
    created_at: int


@router.post(
    "/reports",
    status_code=201,
    response_model=ReportOut,
    responses={429: {"model": ErrorBody, "description": "Too many reports: retry after `Retry-After` seconds"}},
)
async def create_report(body: ReportIn, request: Request, principal: PrincipalDep, store: StoreDep) -> ReportOut:
    """Report to the site's owners, who see it in their console. 404 `not_found` for a message you cannot
    read, an unknown person or site; 422 `invalid` for yourself or without `user` or `message_id`."""
    site_id = principal.site_id
    if principal.session:
        if body.site_id is None or await store.site_by_id(body.site_id) is None:
            raise ApiError(404, "not_found", "name an existing site_id")
        site_id = body.site_id
    elif body.site_id is not None and body.site_id != site_id:
        raise ApiError(404, "not_found", "a token reports to its own site only")
    assert site_id is not None
    paced(report_pacer(request.app).hit(str(principal.user_id)), "reports")
    report = await store.create_report(site_id, principal.user_id, body.reason, reported_id=body.user,
                                       message_id=body.message_id, note=body.note)
    return ReportOut(id=report.id, site_id=report.site_id, reported=report.reported.id, created_at=report.created_at)
