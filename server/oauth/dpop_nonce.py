"""Server DPoP nonces (RFC 9449 §8), stateless: HMAC(secret, time window), valid in the window it was made and
the next one, so every server process sharing the secret makes and accepts the same nonces without storage."""

from __future__ import annotations

import hashlib
import hmac

from .dpop import b64url

NONCE_WINDOW_S = 300  # a nonce lives 5 to 10 minutes


class Nonces:
    """Makes and checks nonces from one secret."""

    def __init__(self, secret: str, window_s: int = NONCE_WINDOW_S) -> None:
        self._key = hashlib.sha256(b"parley-dpop-nonce|" + secret.encode()).digest()
        self.window_s = window_s

    def _at(self, window: int) -> str:
        return b64url(hmac.new(self._key, str(window).encode(), hashlib.sha256).digest()[:18])

    def current(self, now_s: float) -> str:
        """The nonce to hand out at ``now_s``."""
        return self._at(int(now_s // self.window_s))

    def accepted(self, now_s: float) -> tuple[str, str]:
        """The nonces a proof may carry at ``now_s``: this window's and the previous one's."""
        window = int(now_s // self.window_s)
        return self._at(window), self._at(window - 1)
