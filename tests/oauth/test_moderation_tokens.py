"""Token issuing refuses a user banned from the site (code and refresh grants: `banned`) and a disabled account
(`account_disabled`), issues nothing meanwhile, and works again once the ban is lifted."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.oauth_harness import Browser, LiveServer, exchange, get_code, principal, refresh

ORIGIN = "https://banned.example"


@pytest.fixture
def site(server: LiveServer, browser: Browser, username: str) -> str:
    browser.sign_up(username)
    return browser.register_site("Ban Site", [ORIGIN])


def call(server: LiveServer, method: str, *args: Any) -> Any:
    async def run(store: Any) -> Any:
        return await getattr(store, method)(*args)

    return server.run(run)


def test_a_ban_refuses_codes_and_refresh_for_that_site_until_lifted(server: LiveServer, browser: Browser,
                                                                    site: str, username: str) -> None:
    callback = server.url + "/oauth/callback"
    tokens = exchange(server, site, callback, *get_code(browser, site, callback)).json()
    site_id = call(server, "site_by_client_id", site).id
    user = call(server, "get_user_by_username", username)
    other = call(server, "create_user", username + "b", "Banner", "password-123")
    assert call(server, "ban_from_site", site_id, user.id, other.id)
    try:
        refused = refresh(server, site, tokens["refresh_token"])
        assert refused.status_code == 400 and refused.json()["error"] == "banned"
        code, verifier = get_code(browser, site, callback)
        assert exchange(server, site, callback, code, verifier).json()["error"] == "banned"
        assert principal(server, tokens["access_token"]) is None
    finally:
        assert call(server, "lift_ban", site_id, user.id, other.id)
    assert principal(server, tokens["access_token"]) is not None
    assert refresh(server, site, tokens["refresh_token"]).status_code == 200


def test_a_disabled_account_gets_no_tokens(server: LiveServer, browser: Browser, site: str, username: str) -> None:
    callback = server.url + "/oauth/callback"
    code, verifier = get_code(browser, site, callback)
    user = call(server, "get_user_by_username", username)
    assert call(server, "disable_user", user.id)
    try:
        refused = exchange(server, site, callback, code, verifier)
        assert refused.status_code == 400 and refused.json()["error"] == "account_disabled"
    finally:
        call(server, "enable_user", user.id)
