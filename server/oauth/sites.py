"""Registering sites: input rules shared by the /sites console and `parley site add`, and the CLI command."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..settings import Settings
from ..store.records import SiteRecord
from .origins import OriginError, normalize_origin, normalize_redirect_uri
from .scopes import ALL_SCOPES, scope_list, scope_text

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


# --- CLI -----------------------------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    """Add `site add NAME --origin URL ... [--scope S ...] [--owner USERNAME] [--json]` to a CLI."""
    site = subparsers.add_parser("site", help="manage registered sites")
    site_commands = site.add_subparsers(dest="site_command", required=True)
    add = site_commands.add_parser("add", help="register a site and print its client id and snippet")
    add.add_argument("name", help="the site's name, shown on the consent screen")
    add.add_argument("--origin", action="append", required=True, help="exact origin (repeatable)")
    add.add_argument("--redirect-uri", action="append", default=[], help="extra redirect URI (repeatable)")
    add.add_argument("--scope", action="append", choices=ALL_SCOPES, help="allowed scope (default: all)")
    add.add_argument("--theme", choices=THEMES, default="auto")
    add.add_argument("--runtime", choices=RUNTIMES, default="micropython")
    add.add_argument("--owner", help="username of the site's owner")
    add.add_argument("--json", action="store_true", help="print JSON")
    add.set_defaults(handler=run_site_add)


def run_site_add(args: argparse.Namespace, settings: Settings) -> int:
    """Handler of `parley site add`; returns the process exit code."""
    try:
        data = validate_site(
            args.name, args.origin, args.scope or ALL_SCOPES, redirect_uris=args.redirect_uri,
            theme=args.theme, runtime=args.runtime,
        )
    except SiteInputError as exc:
        for message in exc.messages:
            print(f"error: {message}")
        return 2
    try:
        summary = asyncio.run(_add_site(settings.resolved(), data, args.owner))
    except LookupError as exc:
        print(f"error: {exc}")
        return 2
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"Registered {summary['name']!r}: client id {summary['client_id']}")
        print(summary["snippet"])
    return 0


async def _add_site(settings: Settings, data: SiteInput, owner: str | None) -> dict[str, Any]:
    from ..store import open_store

    store = await open_store(settings.database_url)
    try:
        owner_id = None
        if owner:
            user = await store.get_user_by_username(owner)
            if user is None:
                raise LookupError(f"no user named {owner!r}")
            owner_id = user.id
        site = await store.create_site(
            name=data.name, origins=data.origins, scopes=scope_text(data.scopes), owner_id=owner_id,
            redirect_uris=data.redirect_uris, settings=data.settings,
        )
    finally:
        await store.close()
    return site_summary(site, settings.public_url)
