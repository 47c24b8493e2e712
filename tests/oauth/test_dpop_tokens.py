"""DPoP-bound tokens over real HTTP (RFC 9449): /oauth/token and /frame/session bind what they issue to the key
of the request's proof, and a bound token is refused to whoever holds it without that key."""

from __future__ import annotations

import httpx
import pytest

from tests.support.dpop_keys import ProofKey
from tests.support.oauth_harness import Browser, LiveServer, get_code

ORIGIN = "https://dpop.example"
REDIRECT = ORIGIN + "/cb"


def token_post(server: LiveServer, key: ProofKey | None, data: dict[str, str], nonce: str | None = None,
               proof: str | None = None) -> httpx.Response:
    url = server.url + "/oauth/token"
    headers = {}
    if proof is not None or key is not None:
        headers["DPoP"] = proof or key.proof("POST", url, nonce=nonce)  # type: ignore[union-attr]
    return httpx.post(url, data=data, headers=headers)


def with_nonce(server: LiveServer, key: ProofKey, data: dict[str, str]) -> httpx.Response:
    """The RFC 9449 §8 dance: a proof without nonce is answered use_dpop_nonce and a fresh DPoP-Nonce; the same
    request with that nonce goes through."""
    first = token_post(server, key, data)
    assert first.status_code == 400 and first.json()["error"] == "use_dpop_nonce"
    assert first.headers["Cache-Control"] == "no-store"
    return token_post(server, key, data, first.headers["DPoP-Nonce"])


def api_get(server: LiveServer, token: str, key: ProofKey | None, scheme: str = "DPoP", nonce: str | None = None,
            proof: str | None = None, path: str = "/api/v1/me") -> httpx.Response:
    url = server.url + path
    headers = {"Authorization": f"{scheme} {token}"}
    if proof is not None or key is not None:
        headers["DPoP"] = proof or key.proof("GET", url, nonce=nonce, token=token)  # type: ignore[union-attr]
    return httpx.get(url, headers=headers)


@pytest.fixture
def site(server: LiveServer, browser: Browser, username: str) -> str:
    browser.sign_up(username)
    return browser.register_site("DPoP Site", [ORIGIN], redirect_uris=[REDIRECT])


def code_data(browser: Browser, site: str) -> dict[str, str]:
    code, verifier = get_code(browser, site, REDIRECT)
    return {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": site,
            "code_verifier": verifier}


def bound_pair(server: LiveServer, browser: Browser, site: str, key: ProofKey) -> tuple[dict, str]:
    answer = with_nonce(server, key, code_data(browser, site))
    assert answer.status_code == 200, answer.text
    return answer.json(), answer.headers["DPoP-Nonce"]


def test_a_proof_binds_both_tokens_and_only_that_key_refreshes(server: LiveServer, browser: Browser,
                                                              site: str) -> None:
    key, thief = ProofKey(), ProofKey()
    tokens, nonce = bound_pair(server, browser, site, key)
    assert tokens["token_type"] == "DPoP"

    async def stored(store):
        from server.store.secrets import hash_secret

        return await store.token_by_refresh_hash(hash_secret(tokens["refresh_token"]))

    record = server.run(stored)
    assert record.jkt == record.refresh_jkt == key.jkt

    data = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": site}
    without = token_post(server, None, data)
    assert without.status_code == 400 and without.json()["error"] == "invalid_dpop_proof"
    other = token_post(server, thief, data, nonce)
    assert other.status_code == 400 and other.json()["error"] == "invalid_dpop_proof"
    assert server.run(stored).refresh_used_at is None  # refused without effect: not spent, family alive

    rotated = token_post(server, key, data, nonce)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["token_type"] == "DPoP"


def test_without_a_proof_tokens_stay_bearer(server: LiveServer, browser: Browser, site: str) -> None:
    answer = token_post(server, None, code_data(browser, site))
    assert answer.status_code == 200 and answer.json()["token_type"] == "Bearer"
    assert "DPoP-Nonce" in answer.headers  # every answer: a client may start using DPoP at once
    assert api_get(server, answer.json()["access_token"], None, "Bearer").status_code == 200


def test_token_endpoint_refuses_a_bad_or_replayed_proof(server: LiveServer, browser: Browser, site: str) -> None:
    key = ProofKey()
    nonce = token_post(server, key, code_data(browser, site)).headers["DPoP-Nonce"]
    url = server.url + "/oauth/token"
    wrong_url = token_post(server, key, code_data(browser, site), proof=key.proof("POST", url + "x", nonce=nonce))
    assert wrong_url.status_code == 400 and wrong_url.json()["error"] == "invalid_dpop_proof"
    proof = key.proof("POST", url, nonce=nonce)
    assert token_post(server, key, code_data(browser, site), proof=proof).status_code == 200
    replayed = token_post(server, key, code_data(browser, site), proof=proof)
    assert replayed.status_code == 400 and "already used" in replayed.json()["error_description"]


def test_the_api_takes_a_bound_token_only_with_a_proof_of_its_key(server: LiveServer, browser: Browser,
                                                                  site: str) -> None:
    key, thief = ProofKey(), ProofKey()
    tokens, nonce = bound_pair(server, browser, site, key)
    access = tokens["access_token"]

    as_bearer = api_get(server, access, None, "Bearer")
    assert as_bearer.status_code == 401 and "DPoP" in as_bearer.json()["error"]["message"]
    no_proof = api_get(server, access, None)
    assert no_proof.status_code == 401
    assert api_get(server, access, thief, nonce=nonce).status_code == 401
    stale = api_get(server, access, key)  # no nonce: asked for the fresh one, as RFC 9449 §9 says
    assert stale.status_code == 401 and stale.json()["error"]["code"] == "use_dpop_nonce"
    assert stale.headers["WWW-Authenticate"].startswith('DPoP error="use_dpop_nonce"')
    fresh = stale.headers["DPoP-Nonce"]
    other_token = api_get(server, access, None, proof=key.proof("GET", server.url + "/api/v1/me", nonce=fresh,
                                                                token="another token"))
    assert other_token.status_code == 401  # ath names another token

    proof = key.proof("GET", server.url + "/api/v1/me", nonce=fresh, token=access)
    good = api_get(server, access, None, proof=proof)
    assert good.status_code == 200, good.text
    assert good.headers["DPoP-Nonce"]
    replayed = api_get(server, access, None, proof=proof)
    assert replayed.status_code == 401 and "already used" in replayed.json()["error"]["message"]


def test_frame_session_binds_access_tokens_not_the_cookie(server: LiveServer, browser: Browser, site: str) -> None:
    from tests.oauth.test_frame_session import kept_cookie

    callback = server.url + "/oauth/callback"
    code, verifier = get_code(browser, site, callback)
    key = ProofKey()
    body = {"client_id": site, "code": code, "code_verifier": verifier, "redirect_uri": callback}
    url = server.url + "/frame/session"
    asked = httpx.post(url, json=body, headers={"X-Parley-Frame": "1", "Origin": server.url,
                                                 "DPoP": key.proof("POST", url)})
    assert asked.status_code == 400 and asked.json()["error"]["code"] == "use_dpop_nonce"
    nonce = asked.headers["DPoP-Nonce"]
    first = httpx.post(url, json=body, headers={"X-Parley-Frame": "1", "Origin": server.url,
                                                 "DPoP": key.proof("POST", url, nonce=nonce)})
    assert first.status_code == 200, first.text
    assert first.json()["token_type"] == "DPoP" and first.headers["DPoP-Nonce"]
    assert api_get(server, first.json()["access_token"], None, "Bearer").status_code == 401

    # The next frame page has a new key: the cookie (unbound: HttpOnly, partitioned) refreshes with it.
    page_two = ProofKey()
    refresh_url = url + "/refresh"
    again = httpx.post(refresh_url, json={"client_id": site}, headers={
        "X-Parley-Frame": "1", "Origin": server.url, "Cookie": kept_cookie(first),
        "DPoP": page_two.proof("POST", refresh_url, nonce=nonce)})
    assert again.status_code == 200 and again.json()["token_type"] == "DPoP"
    access = again.json()["access_token"]
    me = server.url + "/api/v1/me"
    assert api_get(server, access, None, proof=key.proof("GET", me, nonce=nonce, token=access)).status_code == 401
    assert api_get(server, access, None, proof=page_two.proof("GET", me, nonce=nonce, token=access)).status_code == 200


def test_browsers_may_send_proofs_and_read_nonces_cross_origin(server: LiveServer, browser: Browser,
                                                              site: str) -> None:
    url = server.url + "/oauth/token"
    preflight = httpx.options(url, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                                            "Access-Control-Request-Headers": "content-type, dpop"})
    assert "DPoP" in preflight.headers["Access-Control-Allow-Headers"]
    answer = httpx.post(url, data=code_data(browser, site), headers={"Origin": ORIGIN,
                                                                     "DPoP": ProofKey().proof("POST", url)})
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert answer.headers["Access-Control-Expose-Headers"] == "DPoP-Nonce" and answer.headers["DPoP-Nonce"]


def test_a_sibling_tabs_grace_token_is_bound_to_its_own_key(server: LiveServer, browser: Browser,
                                                           site: str) -> None:
    """Two frame pages refreshing with one cookie at once: the second gets a grace token, bound to its key."""
    from tests.oauth.test_frame_session import kept_cookie

    callback = server.url + "/oauth/callback"
    code, verifier = get_code(browser, site, callback)
    url = server.url + "/frame/session"
    nonce = httpx.post(url + "/refresh", json={"client_id": site}, headers={  # 204 (no cookie), with a nonce
        "X-Parley-Frame": "1", "Origin": server.url}).headers["DPoP-Nonce"]
    first = httpx.post(url, json={"client_id": site, "code": code, "code_verifier": verifier, "redirect_uri": callback},
                       headers={"X-Parley-Frame": "1", "Origin": server.url,
                                "DPoP": ProofKey().proof("POST", url, nonce=nonce)})
    cookie = kept_cookie(first)
    tab_one, tab_two = ProofKey(), ProofKey()
    answers = [httpx.post(url + "/refresh", json={"client_id": site}, headers={
        "X-Parley-Frame": "1", "Origin": server.url, "Cookie": cookie,
        "DPoP": key.proof("POST", url + "/refresh", nonce=nonce)}) for key in (tab_one, tab_two)]
    assert [answer.status_code for answer in answers] == [200, 200]
    me = server.url + "/api/v1/me"
    for answer, key, other in ((answers[0], tab_one, tab_two), (answers[1], tab_two, tab_one)):
        access = answer.json()["access_token"]
        assert answer.json()["token_type"] == "DPoP"
        assert api_get(server, access, None, proof=key.proof("GET", me, nonce=nonce, token=access)).status_code == 200
        assert api_get(server, access, None, proof=other.proof("GET", me, nonce=nonce, token=access)).status_code == 401
