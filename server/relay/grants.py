"""Who is on a socket: the access token from `hello`, checked against the store in one read.

Also the batched re-checks the hub runs for every live socket (revoked or expired tokens, friend lists).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from parley import protocol as P
from sqlalchemy import select

from ..store import Store, tables
from ..store.clock import now_ms
from ..store.secrets import hash_secret

tok = tables.oauth_tokens
usr = tables.users
sit = tables.sites
con = tables.consents
fr = tables.friendships

CHUNK = 500  # ids per IN (...) list in batched queries
NO_FRIENDS: frozenset[int] = frozenset()  # shared: an empty frozenset is no singleton (216 bytes each)


@dataclass(frozen=True, slots=True)
class Grant:
    """A live access token's user, site, scopes and the facts presence needs (friends, hidden sites)."""

    user_id: int
    username: str
    name: str
    site_id: int
    scopes: frozenset[str]
    origins: tuple[str, ...]
    token_hash: str
    hidden_sites: tuple[int, ...]
    friends: frozenset[int]


@functools.lru_cache(maxsize=64)
def scope_set(scope: str) -> frozenset[str]:
    """The scopes of a space-separated scope string; one shared set per distinct string (sockets with the
    same scopes do not each hold a copy)."""
    return frozenset(scope.split())


async def authenticate(store: Store, token: str) -> Grant | int:
    """The token's Grant, or the close code refusing it (4001 unknown/expired, 4010 revoked)."""
    digest = hash_secret(token)
    async with store.engine.connect() as conn:
        row = (
            await conn.execute(
                select(
                    tok.c.user_id,
                    tok.c.site_id,
                    tok.c.scope,
                    tok.c.revoked_at,
                    tok.c.access_expires_at,
                    usr.c.username,
                    usr.c.display_name,
                    usr.c.deleted_at,
                    sit.c.origins,
                )
                .join(usr, usr.c.id == tok.c.user_id)
                .join(sit, sit.c.id == tok.c.site_id)
                .where(tok.c.access_token_hash == digest)
            )
        ).first()
        if row is None or row.deleted_at is not None:
            return int(P.CLOSE_AUTH_FAILED)
        if row.revoked_at is not None:
            return int(P.CLOSE_REVOKED)
        if row.access_expires_at <= now_ms():
            return int(P.CLOSE_AUTH_FAILED)
        hidden = (
            await conn.scalars(select(con.c.site_id).where(con.c.user_id == row.user_id, con.c.hidden.is_(True)))
        ).all()
        friends = (
            await conn.scalars(select(fr.c.other_id).where(fr.c.user_id == row.user_id, fr.c.state == "accepted"))
        ).all()
    return Grant(
        user_id=row.user_id,
        username=row.username,
        name=row.display_name,
        site_id=row.site_id,
        scopes=scope_set(row.scope),
        origins=tuple(row.origins or ()),
        token_hash=digest,
        hidden_sites=tuple(sorted(hidden)),
        friends=frozenset(friends) if friends else NO_FRIENDS,
    )


def _chunks(items: list[int] | list[str]) -> Iterable[list[int] | list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


async def token_verdicts(store: Store, digests: Iterable[str]) -> dict[str, int]:
    """For tokens that may no longer be used: digest -> close code (4010 revoked or gone, 4001 expired)."""
    wanted = list(set(digests))
    found: dict[str, int] = {}
    now = now_ms()
    seen: set[str] = set()
    async with store.engine.connect() as conn:
        for chunk in _chunks(wanted):
            rows = await conn.execute(
                select(tok.c.access_token_hash, tok.c.revoked_at, tok.c.access_expires_at, usr.c.deleted_at)
                .join(usr, usr.c.id == tok.c.user_id)
                .where(tok.c.access_token_hash.in_(chunk))
            )
            for digest, revoked_at, expires_at, deleted_at in rows:
                seen.add(digest)
                if revoked_at is not None or deleted_at is not None:
                    found[digest] = P.CLOSE_REVOKED
                elif expires_at <= now:
                    found[digest] = P.CLOSE_AUTH_FAILED
    for digest in wanted:
        if digest not in seen:
            found[digest] = P.CLOSE_REVOKED
    return found


async def friend_sets(store: Store, user_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """Accepted friends of each user (users without friends map to an empty set)."""
    wanted = list(set(user_ids))
    found: dict[int, set[int]] = {uid: set() for uid in wanted}
    async with store.engine.connect() as conn:
        for chunk in _chunks(wanted):
            rows = await conn.execute(
                select(fr.c.user_id, fr.c.other_id).where(fr.c.user_id.in_(chunk), fr.c.state == "accepted")
            )
            for user_id, other_id in rows:
                found[user_id].add(other_id)
    return {uid: frozenset(ids) for uid, ids in found.items()}


async def hidden_sites(store: Store, user_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """Sites each user hides from (consents.hidden)."""
    wanted = list(set(user_ids))
    found: dict[int, list[int]] = {uid: [] for uid in wanted}
    async with store.engine.connect() as conn:
        for chunk in _chunks(wanted):
            rows = await conn.execute(
                select(con.c.user_id, con.c.site_id).where(con.c.user_id.in_(chunk), con.c.hidden.is_(True))
            )
            for user_id, site_id in rows:
                found[user_id].append(site_id)
    return {uid: tuple(sorted(ids)) for uid, ids in found.items()}
