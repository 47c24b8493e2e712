"""OAuth grants: consents, authorization codes and access/refresh token pairs (all secrets stored hashed).

Single use of codes and refresh tokens is enforced by conditional UPDATEs (``... WHERE used_at IS NULL``),
so two racing requests can never both win, on SQLite or PostgreSQL. The OAuth rules themselves (what a
scope allows, when a code or refresh token may be redeemed) live in ``server/oauth/``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import CursorResult

from . import records, tables
from .base import StoreBase
from .clock import now_ms
from .rows import code_record, token_record

con = tables.consents
codes = tables.oauth_codes
tok = tables.oauth_tokens
sites = tables.sites


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


class Grants(StoreBase):
    """Consents, codes and token pairs."""

    # --- consents ---

    async def consent_for(self, user_id: int, site_id: int) -> records.ConsentRecord | None:
        """The user's remembered consent for a site, if any."""
        async with self._read() as conn:
            row = (
                (await conn.execute(select(con).where(con.c.user_id == user_id, con.c.site_id == site_id)))
                .mappings()
                .first()
            )
        if row is None:
            return None
        return records.ConsentRecord(row["user_id"], row["site_id"], row["scope"], row["created_at"])

    async def consenting_users(self, site_id: int) -> list[int]:
        """Ids of the users who authorized a site."""
        async with self._read() as conn:
            return [row[0] for row in (await conn.execute(select(con.c.user_id).where(con.c.site_id == site_id))).all()]

    async def remember_consent(
        self, user_id: int, site_id: int, scope: str, *, merge: Callable[[str, str], str]
    ) -> None:
        """Store the user's consent for a site, or widen a remembered one to ``merge(old, scope)``."""
        async with self._write() as conn:
            where = (con.c.user_id == user_id, con.c.site_id == site_id)
            row = (await conn.execute(select(con.c.scope).where(*where))).first()
            if row is None:
                await conn.execute(
                    insert(con).values(user_id=user_id, site_id=site_id, scope=scope, created_at=now_ms())
                )
            else:
                await conn.execute(update(con).where(*where).values(scope=merge(row[0], scope)))

    async def consents_of_user(self, user_id: int) -> list[records.ConsentRecord]:
        """Every site the user authorized, with its name and origins, newest first."""
        query = (
            select(con, sites.c.name, sites.c.origins)
            .join(sites, sites.c.id == con.c.site_id)
            .where(con.c.user_id == user_id)
            .order_by(con.c.created_at.desc())
        )
        async with self._read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            records.ConsentRecord(
                r["user_id"], r["site_id"], r["scope"], r["created_at"], r["name"], tuple(r["origins"] or ())
            )
            for r in rows
        ]

    async def revoke_consent(self, user_id: int, site_id: int) -> bool:
        """Forget the consent, revoke all of this user's tokens for the site and what its frames kept; True if
        there was a consent."""
        now = now_ms()
        async with self._write() as conn:
            gone = await conn.execute(delete(con).where(con.c.user_id == user_id, con.c.site_id == site_id))
            await conn.execute(
                update(tok)
                .where(tok.c.user_id == user_id, tok.c.site_id == site_id, tok.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            await conn.execute(delete(codes).where(codes.c.user_id == user_id, codes.c.site_id == site_id))
            fk = tables.frame_kept
            await conn.execute(delete(fk).where(fk.c.user_id == user_id, fk.c.site_id == site_id))
        return _rowcount(gone) > 0

    # --- authorization codes ---

    async def save_code(self, code: records.CodeRecord) -> None:
        """Store a freshly issued authorization code (by hash)."""
        values = {name: getattr(code, name) for name in records.CodeRecord.__dataclass_fields__}
        async with self._write() as conn:
            await conn.execute(insert(codes).values(**values))

    async def code_by_hash(self, code_hash: str) -> records.CodeRecord | None:
        """The authorization code stored under ``code_hash``, used or not."""
        async with self._read() as conn:
            row = (await conn.execute(select(codes).where(codes.c.code_hash == code_hash))).mappings().first()
        return code_record(row) if row else None

    async def redeem_code(self, code_hash: str, family_id: str, token: Mapping[str, Any]) -> bool:
        """Mark the code used and store its first token pair in one transaction; False if already used."""
        now = now_ms()
        async with self._write() as conn:
            claimed = await conn.execute(
                update(codes)
                .where(codes.c.code_hash == code_hash, codes.c.used_at.is_(None))
                .values(used_at=now, family_id=family_id)
            )
            if _rowcount(claimed) != 1:
                return False
            await conn.execute(insert(tok).values(**token))
        return True

    # --- token pairs ---

    async def token_by_refresh_hash(self, refresh_hash: str) -> records.TokenRecord | None:
        """The token pair whose refresh token hashes to ``refresh_hash``."""
        async with self._read() as conn:
            row = (await conn.execute(select(tok).where(tok.c.refresh_token_hash == refresh_hash))).mappings().first()
        return token_record(row) if row else None

    async def token_by_access_hash(self, access_hash: str) -> records.TokenRecord | None:
        """The token pair whose access token hashes to ``access_hash``."""
        async with self._read() as conn:
            row = (await conn.execute(select(tok).where(tok.c.access_token_hash == access_hash))).mappings().first()
        return token_record(row) if row else None

    async def rotate_refresh(self, old_id: int, token: Mapping[str, Any]) -> bool:
        """Mark the old pair's refresh token used and store the new pair; False if it was used or revoked."""
        now = now_ms()
        async with self._write() as conn:
            claimed = await conn.execute(
                update(tok)
                .where(tok.c.id == old_id, tok.c.refresh_used_at.is_(None), tok.c.revoked_at.is_(None))
                .values(refresh_used_at=now)
            )
            if _rowcount(claimed) != 1:
                return False
            await conn.execute(insert(tok).values(**token))
        return True

    async def family_is_live(self, family_id: str) -> bool:
        """Whether the newest token pair of a grant (a rotation family) is not revoked."""
        query = select(tok.c.revoked_at).where(tok.c.family_id == family_id).order_by(tok.c.id.desc()).limit(1)
        async with self._read() as conn:
            newest = (await conn.execute(query)).first()
        return newest is not None and newest.revoked_at is None

    async def add_access_token(
        self, token: records.TokenRecord, access_hash: str, issued_at: int, expires_at: int, jkt: str | None = None
    ) -> None:
        """One more access token (no refresh token) of ``token``'s family, site, user and scope, bound to the
        DPoP key ``jkt`` when given."""
        async with self._write() as conn:
            await conn.execute(
                insert(tok).values(
                    family_id=token.family_id, site_id=token.site_id, user_id=token.user_id, scope=token.scope,
                    access_token_hash=access_hash, refresh_token_hash=None, issued_at=issued_at,
                    access_expires_at=expires_at, refresh_expires_at=None, jkt=jkt,
                )
            )

    async def revoke_family(self, family_id: str) -> set[tuple[int, int]]:
        """Revoke every token of a grant (all rotations of one code) and forget what its frame kept; returns the
        (user id, site id) of the tokens that were still live (one pair, or none when already revoked)."""
        async with self._write() as conn:
            result = await conn.execute(
                update(tok)
                .where(tok.c.family_id == family_id, tok.c.revoked_at.is_(None))
                .values(revoked_at=now_ms())
                .returning(tok.c.user_id, tok.c.site_id)
            )
            ended = {(int(user_id), int(site_id)) for user_id, site_id in result.all()}
            await conn.execute(delete(tables.frame_kept).where(tables.frame_kept.c.family_id == family_id))
            return ended
