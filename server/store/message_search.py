"""Search the messages of the conversations a user is a member of now (migration 0009's index).

SQLite: the FTS5 table ``message_search`` (rowid = message id), walked newest first; PostgreSQL:
``messages.search_vector @@ to_tsquery('parley_search', ...)``, among the user's newest messages first, then
through its GIN index. Either way the query is
built by ``search_terms`` from quoted words only. Hits come newest first (by message id), ``before`` is the
cursor (a message id) for the next page. Pacing is the caller's (relay and JSON API, ``server/pacing.py``).

``reindex_message`` and ``unindex_message`` keep the SQLite index in step when a stored message's text
changes or is blanked (an edit, a delete that keeps the row); SQLite's trigger already drops a deleted row's
entry. PostgreSQL recomputes its column on every UPDATE of the row and drops it with the row: there they
have nothing to do.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncConnection

from . import records
from .base import StoreBase
from .errors import Invalid
from .search_terms import Query, fts5_match, parse, snippet, tsquery

MAX_QUERY_CHARS = 200
MAX_HITS = 50
COLUMNS = "m.id, m.conversation_id, m.position, m.sender_id, m.kind, m.text, m.data, m.created_at"
SQLITE_SEARCH = sql(
    f"SELECT {COLUMNS} FROM message_search AS s"
    " JOIN messages AS m ON m.id = s.rowid"
    " JOIN members AS mb ON mb.conversation_id = m.conversation_id AND mb.user_id = :user"
    " WHERE message_search MATCH :match AND s.rowid < :before"
    " ORDER BY s.rowid DESC LIMIT :limit"
)
POSTGRES_SEARCH = sql(
    f"SELECT {COLUMNS} FROM messages AS m"
    " JOIN members AS mb ON mb.conversation_id = m.conversation_id AND mb.user_id = :user"
    " WHERE m.search_vector @@ to_tsquery('parley_search', :match) AND m.id < :before"
    " ORDER BY m.id DESC LIMIT :limit"
)
# PostgreSQL, first: the user's newest RECENT_WINDOW messages walked by id (the primary key, backwards), the
# query checked on each. A common word fills a page there in a few milliseconds, where the GIN index would hand
# over every one of its matches to sort. Fewer hits than asked: the GIN query above answers (rarer words).
POSTGRES_RECENT = sql(
    f"SELECT {COLUMNS} FROM (SELECT m.* FROM messages AS m"
    " JOIN members AS mb ON mb.conversation_id = m.conversation_id AND mb.user_id = :user"
    " WHERE m.id < :before ORDER BY m.id DESC LIMIT :window) AS m"
    " WHERE m.search_vector @@ to_tsquery('parley_search', :match)"
    " ORDER BY m.id DESC LIMIT :limit"
)
RECENT_WINDOW = 500
SQLITE_BODY = (
    "CASE kind WHEN 'text' THEN text"
    " ELSE coalesce(text, '') || ' ' || coalesce(json_extract(data, '$.title'), '') END"
)
NO_CURSOR = 2**63 - 1


def check_query(query: object) -> str:
    """``query`` trimmed; Invalid unless it is a string of 1..MAX_QUERY_CHARS characters after trimming."""
    if not isinstance(query, str) or not query.strip() or len(query.strip()) > MAX_QUERY_CHARS:
        raise Invalid(f"a search is 1..{MAX_QUERY_CHARS} characters")
    return query.strip()


def searched_text(kind: str, text: str, data: Any) -> str:
    """What a message is searched by: its text; for a share, its comment and its card's title."""
    if kind == "share" and isinstance(data, dict) and data.get("title"):
        return f"{data['title']} — {text}" if text else str(data["title"])
    return text or ""


def _hit(row: Any, query: Query) -> records.SearchHit:
    data = row.data
    if isinstance(data, str):  # SQLite through text(): the JSON as stored
        data = json.loads(data)
    shown, marks = snippet(searched_text(row.kind, row.text, data), query)
    return records.SearchHit(
        message_id=row.id,
        conversation_id=row.conversation_id,
        position=row.position,
        sender_id=row.sender_id,
        created_at=row.created_at,
        kind=row.kind,
        snippet=shown,
        marks=tuple(marks),
    )


async def reindex_message(conn: AsyncConnection, message_id: int) -> None:
    """Index a stored message's current text again, inside the caller's transaction (call after an edit)."""
    if conn.dialect.name != "sqlite":
        return  # PostgreSQL: the generated column follows the UPDATE
    await conn.execute(sql("DELETE FROM message_search WHERE rowid = :id"), {"id": message_id})
    await conn.execute(
        sql(
            f"INSERT INTO message_search (rowid, body) SELECT id, {SQLITE_BODY} FROM messages"
            " WHERE id = :id AND kind IN ('text', 'share')"
        ),
        {"id": message_id},
    )


async def unindex_message(conn: AsyncConnection, message_id: int) -> None:
    """Drop a message from the index, inside the caller's transaction (call when its text is deleted)."""
    if conn.dialect.name == "sqlite":
        await conn.execute(sql("DELETE FROM message_search WHERE rowid = :id"), {"id": message_id})
    # PostgreSQL indexes the row's text itself: a delete that keeps the row blanks its text (or kind), and
    # the generated column follows that UPDATE.


class MessageSearch(StoreBase):
    """Full-text search of a user's own conversations."""

    async def search_messages(
        self, user_id: int, query: str, limit: int = 20, before: int | None = None
    ) -> records.SearchPage:
        """Messages matching ``query`` in the conversations ``user_id`` is a member of now, newest first,
        at most ``limit`` (1..MAX_HITS), older than the message id ``before``; Invalid for a bad query,
        limit or cursor (nothing is read then)."""
        text = check_query(query)
        if not 1 <= limit <= MAX_HITS:
            raise Invalid(f"limit is 1..{MAX_HITS}")
        if before is not None and not 1 <= before < NO_CURSOR:
            raise Invalid("before is a message id")
        parsed = parse(text)
        if not parsed.groups:
            return records.SearchPage(hits=(), next_before=None)
        statement = SQLITE_SEARCH if self.is_sqlite else POSTGRES_SEARCH
        match = fts5_match(parsed) if self.is_sqlite else tsquery(parsed)
        params = {"user": user_id, "match": match, "before": before or NO_CURSOR, "limit": limit + 1}
        async with self._read() as conn:
            rows: Sequence[Any] = ()
            if not self.is_sqlite:
                rows = (await conn.execute(POSTGRES_RECENT, {**params, "window": RECENT_WINDOW})).all()
            if len(rows) <= limit:  # not a full page among the newest: the index finds every match
                rows = (await conn.execute(statement, params)).all()
        hits = tuple(_hit(row, parsed) for row in rows[:limit])
        return records.SearchPage(hits=hits, next_before=hits[-1].message_id if len(rows) > limit else None)

    async def reindex_message(self, message_id: int) -> None:
        """Index one stored message's current text again (its own transaction)."""
        async with self._write() as conn:
            await reindex_message(conn, message_id)

    async def unindex_message(self, message_id: int) -> None:
        """Drop one message from the search index (its own transaction)."""
        async with self._write() as conn:
            await unindex_message(conn, message_id)
