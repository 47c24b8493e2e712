"""Insight: per-site, per-UTC-day aggregates (visitors, rendezvous, messages, shares, shares per page).

Processes add what they counted with ``record_insight`` (one transaction of UPSERTs per flush). Distinct
counts (visitors, rendezvous pairs) are arbitrated by the database: a process inserts the keyed hash of what it
saw into ``site_daily_seen`` and adds to the day's counter only the rows that were new, so two processes seeing
the same visitor count them once. Those hashes are kept for the current and the previous day only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from . import records, tables
from .base import StoreBase

daily = tables.site_daily
pages = tables.site_daily_pages
seen = tables.site_daily_seen
CHUNK = 500  # rows per multi-row INSERT (well under SQLite's bound-parameter limit)
COUNTERS = ("visitors", "rendezvous", "messages", "shares")
SEEN_COUNTER = {"v": "visitors", "r": "rendezvous"}


class InsightStore(StoreBase):
    """Add to, read and prune the insight aggregates."""

    def _insight_insert(self, table: Any) -> Any:
        return (sqlite_insert if self.is_sqlite else pg_insert)(table)

    async def record_insight(self, batch: records.InsightBatch) -> None:
        """Add one process's counts to the day rows, in one transaction."""
        if not batch:
            return
        async with self._write() as conn:
            added: dict[tuple[int, int], Counter[str]] = {}
            for key, count in batch.messages.items():
                added.setdefault(key, Counter())["messages"] += count
            for key, count in batch.shares.items():
                added.setdefault(key, Counter())["shares"] += count
            for site_id, day, kind in await self._insert_seen(conn, batch.seen):
                added.setdefault((site_id, day), Counter())[SEEN_COUNTER[kind]] += 1
            rows = [{"site_id": site, "day": day, **{name: counts[name] for name in COUNTERS}}
                    for (site, day), counts in added.items()]
            await self._upsert(conn, daily, rows, ("site_id", "day"), COUNTERS)
            page_rows = [{"site_id": site, "day": day, "url": url, "shares": count}
                         for (site, day, url), count in batch.pages.items()]
            await self._upsert(conn, pages, page_rows, ("site_id", "day", "url"), ("shares",))

    async def _insert_seen(
        self, conn: AsyncConnection, keys: Sequence[tuple[int, int, str, str]]
    ) -> list[tuple[int, int, str]]:
        """Insert the keyed hashes not seen yet; (site, day, kind) of each row that was new."""
        new: list[tuple[int, int, str]] = []
        unique = sorted(set(keys))
        statement = (
            self._insight_insert(seen).on_conflict_do_nothing().returning(seen.c.site_id, seen.c.day, seen.c.kind)
        )
        for start in range(0, len(unique), CHUNK):
            values = [{"site_id": s, "day": d, "kind": k, "key": h} for s, d, k, h in unique[start : start + CHUNK]]
            new.extend((row.site_id, row.day, row.kind) for row in await conn.execute(statement, values))
        return new

    async def _upsert(
        self, conn: AsyncConnection, table: Any, rows: list[dict[str, Any]], keys: Sequence[str],
        counters: Sequence[str],
    ) -> None:
        rows = sorted(rows, key=lambda row: [row[k] for k in keys])  # one lock order for every process
        for start in range(0, len(rows), CHUNK):
            statement = self._insight_insert(table).values(rows[start : start + CHUNK])
            statement = statement.on_conflict_do_update(
                index_elements=list(keys),
                set_={name: table.c[name] + statement.excluded[name] for name in counters},
            )
            await conn.execute(statement)

    async def site_days(self, site_id: int, first_day: int, last_day: int) -> list[records.SiteDay]:
        """The day rows of a site between two days (inclusive) that have any count, oldest first."""
        query = (
            select(daily).where(daily.c.site_id == site_id, daily.c.day.between(first_day, last_day))
            .order_by(daily.c.day)
        )
        async with self._read() as conn:
            found = (await conn.execute(query)).mappings().all()
        return [records.SiteDay(row["day"], *(int(row[name]) for name in COUNTERS)) for row in found]

    async def site_top_pages(
        self, site_id: int, first_day: int, last_day: int, limit: int = 10
    ) -> list[tuple[str, int]]:
        """(url, shares) of a site's most shared pages between two days (inclusive), most shared first."""
        total = func.sum(pages.c.shares).label("total")
        query = (
            select(pages.c.url, total)
            .where(pages.c.site_id == site_id, pages.c.day.between(first_day, last_day))
            .group_by(pages.c.url)
            .order_by(total.desc(), pages.c.url)
            .limit(limit)
        )
        async with self._read() as conn:
            return [(row.url, int(row.total)) for row in await conn.execute(query)]

    async def prune_insight(self, today: int, keep_days: int) -> None:
        """Drop the distinct-count hashes of days before yesterday and every aggregate older than
        ``keep_days``."""
        async with self._write() as conn:
            await conn.execute(delete(seen).where(seen.c.day < today - 1))
            for table in (daily, pages):
                await conn.execute(delete(table).where(table.c.day < today - keep_days))
