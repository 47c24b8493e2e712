"""Store benchmark: acknowledged messages per second through server.store (the relay's durable step).

A message counts once `append_message` / `append_messages` has returned, i.e. its transaction committed.
Loads, on SQLite (temporary file, WAL, synchronous=NORMAL) and PostgreSQL (a fresh database, dropped after):
- one at a time: one sender, each append awaited before the next (latency-bound; on a SQLite file the whole
  transaction runs in the store's writer thread in one hop);
- one at a time, async engine path (before): the same through the async engine (a thread hop per statement on
  SQLite), for a same-run before/after ratio;
- 50 concurrent: 50 tasks appending at once over 10 conversations (as a relay under load would);
- batched: append_messages with 50 messages per transaction (group commit), set-based (a fixed number of
  statements per batch);
- batched, per-message path: the same batches with the statements per message that append_messages used
  before (today only its fallback), for a same-run before/after ratio.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .databases import on_both
from .report import Table, fmt_ratio, median, percentile, ratio

CONVERSATIONS = 10
CONCURRENCY = 50
BATCH = 50


async def prepare(store: Any) -> list[tuple[int, int]]:
    """(conversation id, sender id) pairs: one user befriends ten others, one direct conversation each."""
    owner = await store.create_user("benchowner", "Bench Owner", "bench-password-1")
    pairs = []
    for i in range(CONVERSATIONS):
        friend = await store.create_user(f"benchfriend{i}", f"Friend {i}", "bench-password-1")
        await store.request(owner.id, friend.username)
        await store.accept(friend.id, owner.id)
        conversation = await store.open_direct(owner.id, friend.id)
        pairs.append((conversation.id, friend.id if i % 2 else owner.id))
    return pairs


async def one_at_a_time(store: Any, pairs: list[tuple[int, int]], n: int, tag: str) -> tuple[float, list[float]]:
    latencies = []
    start = time.perf_counter()
    for i in range(n):
        conv, sender = pairs[i % len(pairs)]
        t0 = time.perf_counter()
        await store.append_message(conv, sender, f"{tag}-{i}", "text", "hello, one at a time")
        latencies.append((time.perf_counter() - t0) * 1e3)
    return n / (time.perf_counter() - start), latencies


async def concurrent(store: Any, pairs: list[tuple[int, int]], n: int, tag: str) -> tuple[float, list[float]]:
    latencies: list[float] = []
    per_task = max(1, n // CONCURRENCY)

    async def worker(w: int) -> None:
        conv, sender = pairs[w % len(pairs)]
        for i in range(per_task):
            t0 = time.perf_counter()
            await store.append_message(conv, sender, f"{tag}-{w}-{i}", "text", "hello, all at once")
            latencies.append((time.perf_counter() - t0) * 1e3)

    start = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(CONCURRENCY)))
    return per_task * CONCURRENCY / (time.perf_counter() - start), latencies


async def batched(store: Any, pairs: list[tuple[int, int]], n: int, tag: str) -> tuple[float, list[float]]:
    from server.store import NewMessage

    latencies = []
    start = time.perf_counter()
    done = 0
    while done < n:
        batch = [NewMessage(*pairs[(done + k) % len(pairs)], f"{tag}-{done + k}", "text", "hello, in a batch")
                 for k in range(BATCH)]
        t0 = time.perf_counter()
        results = await store.append_messages(batch)
        latencies.append((time.perf_counter() - t0) * 1e3)
        if any(r.error for r in results):
            raise RuntimeError(f"append_messages refused: {next(r.error for r in results if r.error)}")
        done += BATCH
    return done / (time.perf_counter() - start), latencies


async def batched_per_message(store: Any, pairs: list[tuple[int, int]], n: int, tag: str) -> tuple[float, list[float]]:
    """The same batches through the per-message path (five statements and a savepoint per message): what
    append_messages did before it became set-based; it is now only the fallback after a unique violation."""
    from server.store import NewMessage
    from server.store.append_generic import append_one

    latencies = []
    start = time.perf_counter()
    done = 0
    while done < n:
        batch = [NewMessage(*pairs[(done + k) % len(pairs)], f"{tag}-{done + k}", "text", "hello, in a batch")
                 for k in range(BATCH)]
        t0 = time.perf_counter()
        async with store._write() as conn:
            for new in batch:
                await append_one(conn, new)
        latencies.append((time.perf_counter() - t0) * 1e3)
        done += BATCH
    return done / (time.perf_counter() - start), latencies


async def one_at_a_time_async_path(
    store: Any, pairs: list[tuple[int, int]], n: int, tag: str
) -> tuple[float, list[float]]:
    """One at a time through the async engine's set-based path (``append_generic.append_batch``, a thread hop per
    statement through aiosqlite): what SQLite used before its one-hop writer thread. On PostgreSQL: what it
    used before its one-statement append (``parley_append``), a network round trip per statement."""
    from server.store import NewMessage
    from server.store.append_generic import append_batch

    latencies = []
    start = time.perf_counter()
    for i in range(n):
        conv, sender = pairs[i % len(pairs)]
        t0 = time.perf_counter()
        async with store._write() as conn:
            (result,) = await append_batch(conn, [NewMessage(conv, sender, f"{tag}-{i}", "text", "hello, async")])
        if result.error:
            raise RuntimeError(f"append refused: {result.error}")
        latencies.append((time.perf_counter() - t0) * 1e3)
    return n / (time.perf_counter() - start), latencies


LOADS: dict[str, Callable[..., Awaitable[tuple[float, list[float]]]]] = {
    "one at a time": one_at_a_time,
    "one at a time, async engine path (before)": one_at_a_time_async_path,
    f"{CONCURRENCY} concurrent": concurrent,
    f"batched x{BATCH}": batched,
    f"batched x{BATCH}, per-message path (before)": batched_per_message,
}


async def bench(url: str, runs: int, n: int) -> dict[str, tuple[list[float], list[float]]]:
    from server.passwords import Passwords
    from server.store import open_store

    store = await open_store(url, passwords=Passwords.fast())
    out: dict[str, tuple[list[float], list[float]]] = {}
    try:
        pairs = await prepare(store)
        for run in range(runs + 1):  # run 0 warms up
            for name, load in LOADS.items():
                rate, latencies = await load(store, pairs, n if run else n // 5, f"{name[:3]}{run}")
                if run:
                    rates, p99s = out.setdefault(name, ([], []))
                    rates.append(rate)
                    p99s.append(percentile(latencies, 99))
    finally:
        await store.close()
    return out


async def run_async(runs: int, n: int, log: Callable[[str], None]) -> dict[str, Any]:
    return await on_both("store", lambda url: bench(url, runs, n), log)


def run(quick: bool, runs: int, log: Callable[[str], None]) -> list[Table]:
    n = 300 if quick else 1000
    runs = min(runs, 3)
    try:
        from server.store import NewMessage, open_store  # noqa: F401
    except ImportError as error:
        table = Table("Store", ["database", "value"])
        table.add("all", f"pending: server.store has no append API yet ({error})")
        return [table]
    os.environ.setdefault("PARLEY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    results = asyncio.run(run_async(runs, n, log))
    table = Table(
        f"Store: acknowledged messages/s (median of {runs} runs x {n} messages)",
        ["database", "load", "messages/s", "p99 per call, ms", "vs one at a time"],
    )
    for database, loads in results.items():
        if isinstance(loads, str):
            table.add(database, "all", loads, "", "")
            continue
        base = median(loads["one at a time"][0])
        for name, (rates, p99s) in loads.items():
            rate = median(rates)
            table.add(database, name, rate, median(p99s), fmt_ratio(ratio(rate, base)))
    table.notes += [
        "acknowledged = the call returned after its transaction committed; p99 per call is per message",
        f"  except batched (per batch of {BATCH}). {CONVERSATIONS} direct conversations, senders alternate.",
        "  per-message path (before): the same batches, statements per message (the old append_messages).",
        "  async engine path (before): one at a time through SQLAlchemy async (SQLite: a thread hop per",
        "    statement; what SQLite used before its one-hop writer thread; PostgreSQL: a round trip per",
        "    statement, what it used before its one-statement append).",
    ]
    if any(math.isnan(median(v[0])) for v in results.values() if not isinstance(v, str) for v in v.values()):
        table.notes.append("some loads produced no figure")
    return [table]
