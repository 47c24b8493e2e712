"""Receiving an upload: its chunks go to a temporary file as they arrive, hashed and counted, with a hard cap.
Memory is one chunk plus the head kept for sniffing, whatever the upload's size."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path

from .errors import UploadError
from .sniff import HEAD_BYTES


@dataclass(frozen=True, slots=True)
class Spooled:
    """The received bytes: where they are, how many, their SHA-256 and first HEAD_BYTES."""

    path: Path
    size: int
    sha256: str
    head: bytes


async def spool(chunks: AsyncIterable[bytes], folder: Path, declared: int, cap: int) -> Spooled:
    """Write ``chunks`` to a new file in ``folder``. Raises UploadError when more than ``cap`` or than the
    ``declared`` size arrives (413, 400) or fewer (400 ``truncated``); the file is then removed."""
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=folder, prefix="up-", suffix=".part")
    path = Path(name)
    digest = hashlib.sha256()
    head = bytearray()
    size = 0
    try:
        with os.fdopen(descriptor, "wb") as handle:
            async for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if size > cap:
                    raise UploadError(413, "too_large", f"the file is larger than {cap} bytes")
                if size > declared:
                    raise UploadError(400, "size_mismatch", f"more than the declared {declared} bytes arrived")
                digest.update(chunk)
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                await asyncio.to_thread(handle.write, chunk)
        if size != declared:
            raise UploadError(400, "truncated", f"the upload stopped after {size} of {declared} bytes")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Spooled(path, size, digest.hexdigest(), bytes(head))
