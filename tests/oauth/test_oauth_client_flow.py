"""The whole flow driven by an independent OAuth client library (authlib's httpx client), which discovers
the endpoints from the RFC 8414 metadata document."""

from __future__ import annotations

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

from tests.support.oauth_harness import Browser, LiveServer, approve, principal, query_of


@pytest.mark.anyio
async def test_code_pkce_refresh_revoke_with_authlib_client(server: LiveServer, browser: Browser,
                                                           username: str) -> None:
    browser.sign_up(username)
    client_id = browser.register_site("Client Lib", ["https://shop.example"], scopes=("profile", "messages"))
    redirect_uri = server.url + "/oauth/callback"

    async with httpx.AsyncClient() as plain:
        meta = (await plain.get(f"{server.url}/.well-known/oauth-authorization-server")).json()
    assert meta["issuer"] == server.url
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["token_endpoint_auth_methods_supported"] == ["none"]
    assert meta["response_types_supported"] == ["code"]
    assert meta["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert meta["authorization_response_iss_parameter_supported"] is True

    async with AsyncOAuth2Client(
        client_id=client_id, redirect_uri=redirect_uri, scope="profile messages",
        code_challenge_method="S256", token_endpoint_auth_method="none",
    ) as oauth:
        verifier = generate_token(64)
        url, state = oauth.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)

        # The user agent: consent page (names the site and what it may do), then Allow.
        consent = browser.get(url)
        assert consent.status_code == 200
        assert "Client Lib" in consent.text and "https://shop.example" in consent.text
        assert "Read and send your messages" in consent.text
        answer = approve(browser, url)
        assert answer.status_code == 302
        location = answer.headers["location"]
        assert location.startswith(redirect_uri + "?")
        params = query_of(location)
        assert params["state"] == state and params["iss"] == server.url

        token = await oauth.fetch_token(
            meta["token_endpoint"], authorization_response=location, code_verifier=verifier
        )
        assert token["token_type"] == "Bearer" and token["scope"] == "profile messages"
        assert token["expires_in"] == server.settings.access_token_ttl
        who = principal(server, token["access_token"])
        assert who is not None and who.scopes == frozenset({"profile", "messages"})

        refreshed = await oauth.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
        assert refreshed["refresh_token"] != token["refresh_token"]
        assert refreshed["access_token"] != token["access_token"]
        assert principal(server, refreshed["access_token"]) is not None

        revoked = await oauth.revoke_token(meta["revocation_endpoint"], token=refreshed["refresh_token"],
                                           token_type_hint="refresh_token")
        assert revoked.status_code == 200
        assert principal(server, refreshed["access_token"]) is None
        with pytest.raises(OAuthError):
            await oauth.refresh_token(meta["token_endpoint"], refresh_token=refreshed["refresh_token"])

    # Consent is remembered: a second authorization skips the consent page.
    async with AsyncOAuth2Client(client_id=client_id, redirect_uri=redirect_uri, scope="profile",
                                 code_challenge_method="S256") as again:
        url, _ = again.create_authorization_url(meta["authorization_endpoint"], code_verifier=generate_token(64))
        direct = browser.get(url)
        assert direct.status_code == 302 and "code=" in direct.headers["location"]


def test_token_response_is_not_cached(server: LiveServer, browser: Browser, username: str) -> None:
    from tests.support.oauth_harness import exchange, get_code

    browser.sign_up(username)
    client_id = browser.register_site("NoStore", ["https://ns.example"])
    redirect_uri = server.url + "/oauth/callback"
    code, verifier = get_code(browser, client_id, redirect_uri)
    response = exchange(server, client_id, redirect_uri, code, verifier)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
