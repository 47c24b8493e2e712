"""What the relay counts for operators (``/metrics``): plain numbers in this process, read at scrape time.

The relay only increments ints here (no locks, no metric objects on the hot path); ``server/metrics.py`` turns
them into Prometheus families when scraped.
"""

from __future__ import annotations

from bisect import bisect_left

# seconds from a send's arrival to its ack (upper bounds; the last bucket is +Inf)
ACK_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Histogram:
    """Cumulative-at-read buckets of observed values, their count and sum."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.total = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.total += value

    def cumulative(self) -> list[tuple[str, int]]:
        """(upper bound as text, observations at or below it), ending with +Inf."""
        out, running = [], 0
        for bound, count in zip([*map(str, self.bounds), "+Inf"], self.counts, strict=True):
            running += count
            out.append((bound, running))
        return out


class RelayStats:
    """Frames in by type, frames out by type (acks, messages, presence, errors), errors by code, closes by
    code, connections opened, broker resets and the ack latency histogram of this process."""

    def __init__(self) -> None:
        self.frames_in: dict[str, int] = {}
        self.frames_out: dict[str, int] = {}
        self.errors: dict[str, int] = {}
        self.closes: dict[int, int] = {}
        self.opened = 0
        self.broker_resets = 0
        self.ack_latency = Histogram(ACK_BUCKETS)

    def received(self, kind: str) -> None:
        self.frames_in[kind] = self.frames_in.get(kind, 0) + 1

    def sent(self, kind: str, count: int = 1) -> None:
        self.frames_out[kind] = self.frames_out.get(kind, 0) + count

    def error(self, code: str) -> None:
        """An error frame with this code was sent."""
        self.errors[code] = self.errors.get(code, 0) + 1
        self.sent("error")

    def closed(self, code: int) -> None:
        self.closes[code] = self.closes.get(code, 0) + 1
