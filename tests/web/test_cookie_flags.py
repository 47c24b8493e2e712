"""Cookie flags follow the public URL: https means every cookie Parley sets is Secure, unless the operator says
otherwise (`secure_cookies`); the pre-session CSRF cookie carries the same flags as the session cookie."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from server.settings import Settings
from tests.support.oauth_harness import build_app, csrf_in

pytestmark = pytest.mark.anyio


def flags(set_cookie: str) -> set[str]:
    """The attribute names of one Set-Cookie value, lower-case (Max-Age and Expires left out: they differ)."""
    parts = [part.strip() for part in set_cookie.split(";")[1:]]
    return {part.lower() for part in parts if not part.lower().startswith(("max-age", "expires"))}


def cookie_named(response: httpx.Response, name: str) -> str:
    found = [value for value in response.headers.get_list("set-cookie") if value.startswith(name + "=")]
    assert len(found) == 1, response.headers.get_list("set-cookie")
    return found[0]


@pytest.mark.parametrize(
    ("public_url", "secure_cookies", "secure"),
    [
        ("https://chat.example", None, True),
        ("http://localhost:8000", None, False),
        ("http://localhost:8000", True, True),
        ("https://chat.example", False, False),
    ],
)
async def test_cookies_are_secure_when_the_public_url_is_https(tmp_path: Path, public_url, secure_cookies, secure):
    settings = Settings(public_url=public_url, secure_cookies=secure_cookies, data_dir=tmp_path,
                        secret_key="test-secret-key").resolved()
    assert settings.cookies_secure is secure
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
            page = await http.get("/account")
            pre_session = cookie_named(page, "parley_csrf")
            signed_up = await http.post("/account/signup", data={
                "csrf_token": csrf_in(page.text), "username": "cookie" + ("s" if secure else "p"),
                "display_name": "Cookie", "password": "correct horse 1", "next": "/account"})
            assert signed_up.status_code == 303, signed_up.text
            session = cookie_named(signed_up, "parley_session")
            signed_out = await http.post("/account/signout", data={"csrf_token": csrf_in((await http.get(
                "/account")).text)})
            cleared = cookie_named(signed_out, "parley_session")
    assert ("secure" in flags(session)) is secure
    assert flags(pre_session) == flags(session) == flags(cleared)
    assert {"httponly", "samesite=lax", "path=/"} <= flags(session)
