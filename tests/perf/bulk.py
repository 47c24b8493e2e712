"""Many benchmark accounts at once: users, friendships, one site and access tokens in a few multi-row inserts.

`ParleyTarget.prepare` makes each user through `Store.create_user` (a password hash and a transaction per
user, ~15 ms each here): right for a few hundred sockets, minutes for 20,000. This writes the same rows the
store's methods write (users with one shared password hash, accepted friendships in both directions, an
access token stored hashed as the OAuth server stores it), straight into the tables in one transaction.
Left out: the people-search index (benchmark users are never searched for).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

CHUNK = 500  # rows per multi-row INSERT (SQLite allows 32,766 parameters per statement)
SCOPES = "profile friends messages share"


def pair_edges(user_ids: Sequence[int], created_at: int) -> list[dict[str, Any]]:
    """Friendship rows making users 2k and 2k+1 friends (both directions, accepted); an odd last user has none."""
    rows = []
    for a, b in zip(user_ids[::2], user_ids[1::2], strict=False):
        rows.append({"user_id": a, "other_id": b, "state": "accepted", "created_at": created_at})
        rows.append({"user_id": b, "other_id": a, "state": "accepted", "created_at": created_at})
    return rows


def chunks(rows: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    """`rows` cut into consecutive slices of at most `size`."""
    return [rows[i : i + size] for i in range(0, len(rows), size)]


async def bulk_accounts(store: Any, n: int, *, ttl_ms: int = 3_600_000) -> list[str]:
    """`n` new users, befriended in pairs (0-1, 2-3, ...), each with a live access token on one new site
    (scopes: profile friends messages share); returns the tokens, in user order."""
    from sqlalchemy import insert, select

    from server.store import tables
    from server.store.clock import now_ms
    from server.store.secrets import hash_secret

    now = now_ms()
    tag = secrets.token_hex(3)
    password_hash = await store.passwords.hash("bench-password-1")
    tokens = [secrets.token_urlsafe(24) for _ in range(n)]
    users = tables.users
    async with store.transaction() as conn:
        site_id = (await conn.execute(insert(tables.sites).values(
            client_id=f"bench-{tag}", owner_id=None, name="Bench site", origins=["https://site.example"],
            redirect_uris=["https://site.example/callback"], scopes=SCOPES, settings={}, created_at=now,
        ).returning(tables.sites.c.id))).scalar_one()
        for part in chunks(range(n)):
            await conn.execute(insert(users).values([
                {"username": f"s{tag}{i}", "display_name": f"Scale {i}", "password_hash": password_hash,
                 "created_at": now, "deleted_at": None} for i in part]))
        found = (await conn.execute(
            select(users.c.id, users.c.username).where(users.c.username.like(f"s{tag}%")))).all()
        by_name = {name: uid for uid, name in found}
        ids = [by_name[f"s{tag}{i}"] for i in range(n)]
        for part in chunks(pair_edges(ids, now)):
            await conn.execute(insert(tables.friendships).values(list(part)))
        for part in chunks(range(n)):
            await conn.execute(insert(tables.oauth_tokens).values([
                {"family_id": secrets.token_hex(8), "site_id": site_id, "user_id": ids[i], "scope": SCOPES,
                 "access_token_hash": hash_secret(tokens[i]), "issued_at": now, "access_expires_at": now + ttl_ms}
                for i in part]))
    return tokens
