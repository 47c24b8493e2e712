"""What the copy-paste widget keeps for the next page of a visit when its frame may not store anything itself.

One row per frame sign-in (OAuth token family): the visitor's place (panel, screen, scroll, drafts) and outbox
(messages not yet acknowledged), as the widget's own texts (parley.place writes and checks them). Read only
while that sign-in is live; deleted when it ends (``Grants.revoke_family``) or the account goes.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from . import records, tables
from .base import StoreBase
from .clock import now_ms

kept = tables.frame_kept
tok = tables.oauth_tokens
KEPT_FIELDS = ("place", "outbox")


class FrameKeptStore(StoreBase):
    """Keep and read back the widget's visit state per frame sign-in."""

    async def keep_for_frame(self, token: records.TokenRecord, values: dict[str, str]) -> None:
        """Replace the kept texts named in ``values`` (``place``, ``outbox``; "" forgets one) for the sign-in
        ``token`` belongs to."""
        chosen = {name: values[name] for name in KEPT_FIELDS if name in values}
        if not chosen:
            return
        now = now_ms()
        row = {"family_id": token.family_id, "user_id": token.user_id, "site_id": token.site_id,
               "place": "", "outbox": "", "updated_at": now, **chosen}
        insert = sqlite_insert if self.is_sqlite else pg_insert
        statement = insert(kept).values(**row)
        async with self._write() as conn:
            await conn.execute(
                statement.on_conflict_do_update(index_elements=[kept.c.family_id], set_={**chosen, "updated_at": now})
            )

    async def kept_for_frame(self, family_id: str, site_id: int | None = None) -> dict[str, str]:
        """The texts kept for a sign-in (empty when nothing is, or the sign-in has ended; with `site_id`, also
        when the sign-in is another site's)."""
        newest = select(tok.c.revoked_at).where(tok.c.family_id == family_id).order_by(tok.c.id.desc()).limit(1)
        async with self._read() as conn:
            state = (await conn.execute(newest)).first()
            if state is None or state.revoked_at is not None:
                return {}
            query = select(kept.c.place, kept.c.outbox).where(kept.c.family_id == family_id)
            if site_id is not None:
                query = query.where(kept.c.site_id == site_id)
            row = (await conn.execute(query)).first()
        if row is None:
            return {}
        return {name: text for name, text in (("place", row.place), ("outbox", row.outbox)) if text}

    async def forget_frame_kept(self, family_id: str) -> None:
        """Drop what a sign-in kept (it ended)."""
        async with self._write() as conn:
            await conn.execute(delete(kept).where(kept.c.family_id == family_id))
