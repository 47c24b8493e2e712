"""The copy-paste widget's frame page (/frame): PyScript + the parley package, on the Parley origin.

The host page's origin comes in the query (`host`) and must be one of the site's registered origins; the
page's CSP `frame-ancestors` names exactly those origins, so the browser enforces what the query claims.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from .bundle import Bundle
from .store import tables

RUNTIMES = {"micropython": ("mpy", "micropython/micropython.mjs", "micropython/micropython.wasm"),
            "pyodide": ("py", "pyodide/pyodide.mjs", "pyodide/pyodide.asm.wasm")}
DEFAULT_RUNTIME = "micropython"
THEMES = ("light", "dark", "auto")
LANGS = ("en", "fr")

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


@dataclass(frozen=True)
class SiteInfo:
    """What the frame needs to know of a registered site."""

    id: int
    client_id: str
    name: str
    origins: list[str]
    scopes: str
    settings: dict[str, Any]


async def load_site(request: Request, client_id: str) -> SiteInfo | None:
    """The registered site with this client id, or None."""
    store = request.app.state.store
    async with store.engine.connect() as conn:
        row = (
            await conn.execute(select(tables.sites).where(tables.sites.c.client_id == client_id))
        ).mappings().first()
    if row is None:
        return None
    return SiteInfo(
        id=row["id"], client_id=row["client_id"], name=row["name"], origins=list(row["origins"]),
        scopes=row["scopes"], settings=dict(row["settings"] or {}),
    )


def pyscript_config(bundle: Bundle, public_url: str, runtime: str) -> dict[str, Any]:
    """PyScript config: the local interpreter (never a CDN) and the parley package's hashed files."""
    interpreter = RUNTIMES[runtime][1]
    files = {public_url + bundle.url(name): "./" + name for name in bundle.names("parley/")}
    return {"interpreter": public_url + bundle.url(interpreter), "files": files}


def frame_csp(public_url: str, ancestors: list[str]) -> str:
    """The frame page's policy: own origin only, framed by the site's origins only.

    'unsafe-eval' is measured necessary: PyScript 0.7 compiles its plugin hooks with `Function(...)` at start
    (core.js), and refuses to boot without it. Everything the frame runs still comes from this origin only.
    """
    ws = public_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    return "; ".join([
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        f"connect-src 'self' {ws}",
        "img-src 'self' data:",
        "font-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors " + (" ".join(ancestors) if ancestors else "'none'"),
    ])


def error_page(status: int, message: str) -> HTMLResponse:
    body = (
        "<!doctype html><meta charset=utf-8><title>Parley</title>"
        f"<p style='font:14px system-ui;padding:1em'>{message}</p>"
    )
    return HTMLResponse(body, status_code=status, headers={"Content-Security-Policy": "default-src 'none'"})


def frame_router(bundle: Bundle) -> APIRouter:
    """GET /frame?site=CLIENT_ID&host=ORIGIN[&runtime=&theme=&lang=]."""
    router = APIRouter()

    @router.get("/frame", include_in_schema=False)
    async def frame(
        request: Request, site: str = "", host: str = "", runtime: str = "", theme: str = "", lang: str = ""
    ) -> HTMLResponse:
        info = await load_site(request, site)
        if info is None:
            return error_page(404, "Parley: this site is not registered (check data-site in the snippet).")
        if host not in info.origins:
            return error_page(403, "Parley: this page's origin is not one of the site's registered origins.")
        settings = request.app.state.settings
        runtime = runtime if runtime in RUNTIMES else str(info.settings.get("runtime", DEFAULT_RUNTIME))
        runtime = runtime if runtime in RUNTIMES else DEFAULT_RUNTIME
        theme = theme if theme in THEMES else str(info.settings.get("theme", "auto"))
        lang = lang if lang in LANGS else str(info.settings.get("lang", "en"))
        public_url: str = settings.public_url
        config = {
            "site": {"client_id": info.client_id, "name": info.name, "scopes": info.scopes},
            "host_origin": host,
            "public_url": public_url,
            "ws_url": public_url.replace("http", "ws", 1) + "/v1/ws",
            "runtime": runtime,
            "theme": theme,
            "lang": lang,
        }
        script_type, _interpreter, wasm = RUNTIMES[runtime]
        html = _templates.get_template("frame.html").render(
            lang=lang,
            theme=theme,
            widget_css=bundle.url("static/widget.css"),
            core_js=bundle.url("pyscript/core.js"),
            interpreter_wasm=bundle.url(wasm),
            module_urls=[bundle.url(name) for name in bundle.names("parley/")] if runtime == "micropython" else [],
            boot_js=bundle.url("static/frame-boot.js"),
            idb_dir=bundle.url("fake-indexeddb/fakeIndexedDB.js").rsplit("/", 1)[0] + "/",
            runtime=runtime,
            config_json=json.dumps(config).replace("<", "\\u003c"),
            script_type=script_type,
            pyscript_config=json.dumps(pyscript_config(bundle, public_url, runtime)),
        )
        headers = {
            "Content-Security-Policy": frame_csp(public_url, info.origins),
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        }
        return HTMLResponse(html, headers=headers)

    return router
