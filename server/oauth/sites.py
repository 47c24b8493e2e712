"""Registering sites: input rules shared by the /sites console and `parley site add`, the snippet and the
summary shown for a site."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..store.records import SiteRecord
from .origins import OriginError, normalize_origin, normalize_redirect_uri
from .scopes import ALL_SCOPES, scope_list

THEMES = ("light", "dark", "auto")
RUNTIMES = ("micropython", "pyodide")
NAME_MAX = 128


class SiteInputError(ValueError):
    """Input a site owner must fix; `messages` lists every problem found."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True, slots=True)
class SiteInput:
    """Validated, normalized registration data."""

    name: str
    origins: list[str]
    redirect_uris: list[str]
    scopes: list[str]
    theme: str
    runtime: str

    @property
    def settings(self) -> dict[str, Any]:
        return {"theme": self.theme, "runtime": self.runtime}


def validate_site(
    name: str,
    origins: Iterable[str],
    scopes: Iterable[str],
    *,
    redirect_uris: Iterable[str] = (),
    theme: str = "auto",
    runtime: str = "micropython",
) -> SiteInput:
    """Check and normalize everything at once; SiteInputError lists all problems."""
    problems: list[str] = []
    clean_name = " ".join(name.split())
    if not 1 <= len(clean_name) <= NAME_MAX:
        problems.append(f"The site name must be 1 to {NAME_MAX} characters.")
    clean_origins: list[str] = []
    for raw in origins:
        if not raw.strip():
            continue
        try:
            origin = normalize_origin(raw)
        except OriginError as exc:
            problems.append(f"{exc}.")
            continue
        if origin not in clean_origins:
            clean_origins.append(origin)
    if not clean_origins and not any("Origin" in p for p in problems):
        problems.append("Give at least one origin, like https://example.com.")
    clean_redirects: list[str] = []
    for raw in redirect_uris:
        if not raw.strip():
            continue
        try:
            uri = normalize_redirect_uri(raw, clean_origins)
        except OriginError as exc:
            problems.append(f"{exc}.")
            continue
        if uri not in clean_redirects:
            clean_redirects.append(uri)
    chosen = scope_list(" ".join(scopes))
    unknown = [scope for scope in chosen if scope not in ALL_SCOPES]
    if unknown:
        problems.append(f"Unknown scope(s): {', '.join(unknown)}. Choose from {', '.join(ALL_SCOPES)}.")
    if not chosen:
        problems.append("Choose at least one thing the site may ask for.")
    if theme not in THEMES:
        problems.append(f"The theme must be one of {', '.join(THEMES)}.")
    if runtime not in RUNTIMES:
        problems.append(f"The runtime must be one of {', '.join(RUNTIMES)}.")
    if problems:
        raise SiteInputError(problems)
    return SiteInput(clean_name, clean_origins, clean_redirects, chosen, theme, runtime)


def snippet(public_url: str, client_id: str) -> str:
    """The copy-paste embed tag for a site."""
    return f'<script src="{public_url}/embed.js" data-site="{client_id}" async></script>'


def site_summary(site: SiteRecord, public_url: str) -> dict[str, Any]:
    """A site as JSON for the CLI."""
    return {
        "client_id": site.client_id,
        "name": site.name,
        "origins": list(site.origins),
        "redirect_uris": [public_url + "/oauth/callback", *site.redirect_uris],
        "scopes": site.scopes.split(),
        "theme": site.theme,
        "runtime": site.runtime,
        "snippet": snippet(public_url, site.client_id),
    }

