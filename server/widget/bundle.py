"""The widget bundle built by build.py: its manifest, and serving its files with the right headers.

Hashed files are immutable for a year; the loader (embed.js) has a short cache because its URL is fixed in
every site's snippet. Each file goes out in the best precompressed variant the browser accepts, with CORS and
`Cross-Origin-Resource-Policy: cross-origin` so that any host page (and inline PyScript pages) may load it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response

MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".css": "text/css; charset=utf-8",
    ".py": "text/x-python; charset=utf-8",
    ".json": "application/json",
    ".zip": "application/zip",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
IMMUTABLE = "public, max-age=31536000, immutable"
LOADER_CACHE = "public, max-age=300, stale-while-revalidate=3600"
SHARED_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "X-Content-Type-Options": "nosniff",
    "Vary": "Accept-Encoding",
}


class BundleMissing(RuntimeError):
    """The bundle folder has no manifest: build.py has not run."""


@dataclass(frozen=True)
class Bundle:
    """The built bundle: where it lives and which logical names map to which served files."""

    root: Path
    files: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, root: Path) -> Bundle:
        manifest = root / "manifest.json"
        if not manifest.exists():
            raise BundleMissing(f"no widget bundle at {root}: run `python build.py` first")
        data = json.loads(manifest.read_text())
        return cls(root=root, files=data["files"])

    def url(self, logical: str) -> str:
        """The served path ('/static/...') of a logical file name such as 'pyscript/core.js'."""
        return "/" + str(self.files[logical]["path"])

    def names(self, prefix: str) -> list[str]:
        """Logical names under a prefix, e.g. every 'parley/' module."""
        return sorted(name for name in self.files if name.startswith(prefix))

    def served_paths(self) -> set[str]:
        return {str(entry["path"]) for entry in self.files.values()}


def pick_encoding(accept_encoding: str) -> list[tuple[str, str]]:
    """Variants to try in order of preference: (file suffix, Content-Encoding)."""
    accepted = {part.split(";")[0].strip().lower() for part in accept_encoding.split(",")}
    variants = []
    if "br" in accepted:
        variants.append((".br", "br"))
    if "gzip" in accepted:
        variants.append((".gz", "gzip"))
    return variants


def file_response(path: Path, request: Request, cache_control: str) -> Response:
    """Serve path in the best precompressed variant the client accepts."""
    media_type = MEDIA_TYPES.get(path.suffix, "application/octet-stream")
    headers = {**SHARED_HEADERS, "Cache-Control": cache_control}
    for suffix, encoding in pick_encoding(request.headers.get("accept-encoding", "")):
        variant = path.with_name(path.name + suffix)
        if variant.exists():
            headers["Content-Encoding"] = encoding
            return FileResponse(variant, media_type=media_type, headers=headers)
    return FileResponse(path, media_type=media_type, headers=headers)


def bundle_router(bundle: Bundle) -> APIRouter:
    """Routes for /static/* (hashed, immutable) and /embed.js (the loader, short cache)."""
    router = APIRouter()
    served = bundle.served_paths()

    @router.api_route("/static/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def static_file(path: str, request: Request) -> Response:
        rel = f"static/{path}"
        if rel not in served or not (bundle.root / rel).exists():
            raise HTTPException(404, "no such file")
        return file_response(bundle.root / rel, request, IMMUTABLE)

    @router.api_route("/favicon.ico", methods=["GET", "HEAD"], include_in_schema=False)
    async def favicon(request: Request) -> Response:
        return file_response(bundle.root / str(bundle.files["static/favicon.svg"]["path"]), request, LOADER_CACHE)

    @router.api_route("/embed.js", methods=["GET", "HEAD"], include_in_schema=False)
    async def embed_js(request: Request) -> Response:
        return file_response(bundle.root / str(bundle.files["static/embed.js"]["path"]), request, LOADER_CACHE)

    return router
