"""Site owners: who may change a site in the console, and invitations by username waiting to be accepted."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select, update

from . import records, tables
from .base import StoreBase
from .clock import now_ms
from .rows import site_record

o = tables.site_owners
s = tables.sites
u = tables.users


class SiteOwners(StoreBase):
    """Ownership of sites (the rows are the only source of truth for the console's access checks)."""

    async def is_site_owner(self, site_id: int, user_id: int) -> bool:
        """Whether the user is an accepted owner of the site."""
        query = select(o.c.user_id).where(o.c.site_id == site_id, o.c.user_id == user_id, o.c.accepted_at.is_not(None))
        async with self._read() as conn:
            return (await conn.execute(query)).first() is not None

    async def add_site_owner(self, site_id: int, user_id: int, *, invited_by: int | None = None,
                             accepted: bool = True) -> bool:
        """Make the user an owner (accepted) or invite them; False if they already own it or are invited."""
        now = now_ms()
        async with self._write() as conn:
            mine = (o.c.site_id == site_id) & (o.c.user_id == user_id)
            exists = (await conn.execute(select(o.c.user_id).where(mine))).first()
            if exists is not None:
                return False
            await conn.execute(insert(o).values(site_id=site_id, user_id=user_id, invited_by=invited_by,
                                                accepted_at=now if accepted else None, created_at=now))
        return True

    async def accept_site_invitation(self, site_id: int, user_id: int) -> bool:
        """Accept a pending invitation; False if there is none."""
        async with self._write() as conn:
            done = await conn.execute(update(o).where(o.c.site_id == site_id, o.c.user_id == user_id,
                                                      o.c.accepted_at.is_(None)).values(accepted_at=now_ms()))
        return bool(done.rowcount)

    async def remove_site_owner(self, site_id: int, user_id: int) -> bool:
        """Remove an owner or an invitation; False if the user is the site's last accepted owner (kept) or
        was neither."""
        async with self._write() as conn:
            mine = (o.c.site_id == site_id) & (o.c.user_id == user_id)
            row = (await conn.execute(select(o.c.accepted_at).where(mine))).first()
            if row is None:
                return False
            if row.accepted_at is not None:
                count = select(func.count()).select_from(o).where(o.c.site_id == site_id, o.c.accepted_at.is_not(None))
                if int((await conn.execute(count)).scalar_one()) <= 1:
                    return False
            await conn.execute(delete(o).where(o.c.site_id == site_id, o.c.user_id == user_id))
        return True

    async def site_owners(self, site_id: int) -> list[records.SiteOwnerRecord]:
        """The site's owners and pending invitations, oldest first."""
        query = (select(o.c.user_id, o.c.accepted_at, u.c.username, u.c.display_name)
                 .join(u, u.c.id == o.c.user_id).where(o.c.site_id == site_id).order_by(o.c.created_at, o.c.user_id))
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [records.SiteOwnerRecord(row.user_id, row.username, row.display_name, row.accepted_at is not None)
                for row in rows]

    async def sites_of_user(self, user_id: int, *, accepted: bool = True) -> list[records.SiteRecord]:
        """The sites the user owns (or, with ``accepted=False``, is invited to own), oldest first."""
        state = o.c.accepted_at.is_not(None) if accepted else o.c.accepted_at.is_(None)
        query = select(s).join(o, o.c.site_id == s.c.id).where(o.c.user_id == user_id, state).order_by(s.c.id)
        async with self._read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [site_record(row) for row in rows]
