"""What a site allows to be sent (pure): pictures and files, pictures only, or nothing; and how big."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MODES = ("all", "images", "off")  # site settings "files": what visitors may send
DEFAULT_MODE = "all"
DEFAULT_MAX_MB = 10  # site settings "max_file_mb" (whole MiB), never above the server's own cap
MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class FilePolicy:
    """``mode`` is one of MODES; ``max_bytes`` the largest upload accepted."""

    mode: str = DEFAULT_MODE
    max_bytes: int = DEFAULT_MAX_MB * MIB

    def allows(self, kind: str) -> bool:
        """Whether an upload of ``kind`` ("image" or "file") may be sent."""
        return self.mode == "all" or (self.mode == "images" and kind == "image")


def site_policy(settings: Mapping[str, Any] | None, server_max_bytes: int) -> FilePolicy:
    """The policy a site's settings ask for, within the server's cap; unknown or broken values fall back to
    the defaults (a site without settings gets pictures and files up to 10 MiB)."""
    settings = settings or {}
    mode = settings.get("files", DEFAULT_MODE)
    if mode not in MODES:
        mode = DEFAULT_MODE
    max_mb = settings.get("max_file_mb", DEFAULT_MAX_MB)
    if not isinstance(max_mb, int) or isinstance(max_mb, bool) or max_mb < 1:
        max_mb = DEFAULT_MAX_MB
    return FilePolicy(mode, min(max_mb * MIB, server_max_bytes))
