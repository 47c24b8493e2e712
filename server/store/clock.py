"""The store's clock: integer milliseconds since the epoch (UTC), as everywhere in Parley."""

from __future__ import annotations

import time


def now_ms() -> int:
    """The current time in integer milliseconds since the epoch."""
    return time.time_ns() // 1_000_000
