"""The frame page's share of a site's widget settings: colours, features, sound and the launcher's place.

The site's saved settings (`oauth.widget_settings`) are the base; a page's snippet may override the accent
(`data-accent`, in the frame URL); the console's preview (Parley's own page, see `preview_draft`) may try
every setting before it is saved.
"""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import parse_qs

from ..oauth.widget_settings import (
    FEATURES,
    SIDES,
    SOUNDS,
    accent_of,
    extension_urls,
    offset_of,
    widget_settings,
)
from ..store.records import SiteRecord


def accent_text(accent: str) -> str:
    """Black or white, whichever reads better on the accent colour (WCAG relative luminance)."""
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else float(((c + 0.055) / 1.055) ** 2.4)

    r, g, b = (channel(accent[i:i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    dark = 0.0056  # the luminance of #111111
    return "#111111" if (luminance + 0.05) / (dark + 0.05) > 1.05 / (luminance + 0.05) else "#ffffff"


def accent_style(accent: str) -> str:
    """The frame page's inline custom properties for an accent colour ("" for Parley's own)."""
    if not accent:
        return ""
    text = accent_text(accent)
    return (f"--parley-accent:{accent};--parley-accent-text:{text};--parley-mine:{accent};"
            f"--parley-mine-text:{text}")


def preview_draft(info: SiteRecord, raw: str) -> dict[str, Any]:
    """Draft settings from the console's preview (a query string): bad or unknown values are dropped, and
    extension URLs must still be on the site's origins."""
    query = parse_qs(raw, keep_blank_values=True)
    draft: dict[str, Any] = {}
    if "features" in query:
        chosen = {name for value in query["features"] for name in value.split(",")}
        draft["features"] = {name: name in chosen for name in FEATURES}
    if query.get("sound", [""])[0] in SOUNDS:
        draft["sound"] = query["sound"][0]
    if query.get("side", [""])[0] in SIDES:
        draft["side"] = query["side"][0]
    with contextlib.suppress(ValueError):
        draft["offset"] = offset_of(query.get("offset", [""])[0])
    if "ext" in query:
        try:
            draft["extensions"] = extension_urls(query["ext"], info.origins)
        except ValueError:
            draft["extensions"] = []
    return draft


def frame_look(info: SiteRecord, lang: str, accent: str = "", draft: dict[str, Any] | None = None) -> dict[str, Any]:
    """The site's widget settings for one frame page: `accent` (from the snippet) over the saved one, the
    preview's `draft` over both."""
    look = {**widget_settings(info.settings), **(draft or {})}
    with contextlib.suppress(ValueError):
        look["accent"] = accent_of(accent) or look["accent"]
    look["lang"] = lang
    return look


def launcher_look(look: dict[str, Any]) -> dict[str, Any]:
    """What the loader in the host page needs (the bridge's "look" message): no extension, nothing secret."""
    return {key: look[key] for key in ("side", "offset", "accent", "sound", "lang")}
