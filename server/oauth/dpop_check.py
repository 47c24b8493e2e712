"""DPoP proof checking with its state: the server's nonces and the replay cache of ``jti``s in the broker,
so a proof is accepted once across every server process (docs/security.md, "DPoP")."""

from __future__ import annotations

import hashlib
import time

from ..broker import Broker
from .dpop import IAT_WINDOW_S, INVALID_PROOF, DpopError, DpopProof, read_proof
from .dpop_nonce import Nonces

NONCE_HEADER = "DPoP-Nonce"
PROOF_HEADER = "dpop"
# A proof is accepted while its iat is within IAT_WINDOW_S of now, so its jti must stay claimed at least from
# iat - window (the earliest "now" it can be seen) to iat + window (the last): twice the window, plus margin.
REPLAY_TTL_S = 2 * IAT_WINDOW_S + 10


class DpopChecker:
    """Verifies proofs for this server's public URL; one per app (``app.state.dpop``)."""

    def __init__(self, public_url: str, secret: str, broker: Broker) -> None:
        self.public_url = public_url.rstrip("/")
        self.ws_url = self.public_url.replace("http", "ws", 1)
        self.nonces = Nonces(secret)
        self.broker = broker

    def nonce(self) -> str:
        """A fresh nonce for the ``DPoP-Nonce`` header and the widget's config."""
        return self.nonces.current(time.time())

    async def check(
        self,
        proof: str | None,
        method: str,
        path: str,
        *,
        access_token: str | None = None,
        need_nonce: bool = True,
        websocket: bool = False,
    ) -> DpopProof:
        """The verified, never-seen-before proof for ``method`` on ``path`` of the public URL (the ws URL when
        ``websocket``); raises DpopError (``use_dpop_nonce`` when only the nonce is missing or stale)."""
        now = time.time()
        url = (self.ws_url if websocket else self.public_url) + path
        found = read_proof(proof, method=method, url=url, now_s=now, access_token=access_token,
                           nonces=self.nonces.accepted(now) if need_nonce else None)
        key = hashlib.sha256(f"{found.jkt}|{found.jti}".encode()).hexdigest()
        if not await self.broker.claim_once("dpop:" + key, REPLAY_TTL_S):
            raise DpopError(INVALID_PROOF, "this DPoP proof was already used (jti replay)")
        return found
