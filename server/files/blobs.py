"""Where uploaded bytes live, chosen by URL like the database and the broker.

- ``file:///path`` (default: ``<data dir>/files``): a folder; one process, or several on one shared disk.
- ``postgresql://...``: chunked ``bytea`` rows in PostgreSQL (``parley_blob_chunks``), for several server
  processes on several machines (docs/deploy.md; the choice is measured in docs/performance.md).

A backend is a handful of async methods; each streams in chunks, so memory stays bounded whatever the size.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol


class BlobStore(Protocol):
    """Write once from a local file, read as chunks, delete."""

    async def put(self, key: str, source: Path) -> None:
        """Store the bytes of ``source`` under ``key`` (a new key: blobs never change)."""

    def read(self, key: str) -> AsyncIterator[bytes]:
        """The bytes under ``key``, chunk by chunk (FileNotFoundError at the first chunk when missing)."""

    async def delete(self, key: str) -> None:
        """Remove ``key`` (nothing happens when it is missing)."""

    async def close(self) -> None:
        """Release connections."""


def folder_url(data_dir: Path) -> str:
    """The default blob store: a folder in the data directory."""
    return (data_dir / "files").resolve().as_uri()


async def open_blobs(url: str) -> BlobStore:
    """The blob store for ``url``; the PostgreSQL backend is imported only when chosen."""
    scheme = url.split("://", 1)[0]
    if scheme == "file":
        from .folder import FolderBlobs

        return FolderBlobs.from_url(url)
    if scheme in ("postgresql", "postgres", "postgresql+asyncpg"):
        from ..store import open_pg_blobs

        return await open_pg_blobs(url)
    raise ValueError(f"unsupported files URL scheme {scheme!r}: use file:// or postgresql://")
