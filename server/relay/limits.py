"""Per-connection rate limit: a token bucket, then a close once a flood goes on."""

from __future__ import annotations

import time

FRAMES_PER_SECOND = 50.0  # sustained inbound frames per connection
BURST = 100  # frames a connection may send at once after being quiet
STRIKES_BEFORE_CLOSE = 20  # refused frames in a row before the socket is closed (4008)


class RateLimit:
    """A token bucket refilled at ``rate`` per second up to ``burst``; counts refusals in a row."""

    __slots__ = ("burst", "max_strikes", "rate", "stamp", "strikes", "tokens")

    def __init__(
        self, rate: float = FRAMES_PER_SECOND, burst: int = BURST, max_strikes: int = STRIKES_BEFORE_CLOSE
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()
        self.strikes = 0
        self.max_strikes = max_strikes

    def allow(self) -> bool:
        """Take one token: True if the frame may be processed."""
        now = time.monotonic()
        tokens = self.tokens + (now - self.stamp) * self.rate
        self.stamp = now
        if tokens > self.burst:
            tokens = self.burst
        if tokens >= 1.0:
            self.tokens = tokens - 1.0
            self.strikes = 0
            return True
        self.tokens = tokens
        self.strikes += 1
        return False

    @property
    def exhausted(self) -> bool:
        """The flood went on for too long: close the socket."""
        return self.strikes >= self.max_strikes
