"""The demo host site's pages for the Python library (docs/python-api.md): an inline PyScript page and the
documented example extensions, plus a second demo site ("demo-ext") whose copy-paste widget loads them.

  /inline?runtime=micropython|pyodide   the widget mounted inline, with the three examples loaded (&page=1|2|3:
                                        the shop's pages, to try a visit across pages inline)
  /?site=demo-ext                       the copy-paste widget with the examples as site extensions
  /ext/<name>.py                        docs/examples/<name>.py (CORS: the widget frame fetches them)
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
EXTENSION_SITE = "demo-ext"
EXAMPLE_NAMES = ("roll", "product_card", "highlight_share")
BROKEN = 'raise RuntimeError("this extension fails on purpose: the widget must carry on without it")\n'
LANTERN = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">'
    '<rect width="64" height="64" rx="10" fill="#23395d"/><path d="M24 14h16v6H24zM20 22h24l-4 28H24z" '
    'fill="#f5b301"/><circle cx="32" cy="36" r="6" fill="#fff4c2"/></svg>'
)
CORS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"}

INLINE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lantern shop (inline Parley)</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="{parley}/inline/core.css">
<script type="module" src="{parley}/inline/core.js"></script>
<style>body{{margin:0;font:16px/1.5 system-ui,sans-serif;background:#fbfaf7;color:#222}}
header{{background:#23395d;color:#fff;padding:14px 24px}} header a{{color:#cfe0ff;margin-right:14px}}
main{{display:flex;gap:32px;padding:24px;flex-wrap:wrap}} #chat{{width:380px;height:560px;border:1px solid #ccd;
border-radius:12px;overflow:hidden}}</style></head>
<body><header><nav><a href="/?page=1">Front page</a><a href="/?page=2">Science</a></nav>
<nav aria-label="Shop">{menu}</nav></header>
<main><article><h1>{title}</h1><p>This page mounts Parley inline with <code>import parley</code> and loads the
documented examples: <code>/roll</code>, product cards and "highlight what a friend shared". The shop's pages keep
the chat as you left it (its place and drafts in this page's sessionStorage: <code>keep="session"</code>).</p>
</article>
<div id="chat"></div></main>
<script src="{parley}/inline/paint.js" data-site="demo-site" data-target="#chat"></script>
<script type="{script_type}" config="{parley}/inline/config.json?site=demo-site&amp;runtime={runtime}">
import parley

await parley.load_extensions({extensions})
await parley.mount("#chat", persist="session")
</script>
</body></html>
"""


SHOP_PAGES = {"1": ("Shop", "Lantern shop"), "2": ("Lanterns", "Storm lanterns"), "3": ("Visit us", "Our workshop")}


def shop_menu(current: str, runtime: str) -> str:
    """The inline shop's own pages (the menu keeps the runtime chosen)."""
    links = []
    for number, (label, _) in SHOP_PAGES.items():
        current_attr = ' aria-current="page"' if number == current else ""
        links.append(f'<a href="/inline?page={number}&amp;runtime={runtime}"{current_attr}>{html.escape(label)}</a>')
    return "".join(links)


def extension_urls(host_origin: str) -> list[str]:
    return [f"{host_origin}/ext/{name}.py" for name in EXAMPLE_NAMES] + [f"{host_origin}/ext/broken.py"]


def library_routes(public_url: str) -> list[Route]:
    """Routes of the demo host site for the library."""

    async def inline(request: Request) -> HTMLResponse:
        runtime = request.query_params.get("runtime")
        runtime = runtime if runtime in ("micropython", "pyodide") else "micropython"
        extensions = ", ".join(f'"/ext/{name}.py"' for name in EXAMPLE_NAMES)
        number = request.query_params.get("page") or "1"
        number = number if number in SHOP_PAGES else "1"
        page = INLINE_PAGE.format(parley=html.escape(public_url), runtime=runtime, title=SHOP_PAGES[number][1],
                                  menu=shop_menu(number, runtime),
                                  script_type="py" if runtime == "pyodide" else "mpy", extensions=extensions)
        return HTMLResponse(page)

    async def asset(request: Request) -> Response:
        if request.path_params["name"] == "lantern.svg":
            return Response(LANTERN, media_type="image/svg+xml", headers=CORS)
        return Response("not found", status_code=404)

    async def extension_py(request: Request) -> Response:
        name = str(request.path_params["name"])
        if name == "broken" or name in EXAMPLE_NAMES:
            source = BROKEN if name == "broken" else (EXAMPLES / f"{name}.py").read_text()
            return Response(source, media_type="text/x-python", headers=CORS)
        return Response("not found", status_code=404)

    return [Route("/inline", inline), Route("/ext/{name}.py", extension_py), Route("/ext/{name}", asset)]


async def seed_extension_site(store: Any, settings: Any, host_origin: str, owner_id: int, scopes: str) -> None:
    """The 'demo-ext' site: same origin as the demo site, with the examples listed as extensions."""
    values = {
        "name": "The Daily Lantern (extensions demo)",
        "origins": [host_origin],
        "redirect_uris": [f"{settings.public_url}/oauth/callback"],
        "scopes": scopes,
        "settings": {"theme": "auto", "runtime": "micropython", "extensions": extension_urls(host_origin)},
    }
    await save_demo_site(store, EXTENSION_SITE, owner_id, values)


async def save_demo_site(store: Any, client_id: str, owner_id: int, values: dict[str, Any]) -> None:
    """Register a demo site under its fixed client id, or update it to ``values``, through the same store
    methods as the console and the CLI."""
    site = await store.site_by_client_id(client_id)
    if site is None:
        await store.create_site(client_id=client_id, owner_id=owner_id, **values)
    else:
        await store.update_site(site.id, **values)
