"""The find index: each live user's lower-cased username (kind ``u``) and display-name words (kind ``n``) in
``person_terms``, kept current when a user is created, renamed or deleted; find matches their starts."""

from __future__ import annotations

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from . import tables

pt = tables.person_terms
MAX_TERM_CHARS = 64
USERNAME_TERM, NAME_TERM = "u", "n"


def normalize_term(text: str) -> str:
    """How a term and a query word compare: lower-cased (case-folded), at most 64 characters."""
    return text.casefold()[:MAX_TERM_CHARS]


def terms_of(username: str, display_name: str) -> list[tuple[str, str]]:
    """(term, kind) rows of one user: the username, then each distinct word of the display name."""
    rows = [(normalize_term(username), USERNAME_TERM)]
    words = dict.fromkeys(normalize_term(word) for word in display_name.split())
    rows.extend((word, NAME_TERM) for word in words if word)
    return rows


async def index_person(conn: AsyncConnection, user_id: int, username: str, display_name: str) -> None:
    """(Re)write the user's terms."""
    await conn.execute(delete(pt).where(pt.c.user_id == user_id))
    rows = [{"term": term, "user_id": user_id, "kind": kind} for term, kind in terms_of(username, display_name)]
    await conn.execute(insert(pt), rows)


async def unindex_person(conn: AsyncConnection, user_id: int) -> None:
    """Drop the user's terms (a deleted account is never found)."""
    await conn.execute(delete(pt).where(pt.c.user_id == user_id))
