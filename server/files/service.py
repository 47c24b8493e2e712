"""The upload pipeline and downloads, over one blob store and the Store's file records.

upload: policy and membership first, then the bytes are spooled (hard cap, declared size), typed by content,
pictures re-encoded with a thumbnail, written to the blob store, and recorded last; any refusal removes what was
written, so a refused upload changes nothing. open: members only, the bytes streamed back from the blob store.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from ..store import NewFile, Store
from ..store.records import FileRecord
from .blobs import BlobStore
from .errors import UploadError
from .images import reencode
from .names import clean_name
from .policy import FilePolicy
from .sniff import sniff
from .spool import spool

log = logging.getLogger("parley.files")
SWEEP_SECONDS = 60.0


def thumb_key(key: str) -> str:
    """The blob key of a picture's thumbnail."""
    return key + ".thumb"


@dataclass(frozen=True, slots=True)
class Download:
    """A file to send back: its record, whether it is the thumbnail, and its bytes as chunks."""

    record: FileRecord
    thumb: bool
    size: int
    chunks: AsyncIterator[bytes]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 16):
            digest.update(chunk)
    return digest.hexdigest()


class FileService:
    """Uploads and downloads of one server process."""

    def __init__(self, store: Store, blobs: BlobStore, spool_dir: Path, max_bytes: int) -> None:
        self.store = store
        self.blobs = blobs
        self.spool_dir = spool_dir
        self.max_bytes = max_bytes  # the server's own cap, above every site's

    async def upload(
        self, user_id: int, conversation_id: int, name: str, declared: int, chunks: AsyncIterable[bytes],
        policy: FilePolicy,
    ) -> FileRecord:
        """Check, keep and record one upload; raises UploadError (or the store's NotMember) and keeps nothing."""
        if policy.mode == "off":
            raise UploadError(403, "files_off", "this site does not take pictures or files")
        if declared < 1:
            raise UploadError(422, "empty", "the file is empty")
        if declared > policy.max_bytes:
            raise UploadError(413, "too_large", f"the file is larger than {policy.max_bytes} bytes")
        await self.store.require_member(conversation_id, user_id)
        received = await spool(chunks, self.spool_dir, declared, policy.max_bytes)
        made: list[Path] = [received.path]
        key = secrets.token_hex(16)
        stored: list[str] = []
        try:
            new = await self._checked(received.path, received.head, received.sha256, received.size, name, key,
                                      policy, made)
            source = made[1] if new.kind == "image" else received.path
            await self.blobs.put(key, source)
            stored.append(key)
            if new.kind == "image":
                await self.blobs.put(thumb_key(key), made[2])
                stored.append(thumb_key(key))
            return await self.store.add_file(user_id, conversation_id, new)
        except BaseException:
            for written in stored:
                with contextlib.suppress(Exception):
                    await self.blobs.delete(written)
            raise
        finally:
            for path in made:
                path.unlink(missing_ok=True)

    async def _checked(
        self, path: Path, head: bytes, sha256: str, size: int, name: str, key: str, policy: FilePolicy,
        made: list[Path],
    ) -> NewFile:
        found = sniff(head)
        if found.raster is None:
            if not policy.allows("file"):
                raise UploadError(415, "images_only", "this site takes pictures only (JPEG, PNG, GIF, WebP)")
            return NewFile(clean_name(name), size, found.mime, "file", sha256, key)
        if not policy.allows("image"):
            raise UploadError(403, "files_off", "this site does not take pictures")
        out, thumb = path.with_suffix(".img"), path.with_suffix(".thumb")
        made.extend((out, thumb))
        picture = await asyncio.to_thread(reencode, path, found.raster, out, thumb)
        return NewFile(
            clean_name(name, picture.extension), picture.size, picture.mime, "image",
            await asyncio.to_thread(_sha256, out), key, picture.width, picture.height,
            picture.thumb_width, picture.thumb_height,
        )

    async def open(self, file_id: int, user_id: int, thumb: bool = False) -> Download:
        """A member's download (NotFound for anyone else, a gone file, or the thumbnail of a non-picture)."""
        record = await self.store.file_for_member(file_id, user_id)
        if thumb and not record.is_image:
            from ..store import NotFound

            raise NotFound("only pictures have thumbnails")
        chunks = self.blobs.read(thumb_key(record.blob_key) if thumb else record.blob_key)
        return Download(record, thumb, -1 if thumb else record.size, chunks)

    async def sweep(self) -> int:
        """Remove the blobs, then the rows, of gone and abandoned files; how many files went."""
        removed = 0
        while found := await self.store.files_to_sweep():
            for _file_id, key in found:
                await self.blobs.delete(key)
                await self.blobs.delete(thumb_key(key))
            await self.store.forget_files([file_id for file_id, _key in found])
            removed += len(found)
        return removed

    async def run_sweeper(self, every: float = SWEEP_SECONDS) -> None:
        """Sweep forever, every ``every`` seconds (a task of the app's lifespan)."""
        while True:
            await asyncio.sleep(every)
            try:
                await self.sweep()
            except Exception:  # the database may be away for a while: try again next time
                log.exception("sweeping files failed")
