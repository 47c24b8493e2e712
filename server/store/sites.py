"""Sites: the registered embedding sites (OAuth public clients), by client id, id or owner."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update

from . import records, tables
from .base import StoreBase
from .clock import now_ms
from .rows import site_record

s = tables.sites


def new_client_id() -> str:
    """A fresh public client id."""
    return "site_" + secrets.token_urlsafe(12)


class Sites(StoreBase):
    """Site look-ups and changes (validation of origins, URIs and scopes is the caller's)."""

    async def site_by_client_id(self, client_id: str) -> records.SiteRecord | None:
        """The site registered under ``client_id``, if any."""
        async with self._read() as conn:
            row = (await conn.execute(select(s).where(s.c.client_id == client_id))).mappings().first()
        return site_record(row) if row else None

    async def site_by_id(self, site_id: int) -> records.SiteRecord | None:
        """The site with primary key ``site_id``, if any."""
        async with self._read() as conn:
            row = (await conn.execute(select(s).where(s.c.id == site_id))).mappings().first()
        return site_record(row) if row else None

    async def sites_of_owner(self, owner_id: int) -> list[records.SiteRecord]:
        """The sites a user registered, oldest first."""
        async with self._read() as conn:
            rows = (await conn.execute(select(s).where(s.c.owner_id == owner_id).order_by(s.c.id))).mappings().all()
        return [site_record(row) for row in rows]

    async def create_site(
        self,
        *,
        name: str,
        origins: Sequence[str],
        scopes: str,
        owner_id: int | None,
        redirect_uris: Sequence[str] = (),
        settings: Mapping[str, Any] | None = None,
        client_id: str | None = None,
    ) -> records.SiteRecord:
        """Register a site with already-validated origins, redirect URIs and (canonical) scope text; a new
        client id unless ``client_id`` is given (the demo's fixed ones)."""
        values = {
            "client_id": client_id or new_client_id(),
            "owner_id": owner_id,
            "name": name,
            "origins": list(origins),
            "redirect_uris": list(redirect_uris),
            "scopes": scopes,
            "settings": dict(settings or {}),
            "created_at": now_ms(),
        }
        async with self._write() as conn:
            row = (await conn.execute(insert(s).values(**values).returning(s))).mappings().one()
            if owner_id is not None:
                await conn.execute(insert(tables.site_owners).values(
                    site_id=row["id"], user_id=owner_id, accepted_at=values["created_at"],
                    created_at=values["created_at"]))
        return site_record(row)

    async def update_site(self, site_id: int, **values: Any) -> None:
        """Change a site's columns (origins, redirect_uris, scopes, name, settings)."""
        async with self._write() as conn:
            await conn.execute(update(s).where(s.c.id == site_id).values(**values))

    async def delete_site(self, site_id: int) -> None:
        """Delete a site; its consents, codes and tokens go with it."""
        async with self._write() as conn:
            for table in (tables.oauth_tokens, tables.oauth_codes, tables.consents, tables.site_owners):
                await conn.execute(delete(table).where(table.c.site_id == site_id))
            await conn.execute(delete(s).where(s.c.id == site_id))
