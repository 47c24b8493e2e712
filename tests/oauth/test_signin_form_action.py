"""The sign-in page's CSP `form-action` names a client's origin only for a registered redirect URI of a known
client: a crafted `next` cannot widen it to an origin of the attacker's choice."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.support.oauth_harness import Browser, LiveServer, authorize_url, pkce_pair

GOOD_REDIRECT = "https://good.example/cb"


@pytest.fixture
def site(browser: Browser, username: str) -> str:
    browser.sign_up(username)
    return browser.register_site("Good Site", ["https://good.example"], redirect_uris=[GOOD_REDIRECT])


def form_action(server: LiveServer, next_path: str) -> str:
    visitor = Browser(server)  # signed out: /account shows the sign-in page continuing to `next`
    try:
        page = visitor.get("/account?next=" + quote(next_path, safe=""))
    finally:
        visitor.close()
    assert page.status_code == 200 and "Sign in" in page.text
    csp = page.headers["content-security-policy"]
    return next(part.strip() for part in csp.split(";") if part.strip().startswith("form-action"))


def test_a_registered_redirect_uri_of_a_known_client_is_added(server: LiveServer, site: str) -> None:
    _, challenge = pkce_pair()
    assert form_action(server, authorize_url(site, GOOD_REDIRECT, challenge)) == "form-action 'self' https://good.example"


@pytest.mark.parametrize("redirect_uri", ["https://evil.example/cb", "https://good.example/other"])
def test_an_unregistered_redirect_uri_adds_nothing(server: LiveServer, site: str, redirect_uri: str) -> None:
    _, challenge = pkce_pair()
    assert form_action(server, authorize_url(site, redirect_uri, challenge)) == "form-action 'self'"


def test_an_unknown_client_adds_nothing(server: LiveServer, site: str) -> None:
    _, challenge = pkce_pair()
    url = authorize_url("no-such-client", "https://evil.example/cb", challenge)
    assert form_action(server, url) == "form-action 'self'"


def test_a_repeated_redirect_uri_adds_nothing(server: LiveServer, site: str) -> None:
    _, challenge = pkce_pair()
    url = authorize_url(site, GOOD_REDIRECT, challenge) + "&redirect_uri=" + quote("https://evil.example/cb", safe="")
    assert form_action(server, url) == "form-action 'self'"


def test_another_path_adds_nothing(server: LiveServer, site: str) -> None:
    path = f"/account/sites?client_id={site}&redirect_uri=" + quote(GOOD_REDIRECT, safe="")
    assert form_action(server, path) == "form-action 'self'"
