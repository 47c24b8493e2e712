"""parley.links: message text split into plain runs and safe http(s) links (pure, CPython)."""

from __future__ import annotations

import pytest
from parley.links import has_link, runs


def links(text: str) -> list[str]:
    return [href for _, href in runs(text) if href is not None]


def test_plain_text_is_one_run() -> None:
    assert runs("hello there") == [("hello there", None)]
    assert runs("") == []
    assert not has_link("no links, www.example.com neither")


def test_link_between_words_keeps_every_character() -> None:
    text = "see https://shop.example/p/7?x=1#top now"
    assert runs(text) == [("see ", None), ("https://shop.example/p/7?x=1#top", "https://shop.example/p/7?x=1#top"),
                          (" now", None)]
    assert "".join(part for part, _ in runs(text)) == text


def test_scheme_is_lower_cased_in_href_only() -> None:
    assert runs("HTTPS://Shop.Example/A") == [("HTTPS://Shop.Example/A", "https://Shop.Example/A")]


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("look: https://x.example/a.", "https://x.example/a"),
        ("really?https://x.example/a?!", "https://x.example/a"),
        ("(see https://x.example/a)", "https://x.example/a"),
        ("(see https://en.example/wiki/A_(b))", "https://en.example/wiki/A_(b)"),
        ("[https://x.example/a]", "https://x.example/a"),
        ("'https://x.example/a'", "https://x.example/a"),
        ('"https://x.example/a"', "https://x.example/a"),
        ("<https://x.example/a>", "https://x.example/a"),
        ("https://x.example/a,https://y.example", "https://x.example/a,https://y.example"),
        ("http://127.0.0.1:8000/x", "http://127.0.0.1:8000/x"),
        ("https://x.example/ümlaut", "https://x.example/ümlaut"),
    ],
)
def test_trailing_punctuation_and_brackets(text: str, url: str) -> None:
    assert links(text) == [url]


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "javascript://x.example/%0aalert(1)",
        "data:text/html,<b>x</b>",
        "xhttps://x.example",  # not at a word start
        "https://",
        "https:// x.example",
        "https://user:pw@x.example/",
        "https://x.example:0/",
        "https://x.example:99999/",
        "ftp://x.example/",
        "https:/x.example",
        "https://" + "a" * 2100 + ".example",
    ],
)
def test_hostile_or_invalid_links_stay_text(text: str) -> None:
    assert links(text) == []
    assert "".join(part for part, _ in runs(text)) == text


def test_quotes_and_angle_brackets_end_a_link() -> None:
    text = 'https://x.example/"onmouseover="alert(1)'
    assert links(text) == ["https://x.example/"]
    assert links("https://x.example/<script>") == ["https://x.example/"]
    assert links("https://x.example/a\\b") == ["https://x.example/a"]


def test_several_links_and_newlines() -> None:
    text = "one https://a.example\ntwo http://b.example/x\tthree"
    assert links(text) == ["https://a.example", "http://b.example/x"]


def test_long_hostile_text() -> None:
    """Texts of 100,000 characters built to make a naive scanner backtrack: one pass each (a quadratic
    scan would not finish here), every character kept."""
    shapes = ["http" * 25000, "https://" * 12000, "(" * 50000 + "https://x.example/" + ")" * 50000,
              ("https://x.example/a " * 5000), "h" * 100000]
    for text in shapes:
        assert "".join(part for part, _ in runs(text)) == text
    assert len(links("https://x.example/a " * 5000)) == 5000
