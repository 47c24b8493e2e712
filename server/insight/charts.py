"""Bar charts of shown counts as inline SVG, drawn here from the numbers (no script, no external asset).

Each chart is an ``<svg role="img">`` with a title and a description that says the values in words; the page
also has the same numbers in a table. A suppressed day ("<5") is drawn as a short pale dashed bar labelled "<5".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from .privacy import SUPPRESSED, Shown, magnitude

WIDTH, HEIGHT = 400, 200
LEFT, RIGHT, TOP, BOTTOM = 34, 6, 18, 26


def nice_top(value: float) -> int:
    """A round axis maximum at or above ``value`` (at least 10, so that its half is whole too)."""
    value = max(value, 10.0)
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return int(math.ceil(step * power))  # noqa: RUF046 (math.ceil of a float is typed Any here)
    return int(10 * power)


def describe(dates: Sequence[dt.date], values: Sequence[Shown]) -> str:
    """The chart's values in words, for its accessible description."""
    return "; ".join(f"{d:%a %d %b}: {v}" for d, v in zip(dates, values, strict=True))


def bar_chart(chart_id: str, title: str, dates: Sequence[dt.date], values: Sequence[Shown]) -> Markup:
    """An SVG bar chart of one count per day."""
    top = nice_top(max((magnitude(v) for v in values), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(values))
    bar_w = max(2.0, slot * 0.7)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(describe(dates, values))}</desc>',
    ]
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{top * fraction:g}</text>')
    label_every = 1 if len(values) <= 10 else 5
    for index, (date, value) in enumerate(zip(dates, values, strict=True)):
        x = LEFT + slot * index + (slot - bar_w) / 2
        height = plot_h * magnitude(value) / top
        y = TOP + plot_h - height
        css = "bar suppressed" if value == SUPPRESSED else "bar"
        parts.append(f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{height:.1f}"/>')
        if len(values) <= 10 and value != 0:
            parts.append(f'<text class="value" x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">'
                         f"{escape(str(value))}</text>")
        last = index == len(values) - 1
        if index % label_every == 0 or (last and label_every == 1):
            text = f"{date:%a %d}" if len(values) <= 10 else f"{date:%d %b}"
            parts.append(f'<text class="axis" x="{x + bar_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
                         f"{text}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))
