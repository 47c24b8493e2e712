"""Per-connection limits: a token bucket for inbound frames (then a close once a flood goes on), and how
much output may wait for one socket before it counts as too slow."""

from __future__ import annotations

import time
from dataclasses import dataclass

FRAMES_PER_SECOND = 50.0  # sustained inbound frames per connection
BURST = 100  # frames a connection may send at once after being quiet
STRIKES_BEFORE_CLOSE = 20  # refused frames in a row before the socket is closed (4008)
MAX_QUEUE_FRAMES = 256  # frames waiting for one socket before it counts as too slow
MAX_QUEUE_BYTES = 1 << 20  # characters waiting for one socket before it counts as too slow
MAX_HELD_FRAMES = 4096  # live frames held back while a resume replays


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


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """The limits of every socket of a hub; one shared object, read by each connection."""

    frames_per_second: float = FRAMES_PER_SECOND  # inbound, sustained
    burst: int = BURST  # inbound frames at once after a quiet spell
    max_strikes: int = STRIKES_BEFORE_CLOSE
    max_queue_frames: int = MAX_QUEUE_FRAMES  # output waiting for the socket: more closes it (4009)
    max_queue_bytes: int = MAX_QUEUE_BYTES
    max_held_frames: int = MAX_HELD_FRAMES  # live frames held during a resume's replay

    def rate_limit(self) -> RateLimit:
        """A fresh token bucket for one connection."""
        return RateLimit(self.frames_per_second, self.burst, self.max_strikes)
