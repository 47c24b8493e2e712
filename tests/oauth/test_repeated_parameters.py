"""RFC 6749 §3.1/§3.2: no OAuth parameter may appear twice. Every endpoint (authorize, token, revoke) refuses
a repeated one with invalid_request before doing anything, and the refresh grant only honours the record of
the token actually presented."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest

from server.oauth.records import SiteClient
from server.oauth.server import ParleyAuthorizationServer, Prefetched, RequestData
from server.settings import Settings
from server.store.clock import now_ms
from server.store.records import SiteRecord, TokenRecord
from server.store.secrets import hash_secret
from tests.support.oauth_harness import (
    Browser,
    LiveServer,
    authorize_url,
    exchange,
    get_code,
    pkce_pair,
    principal,
    refresh,
)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def site(browser: Browser, username: str) -> str:
    browser.sign_up(username)
    return browser.register_site("Repeat Site", ["https://repeat.example"])


@pytest.fixture
def callback(server: LiveServer) -> str:
    return server.url + "/oauth/callback"


def post_pairs(server: LiveServer, path: str, pairs: list[tuple[str, str]]) -> httpx.Response:
    return httpx.post(server.url + path, content=urlencode(pairs), headers=FORM)


def assert_invalid_request(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"
    assert "repeated" in response.json()["error_description"]
    assert response.headers["cache-control"] == "no-store"


def tokens(server: LiveServer, browser: Browser, site: str, callback: str) -> dict[str, str]:
    code, verifier = get_code(browser, site, callback)
    answer = exchange(server, site, callback, code, verifier)
    assert answer.status_code == 200, answer.text
    result: dict[str, str] = answer.json()
    return result


@pytest.mark.parametrize("garbage_first", [True, False])
def test_a_repeated_refresh_token_is_refused_and_spends_nothing(
    server: LiveServer, browser: Browser, site: str, callback: str, garbage_first: bool
) -> None:
    valid = tokens(server, browser, site, callback)["refresh_token"]
    values = ["garbage", valid] if garbage_first else [valid, "garbage"]
    pairs = [("grant_type", "refresh_token"), ("client_id", site)] + [("refresh_token", v) for v in values]
    assert_invalid_request(post_pairs(server, "/oauth/token", pairs))
    assert refresh(server, site, valid).status_code == 200  # not spent, no family revoked


@pytest.mark.parametrize("name", ["grant_type", "code", "redirect_uri", "client_id", "code_verifier", "scope"])
def test_any_repeated_token_parameter_is_refused(
    server: LiveServer, browser: Browser, site: str, callback: str, name: str
) -> None:
    code, verifier = get_code(browser, site, callback)
    pairs = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", callback),
             ("client_id", site), ("code_verifier", verifier), ("scope", "profile")]
    pairs += [pair for pair in pairs if pair[0] == name]  # the same value twice is refused too
    assert_invalid_request(post_pairs(server, "/oauth/token", pairs))
    assert exchange(server, site, callback, code, verifier).status_code == 200  # the code was not burned


def test_a_repeated_revocation_parameter_is_refused(
    server: LiveServer, browser: Browser, site: str, callback: str
) -> None:
    access = tokens(server, browser, site, callback)["access_token"]
    pairs = [("client_id", site), ("token", "garbage"), ("token", access)]
    assert_invalid_request(post_pairs(server, "/oauth/revoke", pairs))
    assert principal(server, access) is not None  # nothing was revoked


@pytest.mark.parametrize("name", ["response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                                  "code_challenge_method", "prompt"])
def test_a_repeated_authorization_parameter_is_refused(
    browser: Browser, site: str, callback: str, name: str
) -> None:
    get_code(browser, site, callback)  # consent is remembered: a valid request would redirect with a code
    _, challenge = pkce_pair()
    url = authorize_url(site, callback, challenge, scope="profile", prompt="none")
    value = dict(pair.split("=", 1) for pair in url.split("?", 1)[1].split("&"))[name]
    response = browser.get(f"{url}&{name}={value}")
    assert response.status_code == 400, response.headers.get("location")
    assert "code=" not in response.headers.get("location", "")
    assert "repeated" in response.text


def _refresh_record(site_id: int) -> TokenRecord:
    later = now_ms() + 60_000
    return TokenRecord(id=1, family_id="f", site_id=site_id, user_id=1, scope="profile", access_expires_at=later,
                       refresh_expires_at=later, refresh_used_at=None, revoked_at=None)


def test_the_refresh_grant_compares_the_presented_token_with_the_loaded_record() -> None:
    settings = Settings(public_url="https://parley.example", secret_key="k").resolved()
    site = SiteRecord(id=7, client_id="c7", owner_id=None, name="S", origins=("https://s.example",),
                      redirect_uris=(), scopes="profile")
    client = SiteClient(site, settings.public_url)
    body = [("grant_type", "refresh_token"), ("client_id", "c7"), ("refresh_token", "presented")]
    request = RequestData("POST", settings.public_url + "/oauth/token", {}, body)

    loaded_for_another = Prefetched(client, refresh=_refresh_record(7), refresh_hash=hash_secret("another"))
    server = ParleyAuthorizationServer(settings, loaded_for_another)
    refused = server.create_token_response(request)
    assert refused.status_code == 400 and b"invalid_grant" in refused.body
    assert server.effects.token_row is None and server.effects.rotated is None

    loaded_for_it = Prefetched(client, refresh=_refresh_record(7), refresh_hash=hash_secret("presented"))
    server = ParleyAuthorizationServer(settings, loaded_for_it)
    assert server.create_token_response(request).status_code == 200
    assert server.effects.token_row is not None
