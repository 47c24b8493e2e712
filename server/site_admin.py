"""`parley site add`: register a site from the command line (the CLI's handler and its arguments)."""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from .oauth.scopes import ALL_SCOPES, scope_text
from .oauth.sites import RUNTIMES, THEMES, SiteInput, SiteInputError, site_summary, validate_site
from .settings import Settings
from .store import open_store


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
