"""The folder blob store: one file per blob under ``<root>/<first two characters>/<key>``, written to a
temporary name then renamed, so a reader never sees half a blob."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHUNK = 256 * 1024


class FolderBlobs:
    """Blobs as files in ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_url(cls, url: str) -> FolderBlobs:
        """``file:///absolute/path``."""
        return cls(Path(unquote(urlsplit(url).path)))

    def _path(self, key: str) -> Path:
        if not key or "/" in key or "\\" in key or key.startswith("."):
            raise ValueError("a blob key is a plain name")
        return self.root / key[:2] / key

    def _put(self, key: str, source: Path) -> None:
        target = self._path(key)
        target.parent.mkdir(exist_ok=True)
        partial = target.with_name(target.name + ".part")
        shutil.copyfile(source, partial)
        os.replace(partial, target)

    async def put(self, key: str, source: Path) -> None:
        """Copy ``source`` in (in a thread: the event loop never waits on the disk)."""
        await asyncio.to_thread(self._put, key, source)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        """The blob's chunks."""
        handle = await asyncio.to_thread(open, self._path(key), "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    async def delete(self, key: str) -> None:
        """Remove the blob if it is there."""
        await asyncio.to_thread(self._path(key).unlink, True)

    async def close(self) -> None:
        """Nothing to release."""
