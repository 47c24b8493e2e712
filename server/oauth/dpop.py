"""DPoP proofs (RFC 9449): reading and verifying one proof JWT, as pure computation (no I/O).

A proof is a compact JWS whose header carries ``typ: dpop+jwt``, ``alg: ES256`` (the only algorithm Parley
accepts: what WebCrypto's ECDSA P-256 signs) and ``jwk``, the signer's *public* EC P-256 key; its claims say
which request it is for (``htm``, ``htu``), when (``iat``), a unique ``jti``, the server's ``nonce`` and, on
resource requests, ``ath``: the hash of the access token it accompanies. ``read_proof`` checks all of that
except the replay of ``jti``, which needs the broker (``server/oauth/dpop_check.py``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

ALGORITHM = "ES256"
TYPE = "dpop+jwt"
IAT_WINDOW_S = 60  # a proof's iat may be this far in the past or (clock skew) the future
MAX_JTI = 64
MAX_PROOF = 4096
PUBLIC_MEMBERS = frozenset({"kty", "crv", "x", "y", "kid", "alg", "use", "key_ops", "ext"})

INVALID_PROOF = "invalid_dpop_proof"
USE_NONCE = "use_dpop_nonce"
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class DpopError(Exception):
    """A refused proof: ``code`` is ``invalid_dpop_proof`` or ``use_dpop_nonce`` (send a fresh nonce)."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass(frozen=True, slots=True)
class DpopProof:
    """A verified proof: the key's JWK SHA-256 thumbprint (``jkt``), its ``jti`` and ``iat``."""

    jkt: str
    jti: str
    iat: int


def b64url(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def ath_of(access_token: str) -> str:
    """The ``ath`` claim for an access token: base64url(SHA-256(token))."""
    return b64url(hashlib.sha256(access_token.encode("ascii", "replace")).digest())


def normalized_htu(url: str) -> str | None:
    """``scheme://host[:port]/path`` in lower-case scheme and host, without the default port, query or fragment
    (RFC 9449 §4.3 compares URIs this way); None when ``url`` is not an absolute http(s)/ws(s) URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.username is not None:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path or '/'}"


def _fail(description: str) -> DpopError:
    return DpopError(INVALID_PROOF, description)


def _public_key(header: dict[str, Any]) -> ECKey:
    jwk = header.get("jwk")
    if not isinstance(jwk, dict) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise _fail("the proof's jwk must be a public EC P-256 key")
    if not set(jwk) <= PUBLIC_MEMBERS:
        raise _fail("the proof's jwk must hold public members only")
    try:
        return ECKey.import_key({name: jwk[name] for name in ("kty", "crv", "x", "y") if name in jwk})
    except (JoseError, ValueError, TypeError) as exc:
        raise _fail("the proof's jwk is not a valid key") from exc


def _verified(proof: str) -> tuple[ECKey, dict[str, Any]]:
    """The proof's key and claims once its header and signature check out."""
    if not isinstance(proof, str) or not 0 < len(proof) <= MAX_PROOF or not proof.isascii():
        raise _fail("the DPoP proof is missing or malformed")
    try:
        header = jws.extract_compact(proof.encode("ascii")).protected
    except (JoseError, ValueError, TypeError) as exc:
        raise _fail("the DPoP proof is not a compact JWS") from exc
    if header.get("typ") != TYPE:
        raise _fail("the proof's typ must be dpop+jwt")
    if header.get("alg") != ALGORITHM:
        raise _fail("the proof's alg must be ES256")
    key = _public_key(header)
    try:
        payload = jws.deserialize_compact(proof, key, algorithms=[ALGORITHM]).payload
        claims = json.loads(payload)
    except (JoseError, ValueError, TypeError) as exc:
        raise _fail("the proof's signature does not verify") from exc
    if not isinstance(claims, dict):
        raise _fail("the proof's claims must be a JSON object")
    return key, claims


def read_proof(
    proof: str | None,
    *,
    method: str,
    url: str,
    now_s: float,
    access_token: str | None = None,
    nonces: Collection[str] | None = None,
) -> DpopProof:
    """Verify ``proof`` for a ``method`` request to ``url`` at ``now_s``; with ``access_token``, its ``ath``;
    with ``nonces``, its ``nonce`` must be one of them (else ``use_dpop_nonce``). Raises DpopError."""
    if proof is None:
        raise _fail("a DPoP proof is required")
    key, claims = _verified(proof)
    if claims.get("htm") != method:
        raise _fail("the proof's htm does not match the request method")
    htu = claims.get("htu")
    if not isinstance(htu, str) or normalized_htu(htu) is None or normalized_htu(htu) != normalized_htu(url):
        raise _fail("the proof's htu does not match the request URL")
    iat = claims.get("iat")
    if type(iat) is not int or abs(now_s - iat) > IAT_WINDOW_S:
        raise _fail("the proof's iat is missing or not recent")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI:
        raise _fail("the proof's jti must be 1..64 characters")
    if access_token is not None and claims.get("ath") != ath_of(access_token):
        raise _fail("the proof's ath does not match the access token")
    nonce = claims.get("nonce")
    if nonces is not None and (not isinstance(nonce, str) or nonce not in nonces):
        raise DpopError(USE_NONCE, "use the server's DPoP-Nonce in the proof")
    return DpopProof(jkt=key.thumbprint(), jti=jti, iat=iat)
