"""What the relay reads: an access token with what its socket needs, token states in batches (the periodic
re-check), friend sets, hidden sites and last positions (resume)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from sqlalchemy import String, bindparam, cast, func, select

from . import records, tables
from .base import StoreBase
from .clock import now_ms
from .tokens import token_state

tok = tables.oauth_tokens
usr = tables.users
sit = tables.sites
con = tables.consents
us = tables.user_settings
fr = tables.friendships
c = tables.conversations
m = tables.members
ban = tables.site_bans

CHUNK = 500  # ids per IN (...) list in batched queries
T = TypeVar("T")


def _chunks(items: Sequence[T]) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _ids(joined: str | None) -> list[int]:
    """Ids aggregated as a comma-separated string (None: none)."""
    return [int(part) for part in joined.split(",")] if joined else []


def _aggregated(column: Any, *where: Any) -> Any:
    """A scalar subquery: the column's values as one comma-separated string (NULL when there are none)."""
    return select(func.aggregate_strings(cast(column, String), ",")).where(*where).scalar_subquery()


_here = con.alias("here")  # the consent for the token's own site (title sharing)
_GRANT = (
    select(
        tok.c.user_id, tok.c.site_id, tok.c.scope, tok.c.revoked_at, tok.c.access_expires_at, tok.c.jkt,
        usr.c.username, usr.c.display_name, usr.c.deleted_at, usr.c.disabled_at, sit.c.origins,
        ban.c.user_id.label("banned"), _here.c.share_title, us.c.status, us.c.sound, us.c.findable, us.c.requests,
        _aggregated(con.c.site_id, con.c.user_id == tok.c.user_id, con.c.hidden.is_(True)).label("hidden"),
        _aggregated(fr.c.other_id, fr.c.user_id == tok.c.user_id, fr.c.state == "accepted").label("friends"),
    )
    .join(usr, usr.c.id == tok.c.user_id)
    .join(sit, sit.c.id == tok.c.site_id)
    .outerjoin(ban, (ban.c.site_id == tok.c.site_id) & (ban.c.user_id == tok.c.user_id))
    .outerjoin(_here, (_here.c.user_id == tok.c.user_id) & (_here.c.site_id == tok.c.site_id))
    .outerjoin(us, us.c.user_id == tok.c.user_id)
    .where(tok.c.access_token_hash == bindparam("digest"))
)


class RelayLookups(StoreBase):
    """Batched reads for the relay's sockets."""

    async def access_grant(self, token_hash: str) -> records.AccessGrant | None:
        """The access token stored under ``token_hash`` with its state; while live, with the user's
        accepted friends, hidden sites, chosen status and sound and title sharing on this site too. One
        statement (the friends and hidden sites aggregated in it): a reconnect storm pays one round trip per
        hello, not five. None for an unknown token."""
        async with self._read_one() as conn:
            row = (await conn.execute(_GRANT, {"digest": token_hash})).first()
        if row is None:
            return None
        grant = records.AccessGrant(
            state=token_state(row.revoked_at, row.access_expires_at, row.deleted_at, now_ms(),
                              disabled_at=row.disabled_at, banned=row.banned is not None),
            user_id=row.user_id,
            username=row.username,
            display_name=row.display_name,
            site_id=row.site_id,
            scope=row.scope,
            origins=tuple(row.origins or ()),
            jkt=row.jkt,
        )
        if grant.state != "live":
            return grant
        return replace(
            grant,
            hidden_sites=tuple(sorted(_ids(row.hidden))),
            friends=tuple(_ids(row.friends)),
            status=row.status or "online",
            sound=row.sound or "site",
            findable=row.findable or "everyone",
            requests=row.requests or "everyone",
            share_title=bool(row.share_title),
        )

    async def token_states(self, token_hashes: Iterable[str]) -> dict[str, records.TokenState]:
        """The state of each stored access token among ``token_hashes`` (unknown ones are left out)."""
        wanted = list(set(token_hashes))
        found: dict[str, records.TokenState] = {}
        now = now_ms()
        async with self._read() as conn:
            for chunk in _chunks(wanted):
                rows = await conn.execute(
                    select(tok.c.access_token_hash, tok.c.revoked_at, tok.c.access_expires_at, usr.c.deleted_at,
                           usr.c.disabled_at, ban.c.user_id)
                    .join(usr, usr.c.id == tok.c.user_id)
                    .outerjoin(ban, (ban.c.site_id == tok.c.site_id) & (ban.c.user_id == tok.c.user_id))
                    .where(tok.c.access_token_hash.in_(chunk))
                )
                for digest, revoked_at, expires_at, deleted_at, disabled_at, banned in rows:
                    found[digest] = token_state(revoked_at, expires_at, deleted_at, now, disabled_at=disabled_at,
                                                banned=banned is not None)
        return found

    async def friend_sets(self, user_ids: Iterable[int]) -> dict[int, frozenset[int]]:
        """Accepted friends of each user (users without friends map to an empty set)."""
        wanted = list(set(user_ids))
        found: dict[int, set[int]] = {uid: set() for uid in wanted}
        async with self._read() as conn:
            for chunk in _chunks(wanted):
                rows = await conn.execute(
                    select(fr.c.user_id, fr.c.other_id).where(fr.c.user_id.in_(chunk), fr.c.state == "accepted")
                )
                for user_id, other_id in rows:
                    found[user_id].add(other_id)
        return {uid: frozenset(ids) for uid, ids in found.items()}

    async def hidden_sites(self, user_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
        """Sites each user hides from (consents.hidden), sorted."""
        wanted = list(set(user_ids))
        found: dict[int, list[int]] = {uid: [] for uid in wanted}
        async with self._read() as conn:
            for chunk in _chunks(wanted):
                rows = await conn.execute(
                    select(con.c.user_id, con.c.site_id).where(con.c.user_id.in_(chunk), con.c.hidden.is_(True))
                )
                for user_id, site_id in rows:
                    found[user_id].append(site_id)
        return {uid: tuple(sorted(ids)) for uid, ids in found.items()}

    async def last_positions(self, user_id: int, conversation_ids: Sequence[int]) -> dict[int, int]:
        """Last position of each listed conversation the user is a member of."""
        found: dict[int, int] = {}
        async with self._read() if len(conversation_ids) > CHUNK else self._read_one() as conn:
            for chunk in _chunks(conversation_ids):
                rows = await conn.execute(
                    select(c.c.id, c.c.last_position)
                    .join(m, (m.c.conversation_id == c.c.id) & (m.c.user_id == user_id))
                    .where(c.c.id.in_(chunk))
                )
                for conversation_id, last in rows:
                    found[conversation_id] = int(last)
        return found
