"""Keeping the cycle collector off the relay's long-lived objects (``Settings.gc_freeze``, on by default).

CPython's collector scans every tracked object of a generation when it collects it; a full (generation-2)
collection runs whenever the objects that survived into it since the last one exceed a quarter of those it
already holds. An idle socket is ~46 tracked objects (uvicorn's protocol, uvloop's transport, websockets'
parser generators, the relay's Connection and coroutines, lists), so with 20,000 of them a full collection
walks ~1.1 million objects and holds the event loop for 1-2 s here, and a load's surviving objects bring
the next one about.

``GcFreezer`` freezes (``gc.freeze``: moves to a permanent generation the collector never scans) everything
alive after start-up and after every burst of new sockets, once a collection of what is not frozen has
freed what was already garbage (its cost grows with the objects made since the last freeze, not with all
sockets). Frozen objects are still freed by reference counting; what only the collector frees (reference
cycles) stays until the objects are unfrozen. A closed socket leaves no cycle (``relay.wsprotocol`` breaks
the one websockets left: measured 0 objects per closed socket, 20 before), so the thaw is a safety net: once as
many sockets closed since the last thaw as are open now, everything is unfrozen, collected once and frozen
again (one full collection, the stall that freezing avoids, per that many closes; CPython alone runs one
each time new survivors reach a quarter of the old, under churn or under load; when every socket closes at
once, the thaw runs when half of them have).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Callable

logger = logging.getLogger("parley.gc")

TICK_S = 2.0  # how often the policy looks at the socket counts
MIN_NEW = 200  # sockets started since the last freeze before another freeze
MIN_CLOSED = 1_000  # sockets closed since the last thaw before a thaw may run
THAW_SHARE = 1.0  # ... and at least this share of the sockets open now


class GcFreezer:
    """Freezes after start-up and after bursts of connections; thaws and collects after enough closes.

    ``counts()`` returns (sockets started so far, sockets closed so far) of this process.
    """

    def __init__(self, counts: Callable[[], tuple[int, int]], tick_s: float = TICK_S) -> None:
        self.counts = counts
        self.tick_s = tick_s
        self.freezes = 0
        self.thaws = 0
        self._opened_at_freeze = 0
        self._closed_at_thaw = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Freeze what start-up left alive and look at the counts every ``tick_s`` (on the running loop)."""
        self._opened_at_freeze, self._closed_at_thaw = self.counts()
        self._freeze()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="parley-gc-freeze")

    async def stop(self) -> None:
        """Stop looking, and hand everything back to the collector."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        gc.unfreeze()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            self.tick()

    def tick(self) -> str:
        """Freeze, thaw or do nothing, by the counts now; returns what it did ("freeze", "thaw" or "")."""
        opened, closed = self.counts()
        open_now = opened - closed
        if closed - self._closed_at_thaw >= max(MIN_CLOSED, THAW_SHARE * open_now):
            started = time.perf_counter()
            gc.unfreeze()
            self._closed_at_thaw = closed
            self._opened_at_freeze = opened
            self._freeze()
            self.thaws += 1
            logger.info("gc: thawed and collected %d objects in %.0f ms (%d sockets open)",
                        gc.get_freeze_count(), (time.perf_counter() - started) * 1e3, open_now)
            return "thaw"
        if opened - self._opened_at_freeze >= MIN_NEW:
            self._opened_at_freeze = opened
            self._freeze()
            return "freeze"
        return ""

    def _freeze(self) -> None:
        gc.collect()  # the unfrozen objects only: what is already garbage is not frozen with the rest
        gc.freeze()
        self.freezes += 1
