"""A site's insight over the last days, as the owner may see it (privacy applied), and as CSV or JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from ..relay.site_counts import today
from ..store import SiteDay, Store
from .privacy import STEP, SUPPRESSED, THRESHOLD, Shown, page_shown, shown

METRICS = ("visitors", "rendezvous", "messages", "shares")
LABELS = {
    "visitors": "Signed-in visitors",
    "rendezvous": "Rendezvous",
    "messages": "Messages sent",
    "shares": "Pages shared",
}
EXPLAINED = {
    "visitors": "People signed in to the chat on your site (each counted once a day)",
    "rendezvous": "Two friends on your site at the same time (each pair once a day)",
    "messages": "Messages written in the chat on your site",
    "shares": "Times a page of your site was shared with friends",
}
WINDOWS = (7, 30)
TOP_PAGES = 10


def day_date(day: int) -> dt.date:
    """The calendar date of a day number (days since the epoch, UTC)."""
    return dt.date(1970, 1, 1) + dt.timedelta(days=day)


@dataclass(frozen=True)
class DayRow:
    """One day's counts as shown."""

    date: dt.date
    values: dict[str, Shown]


@dataclass(frozen=True)
class InsightReport:
    """The shown counts of each of the last ``days`` days (oldest first) and the top pages."""

    site_name: str
    days: int
    rows: list[DayRow]
    pages: list[tuple[str, Shown]]

    def series(self, metric: str) -> list[Shown]:
        return [row.values[metric] for row in self.rows]


def shown_rows(found: list[SiteDay], first: int, last: int) -> list[DayRow]:
    """Every day from ``first`` to ``last`` (days without a row count 0), privacy applied."""
    by_day = {row.day: row for row in found}
    rows = []
    for day in range(first, last + 1):
        raw = by_day.get(day, SiteDay(day))
        rows.append(DayRow(day_date(day), {name: shown(getattr(raw, name)) for name in METRICS}))
    return rows


async def build_report(store: Store, site_id: int, site_name: str, days: int, last: int | None = None) -> InsightReport:
    """The report of the ``days`` days ending with ``last`` (default: today, UTC)."""
    last = today() if last is None else last
    first = last - days + 1
    found = await store.site_days(site_id, first, last)
    top = await store.site_top_pages(site_id, first, last, TOP_PAGES)
    pages = [(url, shown(count)) for url, count in top if page_shown(count)]
    return InsightReport(site_name, days, shown_rows(found, first, last), pages)


def as_json(report: InsightReport) -> dict[str, Any]:
    """The report as a JSON document (suppressed counts are the string "<5")."""
    return {
        "site": report.site_name,
        "days": [{"date": row.date.isoformat(), **row.values} for row in report.rows],
        "top_pages": [{"url": url, "shares": count} for url, count in report.pages],
        "privacy": {"suppressed_below": THRESHOLD, "suppressed_as": SUPPRESSED, "rounded_to": STEP,
                    "top_pages_min_shares": THRESHOLD, "time_zone": "UTC"},
    }


def as_csv(report: InsightReport) -> str:
    """The report's days as CSV: date and the four counts (suppressed counts are "<5")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", *METRICS])
    for row in report.rows:
        writer.writerow([row.date.isoformat(), *(row.values[name] for name in METRICS)])
    return out.getvalue()
