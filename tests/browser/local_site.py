"""A developer's own site for the browser tests: a real HTTP server on another loopback origin (the browser's
local-network checks refuse a page that Playwright fulfils itself), with the handler each test needs."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator


def send_body(handler: http.server.BaseHTTPRequestHandler, status: int, body: bytes, content_type: str,
              *headers: tuple[str, str]) -> None:
    """Answer with a whole body: status, Content-Type, Content-Length, any extra headers."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers:
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


@contextlib.contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on 127.0.0.1 in a thread; yields the origin, shuts the server down afterwards."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
