"""The /sites console: registration rules, snippet, edit, delete, ownership; and the callback page."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from tests.support.oauth_harness import Browser, LiveServer


def _register(browser: Browser, origins: str, redirect_uris: str = "", scopes: tuple[str, ...] = ("profile",)):
    return browser.post("/sites", {
        "csrf_token": browser.csrf("/sites"), "name": "My Shop", "origins": origins,
        "redirect_uris": redirect_uris, "scopes": list(scopes), "theme": "dark", "runtime": "pyodide",
    })


def test_register_shows_client_id_and_snippet(web_server: LiveServer, browser: Browser, username: str) -> None:
    browser.sign_up(username)
    response = _register(browser, "HTTPS://Shop.Example:443/\nhttp://localhost:8080")
    assert response.status_code == 303
    page = browser.get(response.headers["location"])
    client_id = response.headers["location"].split("/sites/")[1].split("?")[0]
    snippet = (f"&lt;script src=&#34;{web_server.url}/embed.js&#34; data-site=&#34;{client_id}&#34; "
               "async&gt;&lt;/script&gt;")
    assert snippet in page.text
    assert "https://shop.example, http://localhost:8080" in page.text
    assert '<option value="dark" selected>' in page.text and '<option value="pyodide" selected>' in page.text
    assert client_id in browser.get("/sites").text


@pytest.mark.parametrize(("origins", "message"), [
    ("https://shop.example/path", "without a path"),
    ("https://shop.example?x=1", "without a path, query"),
    ("https://user@shop.example", "user info"),
    ("ftp://shop.example", "https:// or http://"),
    ("shop.example", "https:// or http://"),
    ("https://", "no valid host"),
    ("https://shop.example:99999", "not a valid URL"),
    ("", "at least one origin"),
])
def test_bad_origins_are_refused_with_a_clear_message(browser: Browser, username: str, origins: str,
                                                       message: str) -> None:
    browser.sign_up(username)
    response = _register(browser, origins)
    assert response.status_code == 400
    assert message in response.text
    assert "/sites/site_" not in response.text


def test_redirect_uris_must_be_on_an_origin(browser: Browser, username: str) -> None:
    browser.sign_up(username)
    response = _register(browser, "https://shop.example", "https://other.example/cb")
    assert response.status_code == 400 and "not on one of the site" in response.text
    assert _register(browser, "https://shop.example", "https://shop.example/cb#x").status_code == 400
    assert _register(browser, "https://shop.example", "https://shop.example/cb").status_code == 303


def test_edit_and_delete_only_by_the_owner(web_server: LiveServer, browser: Browser, username: str) -> None:
    browser.sign_up(username)
    client_id = browser.register_site("Editable", ["https://one.example"])
    edited = browser.post(f"/sites/{client_id}", {
        "csrf_token": browser.csrf(f"/sites/{client_id}"), "name": "Edited", "origins": "https://two.example",
        "redirect_uris": "", "scopes": ["profile", "share"], "theme": "light", "runtime": "micropython",
    })
    assert edited.status_code == 303
    page = browser.get(f"/sites/{client_id}")
    assert "https://two.example" in page.text and "https://one.example" not in page.text

    intruder = Browser(web_server)
    try:
        intruder.sign_up(username + "x")
        assert intruder.get(f"/sites/{client_id}").status_code == 404
        intruder.post(f"/sites/{client_id}/delete", {"csrf_token": intruder.csrf("/sites")})
        assert browser.get(f"/sites/{client_id}").status_code == 200
    finally:
        intruder.close()

    gone = browser.post(f"/sites/{client_id}/delete", {"csrf_token": browser.csrf(f"/sites/{client_id}")})
    assert gone.status_code == 303
    assert browser.get(f"/sites/{client_id}").status_code == 404


def test_console_needs_sign_in(web_server: LiveServer) -> None:
    visitor = Browser(web_server)
    try:
        response = visitor.get("/sites")
        assert response.status_code == 303 and response.headers["location"] == "/account?next=/sites"
    finally:
        visitor.close()


def test_callback_page_posts_to_parley_origin_with_a_hashed_script(web_server: LiveServer,
                                                                  browser: Browser) -> None:
    response = browser.get("/oauth/callback?code=abc&state=s&iss=x")
    assert response.status_code == 200
    assert f'data-target="{web_server.url}"' in response.text
    script = re.search(r"<script>(.*?)</script>", response.text, re.S)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    csp = response.headers["content-security-policy"]
    assert f"script-src 'sha256-{digest}'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["cross-origin-opener-policy"] == "unsafe-none"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert 'type: "parley:oauth"' in script.group(1)
    assert "postMessage(message, targets[i])" in script.group(1)  # exact origins only, never "*"
    assert '"*"' not in script.group(1)
