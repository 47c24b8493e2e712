"""How a site's copy-paste widget looks and behaves: the input rules of the console's "Widget" fields.

Everything lives in `sites.settings` (JSON) next to `theme` and `runtime` (checked by `oauth.sites`):

| key | value | default |
| --- | --- | --- |
| `accent` | `#rrggbb` (lower case) or "" for Parley's blue | "" |
| `side` | `right` or `left`: where the launcher sits | `right` |
| `offset` | px from the page's edges to the launcher, OFFSET_MIN..OFFSET_MAX | 20 |
| `lang` | one of the widget's languages, or "" for the visitor's browser language | "" |
| `sound` | `on` or `off`: a chime for a message while the chat is closed | `off` |
| `features` | {"sharing": bool, "groups": bool} (FEATURES; "files" will join when files exist) | all on |
| `extensions` | up to MAX_EXTENSIONS module URLs on the site's origins (fetched and checked on save) | [] |

The snippet stays one line (`data-site=`): the widget reads these from the server on every page load, and
`data-*` attributes on a page's snippet override them for that page only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from parley.extensions import MAX_EXTENSIONS
from parley.i18n import STRINGS

from .origins import origin_of

SIDES = ("right", "left")
SOUNDS = ("off", "on")
LANGS = tuple(STRINGS)  # every language the widget speaks
# Features a site owner can switch off; "files" joins here (and in the frame's CSS) when file messages exist.
FEATURES = ("sharing", "groups")
OFFSET_MIN, OFFSET_MAX, OFFSET_DEFAULT = 0, 200, 20
ACCENT = re.compile(r"#[0-9a-f]{6}")
LOOPBACK = ("localhost", "127.0.0.1", "[::1]")
DEFAULTS: dict[str, Any] = {
    "accent": "", "side": "right", "offset": OFFSET_DEFAULT, "lang": "", "sound": "off",
    "features": dict.fromkeys(FEATURES, True), "extensions": [],
}


class WidgetInputError(ValueError):
    """Widget settings a site owner must fix: `errors` maps a field name to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def accent_of(value: str) -> str:
    """A normalized accent colour ("" for none); ValueError with the reason otherwise."""
    text = value.strip().lower()
    if text and not ACCENT.fullmatch(text):
        raise ValueError("The accent colour must look like #3056d3 (a # and six hex digits).")
    return text


def offset_of(value: str | int) -> int:
    """The launcher's offset in px; ValueError unless a whole number within bounds."""
    text = str(value).strip()
    if not text.isdigit() or not OFFSET_MIN <= int(text) <= OFFSET_MAX:
        raise ValueError(f"The launcher offset must be a whole number of pixels from {OFFSET_MIN} to {OFFSET_MAX}.")
    return int(text)


def extension_urls(lines: Iterable[str], origins: Iterable[str]) -> list[str]:
    """The extension module URLs, deduplicated; ValueError naming the first bad one.

    Each is an absolute https URL (or http on loopback, for local tests) on one of the site's origins."""
    allowed = set(origins)
    out: list[str] = []
    for raw in lines:
        url = raw.strip()
        if not url:
            continue
        parts = urlsplit(url)
        local = parts.scheme == "http" and (parts.hostname or "") in {h.strip("[]") for h in LOOPBACK}
        if parts.scheme != "https" and not local:
            raise ValueError(f"{url}: an extension URL must start with https:// (http:// only on localhost).")
        if origin_of(url) not in allowed:
            raise ValueError(f"{url}: an extension must be served from one of the site's origins.")
        if parts.fragment or not parts.path or parts.path == "/":
            raise ValueError(f"{url}: give the module's full URL, like https://example.com/parley/ext.py.")
        if url not in out:
            out.append(url)
    if len(out) > MAX_EXTENSIONS:
        raise ValueError(f"At most {MAX_EXTENSIONS} extension modules (you listed {len(out)}).")
    return out


def validate_widget(form: Mapping[str, Any], origins: Iterable[str]) -> dict[str, Any]:
    """The widget settings from the console's form values (strings; `features` a list of the features left
    on; `extensions` one URL a line). WidgetInputError maps each bad field to a clear message."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    try:
        out["accent"] = accent_of(str(form.get("accent", "")))
    except ValueError as exc:
        errors["accent"] = str(exc)
    side = str(form.get("side") or "right")
    if side not in SIDES:
        errors["side"] = "The launcher side must be left or right."
    out["side"] = side
    try:
        out["offset"] = offset_of(form.get("offset", OFFSET_DEFAULT))
    except ValueError as exc:
        errors["offset"] = str(exc)
    lang = str(form.get("lang") or "")
    if lang and lang not in LANGS:
        errors["lang"] = f"The language must be one of {', '.join(LANGS)} (or the visitor's browser language)."
    out["lang"] = lang
    sound = str(form.get("sound") or "off")
    if sound not in SOUNDS:
        errors["sound"] = "Sound is on or off."
    out["sound"] = sound
    chosen = [str(name) for name in form.get("features") or []]
    unknown = [name for name in chosen if name not in FEATURES]
    if unknown:
        errors["features"] = f"Unknown feature(s): {', '.join(unknown)}. Choose from {', '.join(FEATURES)}."
    out["features"] = {name: name in chosen for name in FEATURES}
    try:
        out["extensions"] = extension_urls(str(form.get("extensions") or "").splitlines(), origins)
    except ValueError as exc:
        errors["extensions"] = str(exc)
    if errors:
        raise WidgetInputError(errors)
    return out


def widget_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """A site's widget settings with the defaults filled in (and stored values that no longer pass dropped)."""
    out = {key: settings.get(key, default) for key, default in DEFAULTS.items()}
    try:
        out["accent"] = accent_of(str(out["accent"]))
    except ValueError:
        out["accent"] = ""
    if out["side"] not in SIDES:
        out["side"] = "right"
    try:
        out["offset"] = offset_of(out["offset"])
    except ValueError:
        out["offset"] = OFFSET_DEFAULT
    if out["lang"] not in LANGS:
        out["lang"] = ""
    if out["sound"] not in SOUNDS:
        out["sound"] = "off"
    stored = out["features"] if isinstance(out["features"], dict) else {}
    out["features"] = {name: stored.get(name, True) is not False for name in FEATURES}
    urls = out["extensions"] if isinstance(out["extensions"], list) else []
    out["extensions"] = [url for url in urls if isinstance(url, str)][:MAX_EXTENSIONS]
    return out


def form_values(settings: Mapping[str, Any]) -> dict[str, Any]:
    """A site's widget settings as the console's form shows them."""
    clean = widget_settings(settings)
    return {**clean, "offset": str(clean["offset"]), "extensions": "\n".join(clean["extensions"]),
            "features": [name for name, on in clean["features"].items() if on]}
