"""What the relay counts for the sites' insight, in memory, until the next flush (``server/insight/flush.py``).

The hooks are plain set adds and dict increments (the send -> ack path pays one per stored message); nothing
here does I/O. Who was counted (a visitor, a friend pair) stays in memory only until the flush, which stores a
keyed hash of it for the day (distinct counts across processes), never the ids themselves.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from parley import protocol as P

MAX_URL = 500


def today() -> int:
    """The current UTC day as days since the epoch."""
    return int(time.time()) // 86400


def page_of(url: str, origins: Iterable[str]) -> str:
    """The page a share names, without query or fragment, when it is on one of the site's origins; "" for
    anything else (another site's page is none of this site's business, and is not kept)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    if not parts.netloc or origin not in origins:
        return ""
    return (origin + (parts.path or "/"))[:MAX_URL]


class SiteCounts:
    """This process's counts since the last flush: visitors and rendezvous pairs (to count distinctly),
    messages and shares per (site, day), shares per (site, day, page)."""

    def __init__(self) -> None:
        self.visitors: set[tuple[int, int, int]] = set()  # (site, day, user)
        self.pairs: set[tuple[int, int, int, int]] = set()  # (site, day, lower user, higher user)
        self.messages: dict[tuple[int, int], int] = {}
        self.shares: dict[tuple[int, int], int] = {}
        self.pages: dict[tuple[int, int, str], int] = {}

    def arrived(self, site: int, user: int, visible: bool, presence: Iterable[Mapping[str, Any]]) -> None:
        """A signed-in visitor's socket opened on a site; ``presence`` is its welcome list: each friend's device
        here (and visible) makes a rendezvous when the visitor is visible too."""
        day = today()
        self.visitors.add((site, day, user))
        if not visible:
            return
        for entry in presence:
            if entry.get("here") and entry.get("status") != P.OFFLINE:
                friend = int(entry["user"])
                if friend != user:
                    self.pairs.add((site, day, min(user, friend), max(user, friend)))

    def stored(self, site: int, kind: str, data: Mapping[str, Any] | None, origins: Iterable[str], last: bool) -> None:
        """A message sent through a socket of ``site`` was stored (not a resend). A share to several
        conversations counts once, on its ``last`` stored copy."""
        day = today()
        if kind != P.KIND_SHARE:
            key = (site, day)
            self.messages[key] = self.messages.get(key, 0) + 1
        elif last:
            key = (site, day)
            self.shares[key] = self.shares.get(key, 0) + 1
            page = page_of(str((data or {}).get("url", "")), origins)
            if page:
                paged = (site, day, page)
                self.pages[paged] = self.pages.get(paged, 0) + 1

    def take(self) -> SiteCounts:
        """Everything counted so far (a new object); this one starts empty."""
        taken = SiteCounts()
        taken.visitors, self.visitors = self.visitors, set()
        taken.pairs, self.pairs = self.pairs, set()
        taken.messages, self.messages = self.messages, {}
        taken.shares, self.shares = self.shares, {}
        taken.pages, self.pages = self.pages, {}
        return taken

    def merge(self, other: SiteCounts) -> None:
        """Add counts back (a flush that failed)."""
        self.visitors |= other.visitors
        self.pairs |= other.pairs
        for mine, theirs in ((self.messages, other.messages), (self.shares, other.shares)):
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count
        for page, count in other.pages.items():
            self.pages[page] = self.pages.get(page, 0) + count
