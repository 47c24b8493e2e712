"""DPoP proof checking (server/oauth/dpop.py, dpop_nonce.py, dpop_check.py) against proofs made with
`cryptography` keys, and the replay cache on the memory broker and on a real Redis shared by two brokers."""

from __future__ import annotations

import time
import uuid

import pytest

from server.broker import open_broker
from server.broker.memory import MemoryBroker
from server.oauth.dpop import DpopError, normalized_htu, read_proof
from server.oauth.dpop_check import DpopChecker
from server.oauth.dpop_nonce import Nonces
from tests.broker.conftest import delete_prefixed, redis_url_or_skip
from tests.support.dpop_keys import ProofKey

URL = "https://parley.example/oauth/token"
NOW = 1_800_000_000


def read(proof: str | None, **kwargs):
    options = {"method": "POST", "url": URL, "now_s": NOW} | kwargs
    return read_proof(proof, **options)


def refused(proof: str | None, code: str = "invalid_dpop_proof", **kwargs) -> str:
    with pytest.raises(DpopError) as caught:
        read(proof, **kwargs)
    assert caught.value.code == code
    return caught.value.description


def test_a_good_proof_gives_the_keys_thumbprint() -> None:
    key = ProofKey()
    found = read(key.proof("POST", URL, iat=NOW, jti="j1"))
    assert (found.jkt, found.jti, found.iat) == (key.jkt, "j1", NOW)


def test_header_rules() -> None:
    key = ProofKey()
    assert "typ" in refused(key.proof("POST", URL, iat=NOW, header={"typ": "JWT"}))
    assert "alg" in refused(key.proof("POST", URL, iat=NOW, header={"alg": "RS256"}))
    private = dict(key.jwk, d="AAAA")  # a private member in the header's key
    assert "public" in refused(key.proof("POST", URL, iat=NOW, header={"jwk": private}))
    assert "jwk" in refused(key.proof("POST", URL, iat=NOW, header={"jwk": {"kty": "oct", "k": "AAAA"}}))
    assert refused(None) and refused("") and refused("a.b") and refused("x" * 5000)


def test_a_signature_by_another_key_is_refused() -> None:
    key, other = ProofKey(), ProofKey()
    forged = other.proof("POST", URL, iat=NOW, header={"jwk": key.jwk})
    assert "signature" in refused(forged)
    good = key.proof("POST", URL, iat=NOW)
    head, _claims, signature = good.split(".")
    tampered = key.proof("POST", URL + "x", iat=NOW).split(".")[1]
    assert "signature" in refused(f"{head}.{tampered}.{signature}")


def test_method_and_url_must_match() -> None:
    key = ProofKey()
    assert "htm" in refused(key.proof("GET", URL, iat=NOW))
    assert "htu" in refused(key.proof("POST", "https://parley.example/oauth/revoke", iat=NOW))
    assert "htu" in refused(key.proof("POST", "https://evil.example/oauth/token", iat=NOW))
    assert "htu" in refused(key.proof("POST", "http://parley.example/oauth/token", iat=NOW))
    # normalized as RFC 9449 §4.3 says: case of scheme and host, default port; query and fragment ignored
    read(key.proof("POST", "HTTPS://Parley.Example:443/oauth/token?x=1#f", iat=NOW))
    assert normalized_htu("wss://h:8443/v1/ws?q") == "wss://h:8443/v1/ws"
    assert normalized_htu("javascript:alert(1)") is None


def test_iat_must_be_recent() -> None:
    key = ProofKey()
    assert "iat" in refused(key.proof("POST", URL, iat=NOW - 61))
    assert "iat" in refused(key.proof("POST", URL, iat=NOW + 61))
    assert "iat" in refused(key.proof("POST", URL, iat=str(NOW)))  # type: ignore[arg-type]
    read(key.proof("POST", URL, iat=NOW - 59))


def test_jti_length() -> None:
    key = ProofKey()
    assert "jti" in refused(key.proof("POST", URL, iat=NOW, jti="x" * 65))
    assert "jti" in refused(key.proof("POST", URL, iat=NOW, jti=""))
    read(key.proof("POST", URL, iat=NOW, jti="x" * 64))


def test_ath_binds_the_proof_to_its_access_token() -> None:
    key = ProofKey()
    assert "ath" in refused(key.proof("GET", URL, iat=NOW, token="other"), method="GET", access_token="tok")
    assert "ath" in refused(key.proof("GET", URL, iat=NOW), method="GET", access_token="tok")
    read(key.proof("GET", URL, iat=NOW, token="tok"), method="GET", access_token="tok")


def test_missing_or_stale_nonce_asks_for_a_fresh_one() -> None:
    nonces = Nonces("secret")
    fresh = nonces.current(NOW)
    key = ProofKey()
    accepted = nonces.accepted(NOW)
    refused(key.proof("POST", URL, iat=NOW), "use_dpop_nonce", nonces=accepted)
    stale = nonces.current(NOW - 2 * nonces.window_s)
    refused(key.proof("POST", URL, iat=NOW, nonce=stale), "use_dpop_nonce", nonces=accepted)
    refused(key.proof("POST", URL, iat=NOW, nonce=Nonces("another secret").current(NOW)), "use_dpop_nonce",
            nonces=accepted)
    read(key.proof("POST", URL, iat=NOW, nonce=fresh), nonces=accepted)
    previous = nonces.current(NOW - nonces.window_s)  # handed out in the last window: still good
    read(key.proof("POST", URL, iat=NOW, nonce=previous), nonces=accepted)


@pytest.mark.anyio
async def test_checker_refuses_a_replayed_proof_on_the_memory_broker() -> None:
    checker = DpopChecker("https://parley.example", "secret", MemoryBroker())
    key = ProofKey()
    proof = key.proof("POST", URL, nonce=checker.nonce())
    assert (await checker.check(proof, "POST", "/oauth/token")).jkt == key.jkt
    with pytest.raises(DpopError, match="already used"):
        await checker.check(proof, "POST", "/oauth/token")
    ws = key.proof("GET", "wss://parley.example/v1/ws", token="tok")
    await checker.check(ws, "GET", "/v1/ws", access_token="tok", need_nonce=False, websocket=True)


@pytest.mark.anyio
@pytest.mark.redis
async def test_a_proof_replayed_to_another_process_is_refused() -> None:
    url = f"{redis_url_or_skip()}?prefix=parleytest-{uuid.uuid4().hex[:12]}"
    one, two = await open_broker(url), await open_broker(url)
    try:
        first = DpopChecker("https://parley.example", "secret", one)
        second = DpopChecker("https://parley.example", "secret", two)  # another process, same secret
        proof = ProofKey().proof("POST", URL, nonce=first.nonce(), iat=int(time.time()))
        await first.check(proof, "POST", "/oauth/token")
        with pytest.raises(DpopError, match="already used"):
            await second.check(proof, "POST", "/oauth/token")
    finally:
        await one.close()
        await two.close()
        delete_prefixed(url)
