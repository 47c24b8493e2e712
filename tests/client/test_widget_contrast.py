"""WCAG AA contrast (4.5:1 for text) of the widget's colour pairs, in the light and the dark theme, read from
client/static/widget.css itself so a palette change that breaks contrast fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "client" / "static" / "widget.css").read_text()
PAIRS = [  # (text colour, background colour) as the widget draws them
    ("--parley-text", "--parley-bg"),
    ("--parley-muted", "--parley-bg"),
    ("--parley-text", "--parley-surface"),
    ("--parley-muted", "--parley-surface"),
    ("--parley-accent-text", "--parley-accent"),
    ("--parley-mine-text", "--parley-mine"),
    ("--parley-text", "--parley-theirs"),
    ("--parley-link", "--parley-bg"),
]


def palette(selector_pattern: str) -> dict[str, str]:
    block = re.search(selector_pattern + r"\s*\{([^}]*)\}", CSS)
    assert block, selector_pattern
    return dict(re.findall(r"(--parley-[a-z0-9-]+):\s*(#[0-9a-fA-F]{6})", block.group(1)))


LIGHT = palette(r":root, :host")
DARK = {**LIGHT, **palette(r'\[data-theme="dark"\]')}


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_contrast_meets_wcag_aa(theme: str, text: str, background: str) -> None:
    colours = LIGHT if theme == "light" else DARK
    ratio = contrast(colours[text], colours[background])
    assert ratio >= 4.5, f"{theme}: {text} on {background} is {ratio:.2f}:1"


def test_auto_theme_dark_block_matches_the_dark_theme() -> None:
    auto = palette(r'\[data-theme="auto"\]')
    assert auto == palette(r'\[data-theme="dark"\]')
