"""Find people by the start of their username or of a word of their display name (``person_terms``).

Only people whose ``findable`` choice is ``everyone`` are listed, never the finder nor anyone blocked either
way, at most ``limit``, the closest first: the exact username, then usernames starting with the query, then
display-name words; ties by username. Every word of a query of several words must start some term of the
person. Pacing is the caller's (the relay and the JSON API limit queries per user).
"""

from __future__ import annotations

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from . import records, tables
from .base import StoreBase
from .person_terms import USERNAME_TERM, normalize_term
from .relations import relation
from .rows import user_record

pt = tables.person_terms
u = tables.users
f = tables.friendships
us = tables.user_settings
MAX_RESULTS = 10
MAX_WORDS = 4


def prefix_range(prefix: str):  # type: ignore[no-untyped-def]
    """Terms starting with ``prefix``, as a range the primary key's index serves (code-point order)."""
    return and_(pt.c.term >= prefix, pt.c.term < prefix + "\U0010ffff")


def query_words(query: str) -> list[str]:
    """The distinct normalized words of a query (a leading @ dropped), at most MAX_WORDS."""
    words = dict.fromkeys(normalize_term(word) for word in query.strip().lstrip("@").split())
    return [word for word in words if word][:MAX_WORDS]


class PeopleSearch(StoreBase):
    """Find people (the relay's ``find`` frame, the JSON API's ``GET /people``)."""

    async def find_people(self, viewer: int, query: str, limit: int = MAX_RESULTS) -> list[records.FoundPerson]:
        """People matching ``query`` (see the module), each with the viewer's view of the relation."""
        words = query_words(query)
        if not words:
            return []
        first, rest = words[0], words[1:]
        exact = first if not rest else None
        rank = func.min(
            case(
                (and_(pt.c.kind == USERNAME_TERM, pt.c.term == exact), 0),
                (pt.c.kind == USERNAME_TERM, 1),
                else_=2,
            )
        ).label("rank")
        blocked = exists().where(
            f.c.state == "blocked",
            or_(
                and_(f.c.user_id == viewer, f.c.other_id == u.c.id),
                and_(f.c.user_id == u.c.id, f.c.other_id == viewer),
            ),
        )
        hidden = exists().where(us.c.user_id == u.c.id, us.c.findable != "everyone")
        conditions = [prefix_range(first), u.c.deleted_at.is_(None), u.c.id != viewer, ~blocked, ~hidden]
        for word in rest:
            other = pt.alias()
            conditions.append(
                exists().where(other.c.user_id == u.c.id, other.c.term >= word, other.c.term < word + "\U0010ffff")
            )
        statement = (
            select(u.c.id, rank)
            .join(pt, pt.c.user_id == u.c.id)
            .where(*conditions)
            .group_by(u.c.id, u.c.username)
            .order_by(rank, u.c.username)
            .limit(max(0, min(limit, MAX_RESULTS)))
        )
        async with self._read() as conn:
            ids = [row.id for row in await conn.execute(statement)]
            return await self._found(conn, viewer, ids)

    async def _found(self, conn: AsyncConnection, viewer: int, ids: list[int]) -> list[records.FoundPerson]:
        if not ids:
            return []
        rows = {row["id"]: row for row in (await conn.execute(select(u).where(u.c.id.in_(ids)))).mappings()}
        return [records.FoundPerson(user_record(rows[i]), await relation(conn, viewer, i)) for i in ids]
