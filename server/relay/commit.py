"""Group commit: sends that arrive while a transaction is running are stored together in the next one.

One committer task per process takes everything queued (up to ``max_batch``), stores it with
``store.append_messages`` in one transaction, then hands the results, in commit order, to ``on_done``
(which acknowledges and publishes). So a busy process commits many messages per transaction, and the
messages of one conversation are published in position order. There is no batching delay: a lone send
starts its transaction at once (the task is created on submit); batches form only from what queued while the
previous transaction ran. Each batch is sorted by conversation so
that two processes committing into the same conversations take their row locks in the same order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ..store import AppendResult, NewMessage, Store, StoreError

logger = logging.getLogger("parley.relay")

MAX_BATCH = 256


class Pending:
    """One message waiting to be stored, and who to answer: ``connection`` gets the ack, ``cid`` is the
    client id the ack carries (a share's own cid), ``group`` counts a share's acks still to come, ``at`` is
    when it arrived (``time.perf_counter``: the ack latency metric)."""

    __slots__ = ("at", "cid", "connection", "group", "new")

    def __init__(self, new: NewMessage, connection: Any, cid: str, group: list[int] | None = None) -> None:
        self.new = new
        self.connection = connection
        self.cid = cid
        self.group = group
        self.at = time.perf_counter()


OnDone = Callable[[Sequence[Pending], Sequence[AppendResult]], Awaitable[None]]


class GroupCommitter:
    """Queue of pending messages and the task that commits them in batches."""

    def __init__(self, store: Store, on_done: OnDone, max_batch: int = MAX_BATCH) -> None:
        self.store = store
        self.on_done = on_done
        self.max_batch = max_batch
        self.queue: deque[Pending] = deque()
        self.task: asyncio.Task[None] | None = None
        self.batches = 0  # statistics: transactions and messages committed
        self.committed = 0

    def submit(self, item: Pending) -> None:
        """Queue one message; the committer task picks it up with the next batch."""
        self.queue.append(item)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run(), name="parley-group-commit")

    async def drain(self) -> None:
        """Wait until everything queued so far is committed and answered."""
        while self.task is not None and not self.task.done():
            await asyncio.shield(self.task)

    async def _run(self) -> None:
        queue = self.queue
        while queue:
            count = min(len(queue), self.max_batch)
            batch = sorted((queue.popleft() for _ in range(count)), key=_conversation)
            results = await self._append(batch)
            self.batches += 1
            self.committed += len(batch)
            try:
                await self.on_done(batch, results)
            except Exception:
                logger.exception("answering a committed batch failed")

    async def _append(self, batch: list[Pending]) -> list[AppendResult]:
        try:
            return await self.store.append_messages([item.new for item in batch])
        except Exception as exc:
            if len(batch) == 1:
                logger.warning("storing a message failed: %r", exc)
                return [AppendResult(None, False, exc)]
        # One bad message must not fail its neighbours forever: store them one by one.
        results = []
        for item in batch:
            results.extend(await self._append([item]))
        return results


def _conversation(item: Pending) -> int:
    return item.new.conversation_id


def is_store_error(exc: BaseException | None) -> bool:
    return isinstance(exc, StoreError)
