"""Flushing the relay's in-memory insight counts to the store, every few seconds and at shutdown.

Visitors and rendezvous pairs leave this process only as keyed hashes (HMAC-SHA256 with the server's secret key,
the same in every process) of (kind, site, day, ids): enough for the store to count each once per day across
processes, useless to anyone without the key, and deleted once the day is over.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import Callable, Iterable

from ..relay.site_counts import SiteCounts, today
from ..store import InsightBatch, Store

logger = logging.getLogger("parley.insight")

FLUSH_S = 5.0
RETENTION_DAYS = 400
MAX_KNOWN = 200_000  # hashes remembered per process and day (beyond that the store's conflict check does it)


class InsightFlusher:
    """One task per process: takes what the relay counted and adds it to the day rows in one transaction."""

    def __init__(
        self, store: Store, counts: SiteCounts, key: str, live: Callable[[], Iterable[tuple[int, int]]],
        every: float = FLUSH_S, keep_days: int = RETENTION_DAYS,
    ) -> None:
        self.store = store
        self.counts = counts
        self.key = key.encode()
        self.live = live  # (site, user) of every live socket: re-counted as visitors when a new day starts
        self.every = every
        self.keep_days = keep_days
        self.day = today()
        self.known: set[str] = set()  # hashes this process already stored today (not sent again)
        self.task: asyncio.Task[None] | None = None

    def hashed(self, kind: str, site: int, day: int, *ids: int) -> str:
        """The keyed hash a visitor (``v``) or friend pair (``r``) is stored as for one site and day."""
        text = ":".join(map(str, (kind, site, day, *ids)))
        return hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest()

    def batch(self, taken: SiteCounts) -> InsightBatch:
        """The store's batch for what was counted: ids replaced by their hashes, those stored today left out."""
        seen = [(site, day, "v", self.hashed("v", site, day, user)) for site, day, user in taken.visitors]
        seen += [(site, day, "r", self.hashed("r", site, day, a, b)) for site, day, a, b in taken.pairs]
        fresh = tuple(item for item in seen if item[3] not in self.known)
        return InsightBatch(fresh, taken.messages, taken.shares, taken.pages)

    async def flush(self) -> None:
        """Store what was counted since the last flush (kept for the next one if the store fails)."""
        day = today()
        if day != self.day:  # a new UTC day: sockets still open count as today's visitors too
            self.day = day
            self.known.clear()
            for site, user in self.live():
                self.counts.arrived(site, user, False, ())
            with contextlib.suppress(Exception):
                await self.store.prune_insight(day, self.keep_days)
        taken = self.counts.take()
        batch = self.batch(taken)
        if not batch:
            return
        try:
            await self.store.record_insight(batch)
        except Exception as exc:
            logger.warning("storing insight failed (kept for the next flush): %r", exc)
            self.counts.merge(taken)
            return
        if len(self.known) > MAX_KNOWN:
            self.known.clear()
        self.known.update(item[3] for item in batch.seen if item[1] == day)

    async def start(self) -> None:
        """Start the periodic flush (prunes old rows once first)."""
        with contextlib.suppress(Exception):
            await self.store.prune_insight(self.day, self.keep_days)
        self.task = asyncio.get_running_loop().create_task(self._run(), name="parley-insight-flush")

    async def stop(self) -> None:
        """Stop the periodic flush and store what is left."""
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.flush()
            except Exception:
                logger.exception("insight flush failed")
