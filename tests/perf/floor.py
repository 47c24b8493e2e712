"""The floor for the widget: a bare PyScript page with a WebSocket echo, served on its own loopback origin.

`python -m tests.perf.floor --port P --parley http://localhost:PORT` serves `/?runtime=micropython|pyodide`:
PyScript's core and the interpreter come from the Parley server's /static (the very files the widget loads),
the page's Python opens a WebSocket to this server's `/ws` echo, sends one frame and, when it comes back,
sets the performance mark `floor-ready`. Nothing else: what the widget costs above this is ours.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

ROOT = Path(__file__).resolve().parents[2]
INTERPRETERS = {"micropython": ("mpy", "micropython/micropython.mjs"), "pyodide": ("py", "pyodide/pyodide.mjs")}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>PyScript floor</title><link rel="icon" href="data:,">
<script type="module" src="{core}"></script></head>
<body>
<script type="{script_type}" config='{config}'>
from pyscript import WebSocket, window

def opened(event):
    ws.send("ping")

def echoed(event):
    window.performance.mark("floor-ready")

ws = WebSocket(url="{ws_url}")
ws.onopen = opened
ws.onmessage = echoed
</script>
</body></html>
"""


def bundle_url(bundle: Path, parley_url: str, logical: str) -> str:
    manifest = json.loads((bundle / "manifest.json").read_text())
    return f"{parley_url}/{manifest['files'][logical]['path']}"


def floor_app(parley_url: str, port: int, bundle: Path) -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        runtime = request.query_params.get("runtime", "micropython")
        script_type, interpreter = INTERPRETERS.get(runtime, INTERPRETERS["micropython"])
        html = PAGE.format(
            core=bundle_url(bundle, parley_url, "pyscript/core.js"),
            script_type=script_type,
            config=json.dumps({"interpreter": bundle_url(bundle, parley_url, interpreter)}),
            ws_url=f"ws://127.0.0.1:{port}/ws",
        )
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def echo(ws: WebSocket) -> None:
        await ws.accept()
        try:
            while True:
                await ws.send_text(await ws.receive_text())
        except WebSocketDisconnect:
            pass

    return Starlette(routes=[Route("/", page), WebSocketRoute("/ws", echo)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--parley", required=True)
    parser.add_argument("--bundle", type=Path, default=ROOT / "build" / "bundle")
    args = parser.parse_args()
    uvicorn.run(floor_app(args.parley, args.port, args.bundle), host="127.0.0.1", port=args.port, log_level="warning",
                ws_per_message_deflate=False)


if __name__ == "__main__":
    main()
