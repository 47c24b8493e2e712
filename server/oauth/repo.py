"""Async data access for sites, consents, authorization codes and tokens (SQLAlchemy Core).

Works on any object with the store's two entry points: `engine` (reads) and `transaction()` (a write
transaction; on SQLite it begins IMMEDIATE so concurrent writers queue instead of failing).
Single use of codes and refresh tokens is enforced by conditional UPDATEs (`... WHERE used_at IS NULL`),
so two racing requests can never both win, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import CursorResult, RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..store import tables as t
from ..store.clock import now_ms
from .records import CodeRecord, ConsentRecord, SiteRecord, TokenRecord
from .scopes import scope_text


class Database(Protocol):
    """The part of the Store this module needs."""

    engine: AsyncEngine

    def transaction(self) -> AbstractAsyncContextManager[AsyncConnection]: ...


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def _site(row: RowMapping) -> SiteRecord:
    return SiteRecord(
        id=row["id"],
        client_id=row["client_id"],
        owner_id=row["owner_id"],
        name=row["name"],
        origins=tuple(row["origins"] or ()),
        redirect_uris=tuple(row["redirect_uris"] or ()),
        scopes=row["scopes"],
        settings=dict(row["settings"] or {}),
        created_at=row["created_at"],
    )


def _code(row: RowMapping) -> CodeRecord:
    return CodeRecord(**{name: row[name] for name in CodeRecord.__dataclass_fields__})


def _token(row: RowMapping) -> TokenRecord:
    return TokenRecord(**{name: row[name] for name in TokenRecord.__dataclass_fields__})


# --- sites -------------------------------------------------------------------------------------------


def new_client_id() -> str:
    """A fresh public client id."""
    return "site_" + secrets.token_urlsafe(12)


async def site_by_client_id(db: Database, client_id: str) -> SiteRecord | None:
    """The site registered under `client_id`, if any."""
    async with db.engine.connect() as conn:
        row = (await conn.execute(select(t.sites).where(t.sites.c.client_id == client_id))).mappings().first()
    return _site(row) if row else None


async def site_by_id(db: Database, site_id: int) -> SiteRecord | None:
    """The site with primary key `site_id`, if any."""
    async with db.engine.connect() as conn:
        row = (await conn.execute(select(t.sites).where(t.sites.c.id == site_id))).mappings().first()
    return _site(row) if row else None


async def sites_of_owner(db: Database, owner_id: int) -> list[SiteRecord]:
    """The sites a user registered, oldest first."""
    query = select(t.sites).where(t.sites.c.owner_id == owner_id).order_by(t.sites.c.id)
    async with db.engine.connect() as conn:
        rows = (await conn.execute(query)).mappings().all()
    return [_site(row) for row in rows]


async def create_site(
    db: Database,
    *,
    name: str,
    origins: Sequence[str],
    scopes: Sequence[str],
    owner_id: int | None,
    redirect_uris: Sequence[str] = (),
    settings: Mapping[str, Any] | None = None,
) -> SiteRecord:
    """Register a site with already-validated origins, redirect URIs and scopes."""
    values = {
        "client_id": new_client_id(),
        "owner_id": owner_id,
        "name": name,
        "origins": list(origins),
        "redirect_uris": list(redirect_uris),
        "scopes": scope_text(list(scopes)),
        "settings": dict(settings or {}),
        "created_at": now_ms(),
    }
    async with db.transaction() as conn:
        row = (await conn.execute(insert(t.sites).values(**values).returning(t.sites))).mappings().one()
    return _site(row)


async def update_site(db: Database, site_id: int, **values: Any) -> None:
    """Change a site's columns (origins, redirect_uris, scopes, name, settings)."""
    async with db.transaction() as conn:
        await conn.execute(update(t.sites).where(t.sites.c.id == site_id).values(**values))


async def delete_site(db: Database, site_id: int) -> None:
    """Delete a site; its consents, codes and tokens go with it."""
    async with db.transaction() as conn:
        for table in (t.oauth_tokens, t.oauth_codes, t.consents):
            await conn.execute(delete(table).where(table.c.site_id == site_id))
        await conn.execute(delete(t.sites).where(t.sites.c.id == site_id))


# --- consents ----------------------------------------------------------------------------------------


async def consent_for(db: Database, user_id: int, site_id: int) -> ConsentRecord | None:
    """The user's remembered consent for a site, if any."""
    query = select(t.consents).where(t.consents.c.user_id == user_id, t.consents.c.site_id == site_id)
    async with db.engine.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    return ConsentRecord(row["user_id"], row["site_id"], row["scope"], row["created_at"])


async def consenting_users(db: Database, site_id: int) -> list[int]:
    """Ids of the users who authorized a site."""
    query = select(t.consents.c.user_id).where(t.consents.c.site_id == site_id)
    async with db.engine.connect() as conn:
        return [row[0] for row in (await conn.execute(query)).all()]


async def remember_consent(db: Database, user_id: int, site_id: int, scope: str) -> None:
    """Store (or widen) the user's consent for a site."""
    async with db.transaction() as conn:
        where = (t.consents.c.user_id == user_id, t.consents.c.site_id == site_id)
        row = (await conn.execute(select(t.consents.c.scope).where(*where))).first()
        if row is None:
            await conn.execute(
                insert(t.consents).values(user_id=user_id, site_id=site_id, scope=scope, created_at=now_ms())
            )
        else:
            merged = scope_text(row[0].split() + scope.split())
            await conn.execute(update(t.consents).where(*where).values(scope=merged))


async def consents_of_user(db: Database, user_id: int) -> list[ConsentRecord]:
    """Every site the user authorized, with its name and origins, newest first."""
    query = (
        select(t.consents, t.sites.c.name, t.sites.c.origins)
        .join(t.sites, t.sites.c.id == t.consents.c.site_id)
        .where(t.consents.c.user_id == user_id)
        .order_by(t.consents.c.created_at.desc())
    )
    async with db.engine.connect() as conn:
        rows = (await conn.execute(query)).mappings().all()
    return [
        ConsentRecord(
            r["user_id"], r["site_id"], r["scope"], r["created_at"], r["name"], tuple(r["origins"] or ())
        )
        for r in rows
    ]


async def revoke_consent(db: Database, user_id: int, site_id: int) -> bool:
    """Forget the consent and revoke all of this user's tokens for the site; True if there was a consent."""
    now = now_ms()
    async with db.transaction() as conn:
        gone = await conn.execute(
            delete(t.consents).where(t.consents.c.user_id == user_id, t.consents.c.site_id == site_id)
        )
        await conn.execute(
            update(t.oauth_tokens)
            .where(
                t.oauth_tokens.c.user_id == user_id,
                t.oauth_tokens.c.site_id == site_id,
                t.oauth_tokens.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        await conn.execute(
            delete(t.oauth_codes).where(t.oauth_codes.c.user_id == user_id, t.oauth_codes.c.site_id == site_id)
        )
    return _rowcount(gone) > 0


# --- authorization codes -----------------------------------------------------------------------------


async def save_code(db: Database, code: CodeRecord) -> None:
    """Store a freshly issued authorization code (by hash)."""
    values = {name: getattr(code, name) for name in CodeRecord.__dataclass_fields__}
    async with db.transaction() as conn:
        await conn.execute(insert(t.oauth_codes).values(**values))


async def code_by_hash(db: Database, code_hash: str) -> CodeRecord | None:
    """The authorization code stored under `code_hash`, used or not."""
    async with db.engine.connect() as conn:
        query = select(t.oauth_codes).where(t.oauth_codes.c.code_hash == code_hash)
        row = (await conn.execute(query)).mappings().first()
    return _code(row) if row else None


async def redeem_code(db: Database, code_hash: str, family_id: str, token: Mapping[str, Any]) -> bool:
    """Mark the code used and store its first token pair in one transaction; False if already used."""
    now = now_ms()
    async with db.transaction() as conn:
        claimed = await conn.execute(
            update(t.oauth_codes)
            .where(t.oauth_codes.c.code_hash == code_hash, t.oauth_codes.c.used_at.is_(None))
            .values(used_at=now, family_id=family_id)
        )
        if _rowcount(claimed) != 1:
            return False
        await conn.execute(insert(t.oauth_tokens).values(**token))
    return True


# --- tokens ------------------------------------------------------------------------------------------


async def token_by_refresh_hash(db: Database, refresh_hash: str) -> TokenRecord | None:
    """The token pair whose refresh token hashes to `refresh_hash`."""
    query = select(t.oauth_tokens).where(t.oauth_tokens.c.refresh_token_hash == refresh_hash)
    async with db.engine.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    return _token(row) if row else None


async def token_by_access_hash(db: Database, access_hash: str) -> TokenRecord | None:
    """The token pair whose access token hashes to `access_hash`."""
    query = select(t.oauth_tokens).where(t.oauth_tokens.c.access_token_hash == access_hash)
    async with db.engine.connect() as conn:
        row = (await conn.execute(query)).mappings().first()
    return _token(row) if row else None


async def rotate_refresh(db: Database, old_id: int, token: Mapping[str, Any]) -> bool:
    """Mark the old pair's refresh token used and store the new pair; False if it was used or revoked."""
    now = now_ms()
    async with db.transaction() as conn:
        claimed = await conn.execute(
            update(t.oauth_tokens)
            .where(
                t.oauth_tokens.c.id == old_id,
                t.oauth_tokens.c.refresh_used_at.is_(None),
                t.oauth_tokens.c.revoked_at.is_(None),
            )
            .values(refresh_used_at=now)
        )
        if _rowcount(claimed) != 1:
            return False
        await conn.execute(insert(t.oauth_tokens).values(**token))
    return True


async def revoke_family(db: Database, family_id: str) -> set[tuple[int, int]]:
    """Revoke every token of a grant (all rotations of one code); returns the (user id, site id) of the
    tokens that were still live (one pair, or none when the family was already revoked)."""
    async with db.transaction() as conn:
        result = await conn.execute(
            update(t.oauth_tokens)
            .where(t.oauth_tokens.c.family_id == family_id, t.oauth_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now_ms())
            .returning(t.oauth_tokens.c.user_id, t.oauth_tokens.c.site_id)
        )
        return {(int(user_id), int(site_id)) for user_id, site_id in result.all()}
