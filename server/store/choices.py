"""The visitor's choices: account-wide status, sound and the privacy choices findable and requests
(``user_settings``; no row means the defaults) and,
per authorized site, hiding from it and sharing page titles there (``consents.hidden``, ``share_title``)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from . import records, tables
from .base import StoreBase
from .clock import now_ms
from .errors import Invalid, NotFound

us = tables.user_settings
con = tables.consents
sit = tables.sites

STATUSES = ("online", "away", "hidden")  # hidden: appear offline to every friend, on every site
SOUNDS = ("on", "off", "site")  # site: whatever the site owner chose (data-sound)
FINDABLE = ("everyone", "nobody")  # who finds the user by name
REQUESTS = ("everyone", "friends_of_friends", "nobody")  # who may send the user friend requests
DEFAULT_STATUS = "online"
DEFAULT_SOUND = "site"
DEFAULT_FINDABLE = "everyone"
DEFAULT_REQUESTS = "everyone"
ACCOUNT_DEFAULTS = {
    "status": DEFAULT_STATUS, "sound": DEFAULT_SOUND, "findable": DEFAULT_FINDABLE, "requests": DEFAULT_REQUESTS
}
CHUNK = 500


class Choices(StoreBase):
    """Read and change a user's choices; the relay reads them in batches."""

    async def account_settings(self, user_id: int, site_id: int | None = None) -> records.AccountSettings:
        """The user's choices; per-site choices for ``site_id`` only, or for every site they authorized."""
        async with self._read() as conn:
            return await self._settings(conn, user_id, site_id)

    async def _settings(self, conn: AsyncConnection, user_id: int, site_id: int | None) -> records.AccountSettings:
        row = (
            await conn.execute(
                select(us.c.status, us.c.sound, us.c.findable, us.c.requests).where(us.c.user_id == user_id)
            )
        ).first()
        query = (
            select(con.c.site_id, sit.c.client_id, sit.c.name, con.c.hidden, con.c.share_title)
            .join(sit, sit.c.id == con.c.site_id)
            .where(con.c.user_id == user_id)
            .order_by(con.c.site_id)
        )
        if site_id is not None:
            query = query.where(con.c.site_id == site_id)
        sites = tuple(
            records.SiteChoices(r.site_id, r.client_id, r.name, bool(r.hidden), bool(r.share_title))
            for r in await conn.execute(query)
        )
        if row is None:
            return records.AccountSettings(user_id, DEFAULT_STATUS, DEFAULT_SOUND, sites)
        return records.AccountSettings(user_id, row.status, row.sound, sites, row.findable, row.requests)

    async def update_settings(
        self,
        user_id: int,
        *,
        status: str | None = None,
        sound: str | None = None,
        site_id: int | None = None,
        hidden: bool | None = None,
        share_title: bool | None = None,
        findable: str | None = None,
        requests: str | None = None,
    ) -> records.AccountSettings:
        """Change some choices (None: unchanged) in one transaction and return them all (per-site ones for
        ``site_id`` only when given). Invalid for a bad value; NotFound for a per-site choice on a site the
        user has not authorized (or without ``site_id``)."""
        if status is not None and status not in STATUSES:
            raise Invalid("status must be one of " + ", ".join(STATUSES))
        if sound is not None and sound not in SOUNDS:
            raise Invalid("sound must be one of " + ", ".join(SOUNDS))
        if findable is not None and findable not in FINDABLE:
            raise Invalid("findable must be one of " + ", ".join(FINDABLE))
        if requests is not None and requests not in REQUESTS:
            raise Invalid("requests must be one of " + ", ".join(REQUESTS))
        per_site = {k: v for k, v in (("hidden", hidden), ("share_title", share_title)) if v is not None}
        if per_site and site_id is None:
            raise NotFound("per-site choices need a site")
        async with self._write() as conn:
            if per_site:
                result = await conn.execute(
                    update(con).where(con.c.user_id == user_id, con.c.site_id == site_id).values(**per_site)
                )
                if not getattr(result, "rowcount", 0):
                    raise NotFound("you have not authorized this site")
            chosen = (("status", status), ("sound", sound), ("findable", findable), ("requests", requests))
            account = {k: v for k, v in chosen if v is not None}
            if account:
                insert = sqlite_insert if self.is_sqlite else pg_insert
                now = now_ms()
                values = {**ACCOUNT_DEFAULTS, **account}
                statement = insert(us).values(user_id=user_id, updated_at=now, **values)
                await conn.execute(
                    statement.on_conflict_do_update(index_elements=[us.c.user_id], set_={**account, "updated_at": now})
                )
            return await self._settings(conn, user_id, site_id)

    async def presence_choices(self, user_ids: Iterable[int]) -> dict[int, records.PresenceChoices]:
        """For each user: their status, the sites they hide from and the sites where they share titles."""
        wanted = list(set(user_ids))
        status: dict[int, str] = {}
        hidden: dict[int, list[int]] = {uid: [] for uid in wanted}
        titles: dict[int, list[int]] = {uid: [] for uid in wanted}
        async with self._read() as conn:
            for start in range(0, len(wanted), CHUNK):
                chunk = wanted[start : start + CHUNK]
                chosen = await conn.execute(select(us.c.user_id, us.c.status).where(us.c.user_id.in_(chunk)))
                for user_id, value in chosen:
                    status[user_id] = value
                rows = await conn.execute(
                    select(con.c.user_id, con.c.site_id, con.c.hidden, con.c.share_title).where(
                        con.c.user_id.in_(chunk), con.c.hidden.is_(True) | con.c.share_title.is_(True)
                    )
                )
                for user_id, site_id, is_hidden, shares in rows:
                    if is_hidden:
                        hidden[user_id].append(site_id)
                    if shares:
                        titles[user_id].append(site_id)
        return {
            uid: records.PresenceChoices(
                status.get(uid, DEFAULT_STATUS), tuple(sorted(hidden[uid])), tuple(sorted(titles[uid]))
            )
            for uid in wanted
        }
