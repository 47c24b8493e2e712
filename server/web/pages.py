"""Rendering Parley's own HTML pages: Jinja2 templates, CSRF token in context, strict security headers."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..oauth.scopes import SCOPE_DESCRIPTIONS
from ..security import apply_page_headers, content_security_policy
from . import sessions

HERE = Path(__file__).resolve().parent
STYLESHEET = HERE / "static" / "pages.css"

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.globals["describe"] = lambda scope: SCOPE_DESCRIPTIONS.get(scope, scope)


async def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    form_targets: Iterable[str] = (),
    script_hashes: Iterable[str] = (),
    opener_policy: str = "same-origin",
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a template with the visitor, a CSRF token and Parley's page headers."""
    data = {
        "signed_in": await sessions.current(request),
        "csrf_token": await sessions.csrf_token_for(request),
        "notice": None,
        "error": None,
    }
    data.update(context or {})
    response = HTMLResponse(templates.get_template(name).render(data), status_code=status_code)
    csp = content_security_policy(script_hashes=script_hashes, form_targets=form_targets)
    apply_page_headers(response, csp, opener_policy=opener_policy)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    sessions.attach_pre_session(request, response)
    return response


async def error_page(request: Request, heading: str, message: str, status_code: int = 400) -> HTMLResponse:
    """A plain error page (used when an OAuth error must not be redirected to an unverified client)."""
    return await render(
        request, "error.html", {"heading": heading, "message": message}, status_code=status_code,
        opener_policy="unsafe-none",
    )


def safe_next(value: str | None, default: str = "/account") -> str:
    """A same-origin path to continue to after signing in; anything else falls back to `default`."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(ch) < 0x21 for ch in value) or urlsplit(value).netloc:
        return default
    return value


def see_other(location: str) -> Response:
    """A 303 redirect after a form post."""
    response = Response(status_code=303, headers={"Location": location})
    response.headers["Cache-Control"] = "no-store"
    return response
