"""A dropped connection, as the library meets it in real Chromium on both runtimes: a server that closes the
connection in the middle of its answer, and a port nobody listens on. The browser reports both as
TypeError("Failed to fetch"), the second one only when the body is read; the library turns them into
ParleyError("network") and no error is left uncaught in the page (the conftest fails the test on any)."""

from __future__ import annotations

import http.server
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.local_site import send_body, serving
from tests.servers import DemoServer, free_port

# Runs in the page: each scenario's outcome (the exception's type and code) goes into data-result.
SCENARIOS = """
import asyncio
import json

from pyscript import document, fetch, window

from parley.connection import Connection
from parley.http import ParleyError, request
from parley.inline_auth import InlineAuth

HERE = str(window.location.origin)
results = {}


def outcome(error):
    return {"type": type(error).__name__, "code": getattr(error, "code", None)}


async def attempt(name, coroutine):
    try:
        results[name] = {"returned": await coroutine}
    except Exception as error:
        results[name] = outcome(error)


await attempt("cut_body", request("GET", HERE + "/cut"))
await attempt("refused", request("GET", DEAD))
auth = InlineAuth(HERE, "demo-site", "profile")
await attempt("token_cut_body", auth._post("/cut", {"grant_type": "refresh_token"}))
# A silent sign-in that cannot reach the server raises (callers retry) and keeps the refresh token; one the
# server refuses ends the sign-in (None) and forgets it.
cut = InlineAuth(HERE + "/cutting", "demo-site", "profile")
cut.refresh_token = "kept-from-earlier"
await attempt("restore_cut_body", cut.restore())
results["kept_after_cut"] = cut.refresh_token
refused = InlineAuth(HERE + "/refusing", "demo-site", "profile")
refused.refresh_token = "revoked-meanwhile"
await attempt("restore_refused", refused.restore())
results["kept_after_refusal"] = refused.refresh_token

# The socket's open handler is called by the browser: a failure while making the hello (here the raw fetch
# error a token refresh met before the library wrapped it) must neither escape into the page nor stop the
# reconnection.
hellos = []


async def failing_hello():
    hellos.append(1)
    await fetch(DEAD)


connection = Connection(WS_URL, failing_hello, lambda frame: None, lambda status: None, lambda action: None)
connection.start()
for _ in range(300):
    if len(hellos) >= 2:
        break
    await asyncio.sleep(0.05)
connection.stop()
results["hello_attempts"] = len(hellos)
document.body.dataset.result = json.dumps(results)
"""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>network errors</title><link rel="icon" href="data:,">
<script type="module" src="{parley}/inline/core.js"></script></head>
<body><script type="{script_type}" config="{parley}/inline/config.json?site=demo-site&amp;runtime={runtime}">
DEAD = "{dead}"
WS_URL = "{ws_url}"
{code}
</script></body></html>
"""


class PageAndDroppedAnswers(http.server.BaseHTTPRequestHandler):
    """/page: the scenarios' page; POST /refusing/...: 400 invalid_grant; anything else (GET or POST): 200 with
    a Content-Length the body never reaches, then the connection is closed."""

    page = ""

    def do_GET(self) -> None:
        if self.path.startswith("/page"):
            send_body(self, 200, self.page.encode(), "text/html; charset=utf-8")
        else:
            self.cut()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/refusing/"):
            send_body(self, 400, b'{"error": "invalid_grant", "error_description": "revoked"}',
                      "application/json", ("Access-Control-Allow-Origin", "*"))
            return
        self.cut()

    def cut(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "4096")
        self.end_headers()
        self.wfile.write(b'{"access_token": "')
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(2)  # socket.SHUT_RDWR: the answer stops here

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def page_server(demo: DemoServer) -> Iterator[tuple[str, type[PageAndDroppedAnswers]]]:
    handler = type("Handler", (PageAndDroppedAnswers,), {})
    with serving(handler) as origin:
        yield origin, handler


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", ["micropython", "pyodide"])
async def test_dropped_connections_become_parley_errors(
    demo: DemoServer, new_context: Any, runtime: str, page_server: tuple[str, Any]
) -> None:
    origin, handler = page_server
    handler.page = PAGE.format(
        parley=demo.parley_url,
        runtime=runtime,
        script_type="py" if runtime == "pyodide" else "mpy",
        dead=f"http://127.0.0.1:{free_port()}/nobody",
        ws_url=demo.parley_url.replace("http", "ws", 1) + "/v1/ws",
        code=SCENARIOS,
    )
    context = await new_context()
    page = await context.new_page()
    await page.goto(f"{origin}/page")
    await page.wait_for_function("document.body.dataset.result", timeout=60000)
    results = json.loads(await page.evaluate("document.body.dataset.result"))

    network = {"type": "ParleyError", "code": "network"}
    assert results["cut_body"] == network, results
    assert results["refused"] == network, results
    assert results["token_cut_body"] == network, results
    assert results["restore_cut_body"] == network, results  # unreachable: the caller retries later
    assert results["kept_after_cut"] == "kept-from-earlier", results
    assert results["restore_refused"] == {"returned": None}, results  # the server said no: signed out
    assert results["kept_after_refusal"] is None, results
    assert results["hello_attempts"] >= 2, results  # the failed hello closed the socket and it reconnected
