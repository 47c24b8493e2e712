"""`parley demo`: the Parley server plus a demo host site on another origin, with two demo accounts.

Parley is served on http://localhost:PORT and the host site on http://127.0.0.1:HOST_PORT, so the widget frame
is cross-site exactly as on a real customer's page.
"""

from __future__ import annotations

import asyncio
import html
from typing import Any
from urllib.parse import urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from .app import create_app, server_options
from .demo_library import EXTENSION_SITE, library_routes, save_demo_site, seed_extension_site
from .demo_messages import seed_club
from .settings import Settings

# alice and bob are friends; carol is nobody's friend yet (the cold start: find, requests, invites)
DEMO_USERS = (
    ("alice", "Alice Martin", "alice-demo-pw"),
    ("bob", "Bob Okafor", "bob-demo-pw"),
    ("carol", "Carol Nguyen", "carol-demo-pw"),
)
DEMO_CLIENT_ID = "demo-site"
DEMO_SCOPES = "profile friends messages share people"

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="icon" href="data:,">
<style>
body{{margin:0;font:17px/1.6 Georgia,serif;color:#222;background:#fbfaf7}}
header{{background:#23395d;color:#fff;padding:18px 8vw;font:600 20px system-ui,sans-serif}}
main{{max-width:680px;margin:40px auto;padding:0 20px}} h1{{font-size:34px;line-height:1.2}}
nav a{{color:#cfe0ff;margin-left:18px;font-weight:400;font-size:16px}} nav a[aria-current]{{color:#fff}}
</style></head><body>
<header>The Daily Lantern <nav style="display:inline" aria-label="Site">{menu}</nav></header>
<main><h1>{title}</h1>
{body}
<p>This is the demo host site: it is served from a different origin than Parley and each of its pages contains
nothing but the one-line snippet below. Open the chat in the corner, sign in as <b>alice</b> here and as
<b>bob</b> in another browser, and you will see each other on this site. Chat a while, then find any message
again with the magnifier in the chat's header: search covers your own conversations only, and a result opens
the conversation right at that message (links in messages open in a new tab). Move between its pages with the menu:
the chat stays open and signed in; where the browser lets the chat frame keep data (Firefox, Safari, Chrome with
third-party cookies allowed) it also reopens on the same conversation, with what you were typing. Chromium's
default refuses the frame that storage: then a message not yet sent makes the browser ask before you leave.
The inline shop (<a href="/inline">/inline</a>) keeps all of it in any browser.</p>
</main>
{snippet}
</body></html>
"""

# The demo site's pages: ?page=N -> (menu label, title, first paragraph).
PAGES = {
    "1": ("Front page", "Keepers of the light",
          "Lighthouses were once kept by families who lived at the foot of the tower, trimming wicks through the "
          "night. Today most are automated, but a few keepers remain, and their logbooks read like letters to "
          "the sea."),
    "2": ("Science", "Why the sea glows",
          "On summer nights the wake of a boat can shine blue: single-celled plankton flash when the water around "
          "them is stirred, a chemical light that may startle the animals that would eat them."),
    "3": ("Travel", "A night in a lighthouse",
          "Several old keepers' cottages now take guests. Expect a spiral staircase, a kettle, thick walls and a "
          "beam that sweeps past the window every ten seconds until dawn."),
}
LANGS = ("en", "fr", "ar")


def snippet(public_url: str, runtime: str | None = None, site: str = DEMO_CLIENT_ID, lang: str | None = None) -> str:
    """The copy-paste snippet for the demo site."""
    extra = f' data-runtime="{html.escape(runtime)}"' if runtime else ""
    extra += f' data-lang="{html.escape(lang)}"' if lang else ""
    return f'<script src="{public_url}/embed.js" data-site="{html.escape(site)}"{extra} async></script>'


def site_menu(current: str, keep: dict[str, str]) -> str:
    """The site's menu: every link keeps the chosen runtime, language and site, so a visit can be tried."""
    links = []
    for number, (label, _, _) in PAGES.items():
        query = urlencode({"page": number, **keep})
        current_attr = ' aria-current="page"' if number == current else ""
        links.append(f'<a href="/?{html.escape(query)}"{current_attr}>{html.escape(label)}</a>')
    return "\n".join(links)


def host_app(public_url: str) -> Starlette:
    """The demo host site: a few article pages with the snippet and a menu (?page=1|2|3; ?runtime=pyodide
    picks the runtime, ?lang=fr|ar the widget's language, ?site=demo-ext the extensions demo site)."""

    async def page(request: Request) -> HTMLResponse:
        params = request.query_params
        runtime = params.get("runtime")
        runtime = runtime if runtime in ("micropython", "pyodide") else None
        lang = params.get("lang")
        lang = lang if lang in LANGS else None
        number = params.get("page") or "1"
        number = number if number in PAGES else "1"
        _, title, text = PAGES[number]
        site = EXTENSION_SITE if params.get("site") == EXTENSION_SITE else DEMO_CLIENT_ID
        keep = {key: value for key, value in (("runtime", runtime), ("lang", lang)) if value}
        if site != DEMO_CLIENT_ID:
            keep["site"] = site
        return HTMLResponse(HOST_PAGE.format(title=title, body=f"<p>{html.escape(text)}</p>",
                                             menu=site_menu(number, keep),
                                             snippet=snippet(public_url, runtime, site, lang)))

    return Starlette(routes=[Route("/", page), *library_routes(public_url)])  # + the library's demo pages


async def seed(store: Any, settings: Settings, host_origin: str, files: Any = None) -> None:
    """Create alice and bob (friends), their book club (demo_messages) and the demo site, unless they exist."""
    ids = []
    for username, display_name, password in DEMO_USERS:
        user = await store.get_user_by_username(username)
        if user is None:
            user = await store.create_user(username, display_name, password)
        ids.append(user.id)
    if not await store.are_friends(ids[0], ids[1]):
        await store.request(ids[0], DEMO_USERS[1][0])
        await store.accept(ids[1], ids[0])
    values = {
        "name": "The Daily Lantern (demo)",
        "origins": [host_origin],
        "redirect_uris": [f"{settings.public_url}/oauth/callback"],
        "scopes": DEMO_SCOPES,
        "settings": {"theme": "auto", "runtime": "micropython"},
    }
    await save_demo_site(store, DEMO_CLIENT_ID, ids[0], values)
    await seed_club(store, ids[0], ids[1], files)  # edits, a deletion, a reply, reactions and a picture to look at
    await seed_extension_site(store, settings, host_origin, ids[0], DEMO_SCOPES)


async def _run(settings: Settings, host_port: int) -> None:
    host_origin = f"http://127.0.0.1:{host_port}"
    app = create_app(settings)
    parley = uvicorn.Server(
        uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning", **server_options(settings))
    )
    host = uvicorn.Server(uvicorn.Config(host_app(settings.public_url), host="127.0.0.1", port=host_port,
                                         log_level="warning"))
    task = asyncio.create_task(parley.serve())
    while not parley.started:
        if task.done():
            task.result()
            return
        await asyncio.sleep(0.05)
    await seed(app.state.store, settings, host_origin, app.state.files)
    host_task = asyncio.create_task(host.serve())
    while not host.started:
        await asyncio.sleep(0.05)
    print(
        f"\nParley demo is running.\n"
        f"  Parley server : {settings.public_url}\n"
        f"  Demo host site: {host_origin}/   (Pyodide runtime: {host_origin}/?runtime=pyodide; its menu keeps it)\n"
        f"  Accounts      : " + ", ".join(f"{u} / {p}" for u, _, p in DEMO_USERS)
        + " (alice and bob are friends; carol is nobody's friend yet)\n"
        "  Open the host site in two browsers (or a private window), sign in as each. Ctrl+C stops.\n",
        flush=True,
    )
    await asyncio.gather(task, host_task)


def run_demo(settings: Settings, host_port: int = 8001) -> int:
    """Run until interrupted."""
    asyncio.run(_run(settings, host_port))
    return 0
