"""The one error of the upload pipeline: an HTTP status, a machine-readable code and a clear message."""

from __future__ import annotations


class UploadError(Exception):
    """An upload refused (nothing is kept): ``status`` (400, 403, 413, 415, 422) and ``code`` for the API."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
