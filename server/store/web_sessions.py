"""Sign-in sessions on Parley's own pages, stored under the hash of their id (the cookie holds the id)."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from . import records, tables
from .base import StoreBase
from .clock import now_ms

ws = tables.web_sessions


async def _purge_expired(conn: AsyncConnection, now: int) -> None:
    await conn.execute(delete(ws).where(ws.c.expires_at <= now))


class WebSessions(StoreBase):
    """Open, find and end web sessions (cookies and CSRF checks are the web layer's)."""

    async def open_web_session(self, id_hash: str, user_id: int, csrf_token: str, ttl_ms: int) -> None:
        """Store a new session for ``ttl_ms`` and drop every expired one, in one transaction."""
        now = now_ms()
        async with self._write() as conn:
            await conn.execute(
                insert(ws).values(
                    id_hash=id_hash, user_id=user_id, csrf_token=csrf_token, created_at=now, expires_at=now + ttl_ms
                )
            )
            await _purge_expired(conn, now)

    async def find_web_session(self, id_hash: str) -> records.WebSession | None:
        """The unexpired session stored under ``id_hash``, if any."""
        query = select(ws.c.user_id, ws.c.csrf_token).where(ws.c.id_hash == id_hash, ws.c.expires_at > now_ms())
        async with self._read() as conn:
            row = (await conn.execute(query)).first()
        return records.WebSession(row.user_id, row.csrf_token) if row is not None else None

    async def end_web_session(self, id_hash: str) -> None:
        """Delete one session."""
        async with self._write() as conn:
            await conn.execute(delete(ws).where(ws.c.id_hash == id_hash))

    async def end_web_sessions_of(self, user_id: int) -> None:
        """Delete every session of a user (signing out everywhere)."""
        async with self._write() as conn:
            await conn.execute(delete(ws).where(ws.c.user_id == user_id))

    async def purge_expired_web_sessions(self) -> None:
        """Delete every expired session (opening a session does it too)."""
        async with self._write() as conn:
            await _purge_expired(conn, now_ms())
