"""/conversations/{id}/files (upload) and /files/{id} (download): pictures and files of a conversation.

An upload is the raw bytes as the request body (any Content-Type: it is ignored, the type is found in the
content), with `name` and `size` in the query. Downloads are for current members only and are served so that
nothing is ever rendered or sniffed from them (docs/security.md, "Pictures and files")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from starlette.requests import ClientDisconnect

from ..files import FilePolicy, FileService, UploadError, site_policy
from ..files.names import content_disposition
from ..store.records import Principal
from .deps import MessagesUser, StoreDep
from .errors import ApiError, ErrorBody
from .schemas import MAX_ID, FileOut

router = APIRouter(tags=["files"])
FileId = Annotated[int, Path(ge=1, le=MAX_ID)]
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes (exactly `size` of them); the Content-Type is not trusted",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}
# Served bytes are never a document: no sniffing, no scripts, no plugins, no shared caches.
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "private, no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Referrer-Policy": "no-referrer",
}


def _service(request: Request) -> FileService:
    service: FileService = request.app.state.files
    return service


async def _policy(request: Request, store: StoreDep, principal: Principal) -> FilePolicy:
    site = await store.site_by_id(principal.site_id) if principal.site_id is not None else None
    return site_policy(site.settings if site is not None else None, _service(request).max_bytes)


async def _body(request: Request) -> AsyncIterator[bytes]:
    try:
        async for chunk in request.stream():
            yield chunk
    except ClientDisconnect:
        raise UploadError(400, "truncated", "the upload stopped before its end") from None


class PolicyOut(BaseModel):
    """What this site takes: `files` is `all` (pictures and files), `images` or `off`; `max_bytes` per upload."""

    files: str
    max_bytes: int


@router.get("/files/policy", response_model=PolicyOut)
async def file_policy(request: Request, principal: MessagesUser, store: StoreDep) -> PolicyOut:
    """The calling site's upload limits (the widget checks them before uploading; the server always does)."""
    policy = await _policy(request, store, principal)
    return PolicyOut(files=policy.mode, max_bytes=policy.max_bytes)


@router.post("/conversations/{conversation_id:int}/files", response_model=FileOut, status_code=201,
             openapi_extra=UPLOAD_BODY, responses={
                 413: {"model": ErrorBody, "description": "Too large: bytes (`too_large`), pixels (`too_many_pixels`)"},
                 415: {"model": ErrorBody, "description": "Not a picture where the site takes pictures only"},
             })
async def upload_file(
    conversation_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    request: Request,
    principal: MessagesUser,
    store: StoreDep,
    name: Annotated[str, Query(min_length=1, max_length=1024)],
    size: Annotated[int, Query(ge=0, le=MAX_ID)],
) -> FileOut:
    """Upload a picture or file to a conversation you are a member of, then send it as a message of kind
    `file` with `data: {"id"}` within an hour. 413 `too_large` / `too_many_pixels`, 415 `images_only`,
    403 `files_off`, 400 `truncated` / `size_mismatch`, 422 `bad_image` / `empty`: nothing is kept."""
    policy = await _policy(request, store, principal)
    try:
        record = await _service(request).upload(
            principal.user_id, conversation_id, name, size, _body(request), policy
        )
    except UploadError as error:
        raise ApiError(error.status, error.code, error.message) from None
    return FileOut.of(record)


async def _download(request: Request, principal: Principal, file_id: int, thumb: bool) -> StreamingResponse:
    download = await _service(request).open(file_id, principal.user_id, thumb)
    record = download.record
    try:
        first = await anext(download.chunks, b"")
    except FileNotFoundError:
        raise ApiError(404, "not_found", "the file's bytes are gone") from None

    async def chunks() -> AsyncIterator[bytes]:
        if first:
            yield first
        async for chunk in download.chunks:
            yield chunk

    inline = record.is_image  # only re-encoded pictures are shown; everything else is a download
    headers = {**SAFE_HEADERS, "Content-Disposition": content_disposition(
        "inline" if inline else "attachment", record.name)}
    if download.size >= 0:
        headers["Content-Length"] = str(download.size)
    media = record.mime if inline else "application/octet-stream"
    return StreamingResponse(chunks(), media_type=media, headers=headers)


@router.get("/files/{file_id:int}", response_class=StreamingResponse,
            responses={200: {"content": {"application/octet-stream": {}}, "description": "The file's bytes"}})
async def download_file(file_id: FileId, request: Request, principal: MessagesUser) -> StreamingResponse:
    """The file's bytes, for current members of its conversation (404 for anyone else)."""
    return await _download(request, principal, file_id, thumb=False)


@router.get("/files/{file_id:int}/thumb", response_class=StreamingResponse,
            responses={200: {"content": {"image/png": {}, "image/jpeg": {}}, "description": "The thumbnail"}})
async def download_thumbnail(file_id: FileId, request: Request, principal: MessagesUser) -> StreamingResponse:
    """A picture's thumbnail (at most 320 x 320), for current members of its conversation."""
    return await _download(request, principal, file_id, thumb=True)
