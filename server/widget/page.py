"""The copy-paste widget's frame page (/frame): PyScript + the parley package, on the Parley origin.

The host page's origin comes in the query (`host`) and must be one of the site's registered origins; the
page's CSP `frame-ancestors` names exactly those origins, so the browser enforces what the query claims.
The one other host is Parley's own origin, for the console's live preview (`web/console_preview.py`): then
`frame-ancestors` is `'self'` and the page takes the preview's draft settings (`preview`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..oauth.origins import origin_of
from ..store.records import SiteRecord
from .bundle import Bundle
from .look import accent_style, frame_look, launcher_look, preview_draft
from .paint import kept_place

RUNTIMES = {"micropython": ("mpy", "micropython/micropython.mjs", "micropython/micropython.wasm"),
            "pyodide": ("py", "pyodide/pyodide.mjs", "pyodide/pyodide.asm.wasm")}
# JS modules every boot imports one level at a time (core.js -> core-*.js -> these -> the interpreter), measured
# in the frame's network log: preloaded at once, they load in parallel (docs/performance.md).
BOOT_CHUNKS = ("core-", "deprecations-manager-", "donkey-", "error-", "py-editor-", "py-game-", "py-terminal-")
BOOT_INTERPRETER = {"micropython": ("micropython/micropython.mjs",),
                    "pyodide": ("pyodide/pyodide.mjs", "pyodide/pyodide.asm.mjs")}
DEFAULT_RUNTIME = "micropython"
THEMES = ("light", "dark", "auto")
LANGS = ("en", "fr", "ar")
MAX_EXTENSIONS = 10

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


async def load_site(request: Request, client_id: str) -> SiteRecord | None:
    """The registered site with this client id, or None."""
    site: SiteRecord | None = await request.app.state.store.site_by_client_id(client_id)
    return site


def pyscript_config(bundle: Bundle, public_url: str, runtime: str) -> dict[str, Any]:
    """PyScript config: the local interpreter (never a CDN) and the parley package's hashed files."""
    interpreter = RUNTIMES[runtime][1]
    files = {public_url + bundle.url(name): "./" + name.removeprefix("mpy/") for name in package_files(bundle, runtime)}
    return {"interpreter": public_url + bundle.url(interpreter), "files": files}


def package_files(bundle: Bundle, runtime: str) -> list[str]:
    """The parley package's logical file names for a runtime: MicroPython gets the bytecode that build.py
    precompiled (mpy/parley/*.mpy, no compile step in the browser) when the bundle has it."""
    return (runtime == "micropython" and bundle.names("mpy/parley/")) or bundle.names("parley/")


def boot_modules(bundle: Bundle, runtime: str) -> list[str]:
    """Served paths of the JS modules the frame's boot imports, for <link rel=modulepreload>."""
    chunks = [name for name in bundle.names("pyscript/") if name.split("/", 1)[1].startswith(BOOT_CHUNKS)]
    return [bundle.url(name) for name in [*chunks, *BOOT_INTERPRETER[runtime]] if name.endswith((".js", ".mjs"))]


def site_extensions(info: SiteRecord, urls: object = None) -> list[str]:
    """The extension module URLs (the site's settings', or `urls`) that are on its registered origins (max 10)."""
    urls = info.settings.get("extensions") or [] if urls is None else urls
    out: list[str] = []
    for url in urls if isinstance(urls, list) else []:
        if isinstance(url, str) and origin_of(url) in info.origins and url not in out:
            out.append(url)
    return out[:MAX_EXTENSIONS]


def extension_origins(info: SiteRecord, urls: object = None) -> list[str]:
    """The origins the frame fetches extensions (and their cards' images) from."""
    return sorted({origin_of(url) or "" for url in site_extensions(info, urls)} - {""})


def frame_csp(public_url: str, ancestors: list[str], extension_hosts: list[str] | None = None) -> str:
    """The frame page's policy: own origin only, framed by the site's origins only.

    'unsafe-eval' is measured necessary: PyScript 0.7 compiles its plugin hooks with `Function(...)` at start
    (core.js), and refuses to boot without it. Everything the frame runs still comes from this origin only.
    """
    ws = public_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    return "; ".join([
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        " ".join(["connect-src 'self'", ws, *(extension_hosts or [])]),  # extensions are fetched from the site
        " ".join(["img-src 'self' data: blob:", *(extension_hosts or [])]),  # cards' images; pictures (blob:)
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
    """GET /frame?site=CLIENT_ID&host=ORIGIN[&runtime=&theme=&lang=&accent=&preview=]."""
    router = APIRouter()

    @router.get("/frame", include_in_schema=False)
    async def frame(
        request: Request, site: str = "", host: str = "", runtime: str = "", theme: str = "", lang: str = "",
        accent: str = "", preview: str = "",
    ) -> HTMLResponse:
        info = await load_site(request, site)
        if info is None:
            return error_page(404, "Parley: this site is not registered (check data-site in the snippet).")
        settings = request.app.state.settings
        own_origin = origin_of(settings.public_url)
        previewing = host == own_origin  # the console's preview: only Parley's own pages may frame it
        if host not in info.origins and not previewing:
            return error_page(403, "Parley: this page's origin is not one of the site's registered origins.")
        runtime = runtime if runtime in RUNTIMES else str(info.settings.get("runtime", DEFAULT_RUNTIME))
        runtime = runtime if runtime in RUNTIMES else DEFAULT_RUNTIME
        theme = theme if theme in THEMES else str(info.settings.get("theme", "auto"))
        lang = lang if lang in LANGS else str(info.settings.get("lang", ""))  # "": the browser's language
        public_url: str = settings.public_url
        look = frame_look(info, lang, accent, preview_draft(info, preview) if previewing else None)
        extensions = site_extensions(info, look["extensions"])
        config = {
            "site": {"client_id": info.client_id, "name": info.name, "scopes": info.scopes},
            "host_origin": host,
            "public_url": public_url,
            "ws_url": public_url.replace("http", "ws", 1) + "/v1/ws",
            "runtime": runtime,
            "theme": theme,
            "lang": lang,
            "look": launcher_look(look),
            "features": look["features"],
            "extensions": extensions,
            "dpop": public_url + bundle.url("static/dpop.js"),
            "dpop_nonce": request.app.state.dpop.nonce(),  # the first DPoP proof needs no nonce round trip
        }
        kept = "" if previewing else await kept_place(request, info.client_id, info.id)
        script_type, _interpreter, wasm = RUNTIMES[runtime]
        html = _templates.get_template("frame.html").render(
            lang=lang,
            theme=theme,
            accent_style=accent_style(look["accent"]),
            features=look["features"],
            widget_css=bundle.url("static/widget.css"),
            core_js=bundle.url("pyscript/core.js"),
            interpreter_wasm=bundle.url(wasm),
            module_urls=[bundle.url(n) for n in package_files(bundle, runtime)] if runtime == "micropython" else [],
            boot_js=bundle.url("static/frame-boot.js"),
            paint_js=bundle.url("static/paint.js"),
            dpop_js=bundle.url("static/dpop.js"),
            boot_modules=boot_modules(bundle, runtime),
            idb_js=bundle.url("fake-indexeddb/fake-indexeddb.js"),
            runtime=runtime,
            config_json=json.dumps(config).replace("<", "\\u003c"),
            kept_json=json.dumps(kept).replace("<", "\\u003c") if kept else "",
            script_type=script_type,
            pyscript_config=json.dumps(pyscript_config(bundle, public_url, runtime)),
        )
        headers = {
            "Content-Security-Policy": frame_csp(public_url, ["'self'"] if previewing else list(info.origins),
                                                 extension_origins(info, extensions)),
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        }
        return HTMLResponse(html, headers=headers)

    return router
