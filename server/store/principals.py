"""Who is calling: validation of OAuth access tokens and web session ids (both stored hashed)."""

from __future__ import annotations

from sqlalchemy import select

from . import records, tables
from .base import StoreBase
from .clock import now_ms
from .secrets import hash_secret
from .tokens import token_state

t = tables.oauth_tokens
s = tables.web_sessions
u = tables.users
b = tables.site_bans


class Principals(StoreBase):
    """Token and session lookups (issuing them is the OAuth and account pages' business)."""

    async def principal_for_access_token(self, token: str) -> records.Principal | None:
        """The principal of a live (not revoked, not expired) access token of a live user, else None."""
        if not token:
            return None
        async with self._read() as conn:
            row = (
                await conn.execute(
                    select(t.c.user_id, t.c.site_id, t.c.scope, t.c.revoked_at, t.c.access_expires_at, u.c.deleted_at,
                           t.c.jkt, u.c.disabled_at, b.c.user_id.label("banned"))
                    .join(u, u.c.id == t.c.user_id)
                    .outerjoin(b, (b.c.site_id == t.c.site_id) & (b.c.user_id == t.c.user_id))
                    .where(t.c.access_token_hash == hash_secret(token))
                )
            ).first()
        if row is None or token_state(row.revoked_at, row.access_expires_at, row.deleted_at, now_ms(),
                                      disabled_at=row.disabled_at, banned=row.banned is not None) != "live":
            return None
        return records.Principal(user_id=row.user_id, site_id=row.site_id, scopes=frozenset(row.scope.split()),
                                 jkt=row.jkt)

    async def principal_for_session(self, session_id: str) -> records.Principal | None:
        """The principal of a live web session (all scopes, with its CSRF token), else None."""
        if not session_id:
            return None
        async with self._read() as conn:
            row = (
                await conn.execute(
                    select(s.c.user_id, s.c.csrf_token)
                    .join(u, u.c.id == s.c.user_id)
                    .where(
                        s.c.id_hash == hash_secret(session_id),
                        s.c.expires_at > now_ms(),
                        u.c.deleted_at.is_(None),
                    )
                )
            ).first()
        if row is None:
            return None
        return records.Principal(
            user_id=row.user_id,
            site_id=None,
            scopes=records.ALL_SCOPES,
            csrf_token=row.csrf_token,
            session=True,
        )
