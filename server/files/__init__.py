"""Pictures and files: the upload pipeline (stream to a spool file with a hard cap, type by content, images
decoded, stripped of metadata and re-encoded with a thumbnail), the blob stores chosen by URL (``file://`` folder,
``postgresql://`` chunks in PostgreSQL) and the sweeper. The records live in the store (``Store.add_file``...)."""

from __future__ import annotations

from .blobs import BlobStore, open_blobs
from .errors import UploadError
from .policy import FilePolicy, site_policy
from .service import FileService

__all__ = ["BlobStore", "FilePolicy", "FileService", "UploadError", "open_blobs", "site_policy"]
