"""Checking a site's extension modules when the owner saves them: each URL is fetched once by the server and
must answer 200, with CORS that lets the widget frame (on Parley's origin) read it, within a size cap, and
compile as Python. The source is compiled, never run.

The URLs are on the site's own registered origins (`oauth.widget_settings.extension_urls`). Redirects are not
followed, the timeout is short and an error names the URL and the reason only, never the body's content.
"""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request

from parley.extensions import MAX_SOURCE_CHARS

TIMEOUT = 4.0
MAX_BYTES = MAX_SOURCE_CHARS * 4  # the widget caps characters; UTF-8 takes at most 4 bytes each


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _fetch(url: str, parley_origin: str) -> str | None:
    """Fetch and check one module (blocking); the problem in words, or None when it is fine."""
    request = urllib.request.Request(url, headers={"Origin": parley_origin, "Accept": "text/x-python, text/plain"})
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            status = response.status
            cors = response.headers.get("Access-Control-Allow-Origin", "")
            body = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        return f"it answered HTTP {exc.code} (expected 200)."
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"it could not be fetched ({reason})."
    if status != 200:
        return f"it answered HTTP {status} (expected 200)."
    if cors not in ("*", parley_origin):
        return (f"it is not served with CORS for the widget: send Access-Control-Allow-Origin: * "
                f"(or {parley_origin}).")
    if len(body) > MAX_BYTES:
        return f"it is larger than {MAX_SOURCE_CHARS} characters."
    try:
        source = body.decode("utf-8")
    except UnicodeDecodeError:
        return "it is not UTF-8 text."
    if len(source) > MAX_SOURCE_CHARS:
        return f"it is larger than {MAX_SOURCE_CHARS} characters."
    try:
        compile(source, url, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        line = f" on line {exc.lineno}" if isinstance(exc, SyntaxError) and exc.lineno else ""
        message = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        return f"it is not valid Python: {message}{line}."
    return None


async def check_extensions(urls: list[str], parley_origin: str) -> dict[str, str]:
    """Check every URL at once; {url: problem} for those that fail (empty when all are fine)."""
    problems = await asyncio.gather(*[asyncio.to_thread(_fetch, url, parley_origin) for url in urls])
    return {url: problem for url, problem in zip(urls, problems, strict=True) if problem}
