"""Message search queries and snippets (pure: no I/O).

A query is words and "quoted phrases". A word is a run of letters and digits (everything else separates
words, as the indexes' tokenizers do); the query's last word, when the query ends with it (not with a
quote or punctuation) and it has at least ``PREFIX_MIN`` characters, also matches as a prefix (people
type). Every term reaches the database as a quoted string built here from letters and digits only: nothing
the user types becomes FTS5 or tsquery syntax.

Snippets: a window of the matched text with the words matching a term marked as ``(start, end)`` ranges
(code points), compared without case and diacritics, as the indexes compare them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_TERMS = 8  # words searched for, at most (phrases count their words)
PREFIX_MIN = 2  # a last word shorter than this matches whole words only
SNIPPET_CHARS = 140  # the snippet's length, at most (plus an ellipsis on either side)
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: groups of words (one word, or a phrase's words in order); ``prefix``: whether the
    last group's last word also matches as a prefix."""

    groups: tuple[tuple[str, ...], ...]
    prefix: bool

    @property
    def words(self) -> list[str]:
        """Every word of the query, in order."""
        return [word for group in self.groups for word in group]


def fold(text: str) -> str:
    """``text`` without case and diacritics (NFKD, combining marks dropped, lower case: as the tokenizers fold)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def words_of(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` of every word (run of letters and digits) of ``text``."""
    spans: list[tuple[int, int]] = []
    start = -1
    for i, ch in enumerate(text):
        if ch.isalnum():
            if start < 0:
                start = i
        elif start >= 0:
            spans.append((start, i))
            start = -1
    if start >= 0:
        spans.append((start, len(text)))
    return spans


def parse(query: str) -> Query:
    """The words and phrases of ``query`` (see the module); no groups when it holds no word."""
    text = unicodedata.normalize("NFKC", query)
    groups: list[tuple[str, ...]] = []
    count = 0
    parts = text.split('"')
    for index, part in enumerate(parts):
        quoted = index % 2 == 1 and index < len(parts) - 1  # an unclosed quote is plain text
        found = [fold(part[a:b]) for a, b in words_of(part)]
        found = found[: MAX_TERMS - count]
        count += len(found)
        if not found:
            continue
        if quoted:
            groups.append(tuple(found))
        else:
            groups.extend((word,) for word in found)
    ends_open = bool(text) and text[-1].isalnum()
    prefix = bool(groups) and ends_open and len(groups[-1][-1]) >= PREFIX_MIN and count <= MAX_TERMS
    return Query(tuple(groups), prefix)


def fts5_match(query: Query) -> str:
    """The FTS5 MATCH expression of ``query``: every group a quoted string (a phrase), all of them required."""
    out = []
    for i, group in enumerate(query.groups):
        term = '"' + " ".join(group).replace('"', '""') + '"'
        if query.prefix and i == len(query.groups) - 1:
            term += " *"
        out.append(term)
    return " AND ".join(out)


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(query: Query) -> str:
    """The ``to_tsquery`` text of ``query``: quoted lexemes, ``<->`` within a phrase, ``&`` between groups."""
    out = []
    for i, group in enumerate(query.groups):
        lexemes = [_lexeme(word) for word in group]
        if query.prefix and i == len(query.groups) - 1:
            lexemes[-1] += ":*"
        out.append("(" + " <-> ".join(lexemes) + ")" if len(lexemes) > 1 else lexemes[0])
    return " & ".join(out)


def marks(text: str, query: Query) -> list[tuple[int, int]]:
    """The ``(start, end)`` of the words of ``text`` that match a word of ``query`` (the last one also as a
    prefix when the query says so)."""
    words = set(query.words)
    last = query.groups[-1][-1] if query.prefix and query.groups else None
    found = []
    for start, end in words_of(text):
        word = fold(text[start:end])
        if word in words or (last is not None and word.startswith(last)):
            found.append((start, end))
    return found


def snippet(text: str, query: Query, size: int = SNIPPET_CHARS) -> tuple[str, list[tuple[int, int]]]:
    """A window of at most ``size`` characters of ``text`` around its first match (the start when none),
    cut at white space where it can be, with an ellipsis where text was left out; and the matches in it as
    ``(start, end)`` ranges of the returned string."""
    text = " ".join(text.split())
    found = marks(text, query)
    if len(text) <= size:
        return text, found
    first = found[0][0] if found else 0
    start = max(0, min(first - size // 4, len(text) - size))
    if start > 0:
        space = text.find(" ", start, first)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + size)
    if end < len(text):
        space = text.rfind(" ", start + size // 2, end)
        end = space if space > 0 else end
    lead = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if end < len(text) else ""
    shift = len(lead) - start
    inside = [(a + shift, b + shift) for a, b in found if a >= start and b <= end]
    return lead + text[start:end] + tail, inside
