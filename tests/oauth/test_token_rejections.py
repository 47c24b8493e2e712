"""Every way /oauth/token and /oauth/revoke refuse a request, and what a replay revokes."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from server.store import tables
from server.store.clock import now_ms
from server.store.secrets import hash_secret
from tests.support.oauth_harness import Browser, LiveServer, exchange, get_code, principal, refresh

ORIGIN = "https://app.example"


@pytest.fixture
def site(server: LiveServer, browser: Browser, username: str) -> str:
    browser.sign_up(username)
    return browser.register_site("Token Site", [ORIGIN])


@pytest.fixture
def callback(server: LiveServer) -> str:
    return server.url + "/oauth/callback"


def _error(response: httpx.Response) -> str:
    assert response.status_code in (400, 401), response.text
    return str(response.json()["error"])


def test_code_reuse_is_refused_and_revokes_what_it_issued(
    server: LiveServer, browser: Browser, site: str, callback: str
) -> None:
    code, verifier = get_code(browser, site, callback)
    first = exchange(server, site, callback, code, verifier)
    assert first.status_code == 200
    tokens = first.json()
    rotated = refresh(server, site, tokens["refresh_token"]).json()  # a descendant of the same grant
    assert principal(server, rotated["access_token"]) is not None

    ordered = len(server.app.state.tokens_revoked)  # re-check orders the relay got (a session-wide server)
    replay = exchange(server, site, callback, code, verifier)
    assert _error(replay) == "invalid_grant"
    assert len(server.app.state.tokens_revoked) == ordered + 1  # the relay closes this grant's sockets at once
    assert principal(server, tokens["access_token"]) is None
    assert principal(server, rotated["access_token"]) is None
    assert _error(refresh(server, site, rotated["refresh_token"])) == "invalid_grant"


def test_another_clients_code_is_refused(server: LiveServer, browser: Browser, site: str, callback: str) -> None:
    other = browser.register_site("Other Site", ["https://other.example"])
    code, verifier = get_code(browser, site, callback)
    assert _error(exchange(server, other, callback, code, verifier)) == "invalid_grant"
    assert exchange(server, site, callback, code, verifier).status_code == 200  # not burned by the attempt


def test_expired_code_is_refused(server: LiveServer, browser: Browser, site: str, callback: str) -> None:
    code, verifier = get_code(browser, site, callback)

    async def expire(store: object) -> None:
        async with store.transaction() as conn:  # type: ignore[attr-defined]
            await conn.execute(
                update(tables.oauth_codes)
                .where(tables.oauth_codes.c.code_hash == hash_secret(code))
                .values(expires_at=now_ms() - 1)
            )

    server.run(expire)
    assert _error(exchange(server, site, callback, code, verifier)) == "invalid_grant"


def test_code_is_stored_only_hashed_and_lives_60_seconds(
    server: LiveServer, browser: Browser, site: str, callback: str
) -> None:
    code, _ = get_code(browser, site, callback)

    async def row(store: object) -> object:
        from sqlalchemy import select

        async with store.engine.connect() as conn:  # type: ignore[attr-defined]
            query = select(tables.oauth_codes).where(tables.oauth_codes.c.code_hash == hash_secret(code))
            return (await conn.execute(query)).mappings().one()

    stored = server.run(row)
    assert stored["expires_at"] - stored["created_at"] == 60_000
    assert stored["code_challenge_method"] == "S256"


def test_wrong_or_missing_verifier(server: LiveServer, browser: Browser, site: str, callback: str) -> None:
    code, verifier = get_code(browser, site, callback)
    assert _error(exchange(server, site, callback, code, verifier[::-1])) == "invalid_grant"
    assert _error(exchange(server, site, callback, code, "")) == "invalid_request"
    assert exchange(server, site, callback, code, verifier).status_code == 200


def test_redirect_uri_must_match_the_code(server: LiveServer, browser: Browser, site: str, callback: str) -> None:
    code, verifier = get_code(browser, site, callback)
    assert _error(exchange(server, site, callback + "/", code, verifier)) == "invalid_grant"


def test_refresh_reuse_revokes_the_family(server: LiveServer, browser: Browser, site: str, callback: str) -> None:
    code, verifier = get_code(browser, site, callback)
    first = exchange(server, site, callback, code, verifier).json()
    second = refresh(server, site, first["refresh_token"]).json()
    third = refresh(server, site, second["refresh_token"]).json()
    assert principal(server, third["access_token"]) is not None

    ordered = len(server.app.state.tokens_revoked)  # re-check orders the relay got (a session-wide server)
    stolen = refresh(server, site, first["refresh_token"])  # already rotated: reuse
    assert _error(stolen) == "invalid_grant"
    assert len(server.app.state.tokens_revoked) == ordered + 1  # the relay closes this grant's sockets at once
    assert _error(refresh(server, site, first["refresh_token"])) == "invalid_grant"
    assert len(server.app.state.tokens_revoked) == ordered + 1  # a family already revoked orders nothing more
    for pair in (first, second, third):
        assert principal(server, pair["access_token"]) is None
    assert _error(refresh(server, site, third["refresh_token"])) == "invalid_grant"


def test_refresh_token_of_another_client(server: LiveServer, browser: Browser, site: str, callback: str) -> None:
    other = browser.register_site("Other Site", ["https://other.example"])
    code, verifier = get_code(browser, site, callback)
    tokens = exchange(server, site, callback, code, verifier).json()
    assert _error(refresh(server, other, tokens["refresh_token"])) == "invalid_grant"


def test_unknown_grant_types_are_refused(server: LiveServer, site: str) -> None:
    for grant in ("password", "client_credentials", "implicit"):
        response = httpx.post(f"{server.url}/oauth/token", data={
            "grant_type": grant, "client_id": site, "username": "x", "password": "y",
        })
        assert _error(response) == "unsupported_grant_type"


def test_cors_answers_only_registered_origins(server: LiveServer, browser: Browser, site: str,
                                              callback: str) -> None:
    code, verifier = get_code(browser, site, callback)
    evil = exchange(server, site, callback, code, verifier, origin="https://evil.example")
    assert evil.status_code == 403
    assert "access-control-allow-origin" not in evil.headers
    # The refused request did not consume the code: the registered origin can still redeem it.
    good = exchange(server, site, callback, code, verifier, origin=ORIGIN)
    assert good.status_code == 200
    assert good.headers["access-control-allow-origin"] == ORIGIN
    assert good.headers["vary"] == "Origin"

    code, verifier = get_code(browser, site, callback)
    own = exchange(server, site, callback, code, verifier, origin=server.url)
    assert own.status_code == 200 and own.headers["access-control-allow-origin"] == server.url

    for url in ("/oauth/token", "/oauth/revoke"):
        refused = httpx.post(server.url + url, data={"client_id": site, "token": "x", "grant_type": "x"},
                             headers={"Origin": "https://app.example.evil.example"})
        assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers


def test_revocation_needs_the_owning_client(server: LiveServer, browser: Browser, site: str,
                                            callback: str) -> None:
    other = browser.register_site("Other Site", ["https://other.example"])
    code, verifier = get_code(browser, site, callback)
    tokens = exchange(server, site, callback, code, verifier).json()
    wrong = httpx.post(f"{server.url}/oauth/revoke", data={"client_id": other, "token": tokens["access_token"]})
    assert wrong.status_code == 400
    assert principal(server, tokens["access_token"]) is not None
    right = httpx.post(f"{server.url}/oauth/revoke", data={"client_id": site, "token": tokens["access_token"]},
                       headers={"Origin": ORIGIN})
    assert right.status_code == 200 and right.headers["access-control-allow-origin"] == ORIGIN
    assert principal(server, tokens["access_token"]) is None
    unknown = httpx.post(f"{server.url}/oauth/revoke", data={"client_id": site, "token": "nonsense"})
    assert unknown.status_code == 200  # RFC 7009: an unknown token is not an error


def test_token_requests_are_rate_limited(server: LiveServer, site: str) -> None:
    statuses = []
    for _ in range(40):
        response = httpx.post(f"{server.url}/oauth/token", data={
            "grant_type": "authorization_code", "client_id": site, "code": "nope", "code_verifier": "x" * 43,
            "redirect_uri": server.url + "/oauth/callback",
        })
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["retry-after"]) >= 1
            break
    assert statuses[-1] == 429 and statuses.count(400) == 30
