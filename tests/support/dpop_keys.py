"""DPoP proofs made in tests the way a browser makes them: an EC P-256 key (``cryptography``), the public JWK in
the header, an ES256 signature as raw r||s. Independent of the server's joserfc-based checker."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def ath(token: str) -> str:
    return b64url(hashlib.sha256(token.encode()).digest())


class ProofKey:
    """One holder's key pair; ``proof(...)`` signs a DPoP proof JWT."""

    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        numbers = self.private.public_key().public_numbers()
        self.jwk = {"kty": "EC", "crv": "P-256", "x": b64url(numbers.x.to_bytes(32, "big")),
                    "y": b64url(numbers.y.to_bytes(32, "big"))}

    @property
    def jkt(self) -> str:
        """RFC 7638 thumbprint: SHA-256 of the required members in lexical order, no white space."""
        members = json.dumps({k: self.jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
        return b64url(hashlib.sha256(members.encode()).digest())

    def sign(self, header: dict[str, Any], claims: dict[str, Any]) -> str:
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        der = self.private.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    def proof(self, htm: str, htu: str, *, nonce: str | None = None, token: str | None = None,
              iat: int | None = None, jti: str | None = None, header: dict[str, Any] | None = None,
              **claims: Any) -> str:
        """A proof for ``htm htu`` (with ``ath`` of ``token`` and ``nonce`` when given); ``header`` and
        ``claims`` override or add members."""
        body: dict[str, Any] = {"htm": htm, "htu": htu, "iat": int(time.time()) if iat is None else iat,
                                "jti": secrets.token_urlsafe(16) if jti is None else jti}
        if nonce is not None:
            body["nonce"] = nonce
        if token is not None:
            body["ath"] = ath(token)
        body.update(claims)
        return self.sign({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.jwk, **(header or {})}, body)
