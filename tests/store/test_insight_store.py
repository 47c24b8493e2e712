"""Insight aggregates in the store: distinct counts arbitrated by the database, UPSERTed counters, top pages,
pruning."""

from __future__ import annotations

import pytest

from server.store import InsightBatch, SiteDay, Store
from tests.support.store_data import add_site

pytestmark = pytest.mark.anyio
DAY = 20_000


async def test_two_processes_batches_count_each_visitor_and_pair_once(store: Store) -> None:
    site = await add_site(store, ["https://shop.example"])
    other = await add_site(store, ["https://news.example"])
    # process one saw visitors a and b and their rendezvous; process two saw b again, c, and the same pair
    one = InsightBatch(
        seen=(
            (site, DAY, "v", "a" * 64), (site, DAY, "v", "b" * 64), (site, DAY, "r", "ab" * 32),
            (site, DAY - 1, "v", "a" * 64),
        ),
        messages={(site, DAY): 3}, shares={(site, DAY): 1},
        pages={(site, DAY, "https://shop.example/p/1"): 1},
    )
    two = InsightBatch(
        seen=((site, DAY, "v", "b" * 64), (site, DAY, "v", "c" * 64), (site, DAY, "r", "ab" * 32),
              (other, DAY, "v", "a" * 64)),
        messages={(site, DAY): 2, (other, DAY): 7}, shares={(site, DAY): 1},
        pages={(site, DAY, "https://shop.example/p/1"): 1},
    )
    await store.record_insight(one)
    await store.record_insight(two)
    await store.record_insight(InsightBatch())  # nothing to add: no transaction, no change

    assert await store.site_days(site, DAY - 6, DAY) == [
        SiteDay(DAY - 1, visitors=1), SiteDay(DAY, visitors=3, rendezvous=1, messages=5, shares=2),
    ]
    assert await store.site_days(other, DAY - 6, DAY) == [SiteDay(DAY, visitors=1, messages=7)]
    assert await store.site_top_pages(site, DAY - 6, DAY) == [("https://shop.example/p/1", 2)]
    assert await store.site_top_pages(other, DAY - 6, DAY) == []


async def test_top_pages_sum_over_days_and_sort(store: Store) -> None:
    site = await add_site(store, ["https://shop.example"])
    await store.record_insight(InsightBatch(pages={
        (site, DAY, "https://shop.example/a"): 2, (site, DAY - 1, "https://shop.example/a"): 4,
        (site, DAY, "https://shop.example/b"): 5, (site, DAY - 9, "https://shop.example/c"): 50,
    }))
    assert await store.site_top_pages(site, DAY - 6, DAY) == [
        ("https://shop.example/a", 6), ("https://shop.example/b", 5),
    ]
    assert await store.site_top_pages(site, DAY - 6, DAY, limit=1) == [("https://shop.example/a", 6)]


async def test_prune_drops_old_hashes_and_rows_past_retention(store: Store) -> None:
    site = await add_site(store, ["https://shop.example"])
    await store.record_insight(InsightBatch(
        seen=((site, DAY - 2, "v", "x" * 64), (site, DAY - 1, "v", "y" * 64)),
        messages={(site, DAY - 400): 1, (site, DAY - 10): 1},
    ))
    await store.prune_insight(DAY, keep_days=30)
    assert [row.day for row in await store.site_days(site, DAY - 500, DAY)] == [DAY - 10, DAY - 2, DAY - 1]
    # the hash of the day before yesterday is gone (the same visitor would count again), yesterday's is kept
    await store.record_insight(InsightBatch(
        seen=((site, DAY - 2, "v", "x" * 64), (site, DAY - 1, "v", "y" * 64)),
    ))
    days = {row.day: row.visitors for row in await store.site_days(site, DAY - 2, DAY)}
    assert days == {DAY - 2: 2, DAY - 1: 1}


async def test_deleting_a_site_deletes_its_insight(store: Store) -> None:
    site = await add_site(store, ["https://shop.example"])
    await store.record_insight(InsightBatch(
        seen=((site, DAY, "v", "x" * 64),), messages={(site, DAY): 1}, pages={(site, DAY, "https://shop.example/"): 1},
    ))
    await store.delete_site(site)
    assert await store.site_days(site, DAY - 1, DAY) == []
    assert await store.site_top_pages(site, DAY - 1, DAY) == []
