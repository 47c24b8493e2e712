"""The /account pages over real HTTP: sessions, CSRF on every form, sign-in rate limit, headers."""

from __future__ import annotations

import pytest

from tests.support.oauth_harness import Browser, LiveServer, exchange, get_code, principal


def _cookie_header(response: object, name: str) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return next(h for h in headers if h.startswith(name + "="))


def test_sign_up_in_out_and_cookie_flags(browser: Browser, username: str) -> None:
    token = browser.csrf("/account")
    response = browser.post("/account/signup", {
        "csrf_token": token, "username": username, "display_name": "Ada L.", "password": "long enough 1",
    })
    assert response.status_code == 303
    cookie = _cookie_header(response, "parley_session").lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    page = browser.get("/account")
    assert "Hello, Ada L." in page.text and f"@{username}" in page.text

    out = browser.post("/account/signout", {"csrf_token": browser.csrf("/account")})
    assert out.status_code == 303
    assert "Sign in" in browser.get("/account").text

    back = browser.sign_in(username, "long enough 1")
    assert back.status_code == 303 and back.headers["location"] == "/account"
    assert "Hello, Ada L." in browser.get("/account").text


def test_bad_sign_up_input_is_explained(browser: Browser) -> None:
    token = browser.csrf("/account")
    response = browser.post("/account/signup", {
        "csrf_token": token, "username": "x", "display_name": "X", "password": "long enough 1",
    })
    assert response.status_code == 400 and "username is 3 to 32" in response.text


def test_wrong_password_and_unknown_user_look_alike(browser: Browser, username: str) -> None:
    browser.sign_up(username)
    browser.post("/account/signout", {"csrf_token": browser.csrf("/account")})
    wrong = browser.sign_in(username, "not the password")
    unknown = browser.sign_in("nobody" + username, "not the password")
    assert wrong.status_code == unknown.status_code == 400
    assert "Wrong username or password." in wrong.text and "Wrong username or password." in unknown.text


def test_sign_in_is_rate_limited_per_username_and_ip(browser: Browser, username: str) -> None:
    browser.sign_up(username, password="right password 1")
    browser.post("/account/signout", {"csrf_token": browser.csrf("/account")})
    for _ in range(5):
        assert browser.sign_in(username, "wrong password").status_code == 400
    limited = browser.sign_in(username, "right password 1")  # even the right password waits now
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 300
    assert "Too many failed sign-ins" in limited.text
    assert "parley_session" not in limited.headers.get("set-cookie", "")


def test_change_password_signs_out_other_sessions(web_server: LiveServer, browser: Browser,
                                                  username: str) -> None:
    browser.sign_up(username, password="first password")
    other = Browser(web_server)
    try:
        assert other.sign_in(username, "first password").status_code == 303
        wrong = browser.post("/account/password", {
            "csrf_token": browser.csrf("/account"), "current_password": "nope", "new_password": "second password",
        })
        assert wrong.status_code == 400 and "current password is wrong" in wrong.text
        done = browser.post("/account/password", {
            "csrf_token": browser.csrf("/account"), "current_password": "first password",
            "new_password": "second password",
        })
        assert done.status_code == 303
        assert "password was changed" in browser.get(done.headers["location"]).text  # this one stays in
        assert "Sign in" in other.get("/account").text and "Hello" not in other.get("/account").text
        browser.post("/account/signout", {"csrf_token": browser.csrf("/account")})
        assert browser.sign_in(username, "first password").status_code == 400
        assert browser.sign_in(username, "second password").status_code == 303
    finally:
        other.close()


@pytest.mark.parametrize("path", ["/account/signin", "/account/signup", "/account/signout",
                                  "/account/password", "/account/sites/1/revoke", "/sites"])
@pytest.mark.parametrize("token", [None, "", "wrong"])
def test_every_form_needs_its_csrf_token(browser: Browser, username: str, path: str, token: str | None) -> None:
    browser.sign_up(username)
    data = {"username": username, "password": "correct horse 1", "current_password": "correct horse 1",
            "new_password": "another one 1", "name": "X", "origins": "https://x.example", "scopes": "profile"}
    if token is not None:
        data["csrf_token"] = token
    response = browser.post(path, data)
    assert response.status_code == 403
    assert "parley_session" not in response.headers.get("set-cookie", "")
    assert "Hello" in browser.get("/account").text  # still signed in: sign-out was not forged


def test_anonymous_token_is_bound_to_its_cookie(web_server: LiveServer, browser: Browser, username: str) -> None:
    token = browser.csrf("/account")
    stranger = Browser(web_server)  # another visitor (no cookie of ours) replaying our token
    try:
        response = stranger.post("/account/signup", {
            "csrf_token": token, "username": username, "display_name": "X", "password": "correct horse 1",
        })
        assert response.status_code == 403
    finally:
        stranger.close()


@pytest.mark.parametrize("path", ["/account", "/account/sites", "/sites"])
def test_pages_cannot_be_framed_and_have_a_strict_csp(browser: Browser, username: str, path: str) -> None:
    browser.sign_up(username)
    response = browser.get(path)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "script-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


def test_revoking_a_site_ends_its_tokens_and_calls_the_hook(web_server: LiveServer, browser: Browser,
                                                           username: str) -> None:
    browser.sign_up(username)
    site = browser.register_site("Revocable", ["https://rev.example"])
    callback = web_server.url + "/oauth/callback"
    code, verifier = get_code(browser, site, callback)
    tokens = exchange(web_server, site, callback, code, verifier).json()
    listing = browser.get("/account/sites")
    assert "Revocable" in listing.text and "https://rev.example" in listing.text
    site_id = int(listing.text.split("/account/sites/")[1].split("/revoke")[0])

    response = browser.post(f"/account/sites/{site_id}/revoke", {"csrf_token": browser.csrf("/account/sites")})
    assert response.status_code == 303
    assert principal(web_server, tokens["access_token"]) is None
    assert "Revocable" not in browser.get("/account/sites").text
    assert web_server.app.state.revoked[-1][1] == site_id
    # Consent is gone: the next authorization asks again.
    from tests.support.oauth_harness import authorize_url, pkce_pair

    again = browser.get(authorize_url(site, callback, pkce_pair()[1]))
    assert again.status_code == 200 and "wants to use your Parley account" in again.text
