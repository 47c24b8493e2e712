"""Search benchmark: message search latency over 100,000 stored messages on SQLite and PostgreSQL.

One searcher is in 40 direct conversations; 20 more conversations between other people hold a third of the
messages (search must skip them). Texts come from a fixed vocabulary (seeded, so every run stores the same
messages): a common word in about a third of them, a rare word in about 30, prefixes and phrases. Each query
shape runs through ``store.search_messages`` (the relay's and the API's call, 20 hits a page) many times;
the table gives the median and p90 per call beside a plain indexed read of the same run, a history page of
50 messages (``store.history``), as the ratio base. ``--quick`` stores 30,000 messages.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Callable
from typing import Any

from .databases import on_both
from .report import Table, fmt_ratio, median, percentile, ratio

MINE = 40  # direct conversations of the searcher
OTHERS = 20  # conversations between other people
BATCH = 500
WORDS = ["lunch", "friday", "weather", "meeting", "picture", "station", "garden", "window", "river", "ticket",
         "music", "coffee", "office", "train", "dinner", "doctor", "market", "summer", "winter", "letter",
         "problem", "answer", "question", "holiday", "morning", "evening"]
QUERIES = {
    "common word": "hello",
    "rare word": "zanzibar",
    "prefix (typing)": "tomo",
    "phrase": '"see you soon"',
    "two words": "lunch friday",
    "no match": "xylophone",
}


def text_for(rng: random.Random, n: int) -> str:
    """One message: a few vocabulary words and, now and then, the words the queries look for."""
    words = rng.sample(WORDS, rng.randint(3, 9))
    if rng.random() < 0.33:
        words.insert(0, "hello")
    if rng.random() < 0.05:
        words.append(rng.choice(["tomorrow", "tomato", "tomography"]))
    if rng.random() < 0.02:
        words += ["see", "you", "soon"]
    if n % 3333 == 7:
        words.append("zanzibar")
    return " ".join(words).capitalize() + rng.choice([".", "!", "?", ""])


async def fill(store: Any, total: int) -> tuple[int, int]:
    """Users, conversations and ``total`` messages; (searcher id, one of the searcher's conversations)."""
    from server.store import NewMessage

    async def user(name: str) -> Any:
        return await store.create_user(name, name.capitalize(), "bench-password-1")

    async def befriend(a: Any, b: Any) -> int:
        await store.request(a.id, b.username)
        await store.accept(b.id, a.id)
        return int((await store.open_direct(a.id, b.id)).id)

    searcher = await user("searcher")
    pairs: list[tuple[int, int]] = []
    for i in range(MINE):
        friend = await user(f"friend{i}")
        conv = await befriend(searcher, friend)
        pairs += [(conv, searcher.id), (conv, friend.id)]
    for i in range(OTHERS):
        a, b = await user(f"other{i}a"), await user(f"other{i}b")
        conv = await befriend(a, b)
        pairs += [(conv, a.id), (conv, b.id)] * 2  # other people's talk: about a third of every message
    rng = random.Random(7)
    for start in range(0, total, BATCH):
        batch = []
        for n in range(start, min(total, start + BATCH)):
            conv, sender = pairs[rng.randrange(len(pairs))]
            batch.append(NewMessage(conv, sender, f"b{n}", "text", text_for(rng, n)))
        await store.append_messages(batch)
    return searcher.id, pairs[0][0]


async def timed(call: Callable[[], Any], repeat: int) -> list[float]:
    await call()  # warm
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        out.append((time.perf_counter() - started) * 1000)
    return out


async def bench(url: str, total: int, repeat: int) -> dict[str, tuple[list[float], int]]:
    from server.passwords import Passwords
    from server.store import open_store

    store = await open_store(url, passwords=Passwords.fast())
    try:
        searcher, conv = await fill(store, total)
        out: dict[str, tuple[list[float], int]] = {}
        page = await store.history(conv, searcher, None, 50)
        out["history page (base)"] = (await timed(lambda: store.history(conv, searcher, None, 50), repeat),
                                      len(page.messages))
        for name, query in QUERIES.items():
            found = await store.search_messages(searcher, query, 20)
            out[name] = (await timed(lambda q=query: store.search_messages(searcher, q, 20), repeat), len(found.hits))
        return out
    finally:
        await store.close()


async def run_async(total: int, repeat: int, log: Callable[[str], None]) -> dict[str, Any]:
    return await on_both("search", lambda url: bench(url, total, repeat), log)


def run(quick: bool, runs: int, log: Callable[[str], None]) -> list[Table]:
    total = 30_000 if quick else 100_000
    repeat = 30 if quick else 100
    os.environ.setdefault("PARLEY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    results = asyncio.run(run_async(total, repeat, log))
    table = Table(
        f"Search: latency per call over {total:,} messages ({repeat} calls per query)",
        ["database", "query", "hits", "median ms", "p90 ms", "vs history page"],
    )
    for database, shapes in results.items():
        if isinstance(shapes, str):
            table.add(database, "all", shapes, "", "", "")
            continue
        base = median(shapes["history page (base)"][0])
        for name, (times, hits) in shapes.items():
            shown = QUERIES.get(name, "")
            label = f"{name} {shown}".strip()
            table.add(database, label, hits, median(times), percentile(times, 90),
                      fmt_ratio(ratio(median(times), base)))
    table.notes += [
        f"the searcher is in {MINE} direct conversations; {OTHERS} others' conversations hold a third of the",
        "  messages. hits: on the first page (at most 20). history page: store.history, 50 messages of one",
        "  conversation (an indexed range read), the ratio base of the same run.",
    ]
    return [table]
