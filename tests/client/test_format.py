"""The panel's pure formatting under CPython: day labels ask for the locale date only when they show it."""

from __future__ import annotations

from parley.ui import format as fmt

DAY = 86_400_000


def test_today_and_yesterday_never_format_a_locale_date():
    asked: list[int] = []

    def date_text() -> str:
        asked.append(1)
        return "22/11/2026"

    now = 1_795_600_000_000
    t = {"today": "Today", "yesterday": "Yesterday"}.get
    assert fmt.day_label(now - 60_000, now, -60, t, date_text) == "Today"
    assert fmt.day_label(now - DAY, now, -60, t, date_text) == "Yesterday"
    assert asked == []  # a browser's first toLocaleDateString loads locale data: skipped for these
    assert fmt.day_label(now - 3 * DAY, now, -60, t, date_text) == "22/11/2026"
    assert asked == [1]
