"""Every way /oauth/authorize refuses a request, over real HTTP."""

from __future__ import annotations

import html
from urllib.parse import quote

import pytest

from tests.support.oauth_harness import Browser, LiveServer, approve, authorize_url, csrf_in, pkce_pair, query_of

GOOD_REDIRECT = "https://good.example/cb"


@pytest.fixture
def site(server: LiveServer, browser: Browser, username: str) -> str:
    browser.sign_up(username)
    return browser.register_site(
        "Good Site", ["https://good.example"], scopes=("profile", "friends"), redirect_uris=[GOOD_REDIRECT]
    )


@pytest.mark.parametrize("redirect_uri", [
    "https://good.example/cb/",                 # trailing slash
    "https://GOOD.example/cb",                  # case
    "https://good.example/CB",
    "https://good.example:8443/cb",             # other port
    "http://good.example/cb",                   # other scheme
    "https://good.example@evil.example/cb",     # user info trick
    "https://good.example.evil.example/cb",     # suffix trick
    "https://evil.example/cb",
    "https://good.example/cb?x=1",
    "https://good.example/cb#frag",
])
def test_redirect_uri_must_match_exactly(browser: Browser, site: str, redirect_uri: str) -> None:
    _, challenge = pkce_pair()
    response = browser.get(authorize_url(site, redirect_uri, challenge))
    assert response.status_code == 400
    assert "location" not in response.headers  # never redirect to an unverified URI
    assert "not valid" in response.text


def test_parley_callback_must_match_exactly(server: LiveServer, browser: Browser, site: str) -> None:
    _, challenge = pkce_pair()
    for uri in (server.url + "/oauth/callback/", server.url.replace("127.0.0.1", "localhost") + "/oauth/callback"):
        response = browser.get(authorize_url(site, uri, challenge))
        assert response.status_code == 400 and "location" not in response.headers


def test_unknown_client_gets_an_error_page(browser: Browser, site: str) -> None:
    _, challenge = pkce_pair()
    response = browser.get(authorize_url("site_nope", GOOD_REDIRECT, challenge))
    assert response.status_code == 400 and "not registered" in response.text


def test_missing_redirect_uri_is_refused(browser: Browser, site: str) -> None:
    _, challenge = pkce_pair()
    response = browser.get(authorize_url(site, None, challenge))  # type: ignore[arg-type]
    assert response.status_code == 400 and "location" not in response.headers


def _redirected_error(browser: Browser, url: str) -> dict[str, str]:
    response = browser.get(url)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(GOOD_REDIRECT + "?")
    params = query_of(location)
    assert "code" not in params
    assert params["state"] == "st-1" and params["iss"] == browser.server.url
    return params


def test_missing_pkce_is_refused(browser: Browser, site: str) -> None:
    params = _redirected_error(browser, authorize_url(site, GOOD_REDIRECT, None))
    assert params["error"] == "invalid_request" and "PKCE" in params["error_description"]


def test_plain_pkce_is_refused(browser: Browser, site: str) -> None:
    _, challenge = pkce_pair()
    url = authorize_url(site, GOOD_REDIRECT, None, code_challenge=challenge, code_challenge_method="plain")
    assert _redirected_error(browser, url)["error"] == "invalid_request"


def test_challenge_without_method_is_refused(browser: Browser, site: str) -> None:
    _, challenge = pkce_pair()
    url = authorize_url(site, GOOD_REDIRECT, None, code_challenge=challenge)
    assert _redirected_error(browser, url)["error"] == "invalid_request"


def test_only_response_type_code(browser: Browser, site: str) -> None:
    _, challenge = pkce_pair()
    url = authorize_url(site, GOOD_REDIRECT, challenge, response_type="token")
    assert _redirected_error(browser, url)["error"] == "unsupported_response_type"


def test_scope_must_be_allowed_for_the_site(browser: Browser, site: str) -> None:
    _, challenge = pkce_pair()
    url = authorize_url(site, GOOD_REDIRECT, challenge, scope="profile messages")
    assert _redirected_error(browser, url)["error"] == "invalid_scope"


def test_deny_returns_access_denied(browser: Browser, site: str) -> None:
    _, challenge = pkce_pair()
    url = authorize_url(site, GOOD_REDIRECT, challenge)
    page = browser.get(url)
    response = browser.post(url, {"csrf_token": csrf_in(page.text), "decision": "deny"})
    params = query_of(response.headers["location"])
    assert params["error"] == "access_denied" and "code" not in params and params["iss"] == browser.server.url


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_consent_needs_the_csrf_token(browser: Browser, site: str, token: str | None) -> None:
    _, challenge = pkce_pair()
    url = authorize_url(site, GOOD_REDIRECT, challenge)
    browser.get(url)
    data = {"decision": "allow"} if token is None else {"decision": "allow", "csrf_token": token}
    response = browser.post(url, data)
    assert response.status_code == 403 and "location" not in response.headers


def test_consent_page_cannot_be_framed(browser: Browser, site: str) -> None:
    _, challenge = pkce_pair()
    response = browser.get(authorize_url(site, GOOD_REDIRECT, challenge))
    assert "wants to use your Parley account" in response.text
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cross-origin-opener-policy"] == "unsafe-none"  # keeps window.opener
    assert "form-action 'self' https://good.example" in response.headers["content-security-policy"]


def test_signed_out_visitor_signs_in_then_continues(server: LiveServer, site: str, username: str) -> None:
    visitor = Browser(server)
    try:
        _, challenge = pkce_pair()
        url = authorize_url(site, GOOD_REDIRECT, challenge)
        first = visitor.get(url)
        assert first.status_code == 303
        assert first.headers["location"] == "/account?next=" + quote(url, safe="")
        page = visitor.get(first.headers["location"])
        assert f'name="next" value="{html.escape(url)}"' in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        signed = visitor.sign_in(username, "correct horse 1", next_path=url)
        assert signed.status_code == 303 and signed.headers["location"] == url
        done = approve(visitor, url)
        assert done.status_code == 302 and "code=" in done.headers["location"]
    finally:
        visitor.close()
