"""Invite links to a page: made by a user, live for 7 days unless revoked or used (once), at most 20 live per
user.

Accepting one makes the two people friends at once (whatever the inviter's ``requests`` choice: the inviter
offered) and opens their direct conversation. The store knows invites by id only: the code given out (the id
and an HMAC of it under the server's secret key, ``server/invite_codes.py``) is never stored.
"""

from __future__ import annotations

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from . import records, tables
from .clock import now_ms
from .conversations import Conversations
from .errors import Forbidden, Invalid, LimitReached, NotFound
from .friends import blocked_between
from .relations import FRIENDS, befriend, live_user, relation
from .rows import user_record

inv = tables.invites
u = tables.users
INVITE_TTL_MS = 7 * 24 * 3600 * 1000
MAX_LIVE_INVITES = 20


def live(now: int):  # type: ignore[no-untyped-def]
    """Invites neither revoked nor expired at ``now``."""
    return (inv.c.revoked_at.is_(None)) & (inv.c.expires_at > now)


async def live_invite(conn: AsyncConnection, invite_id: int, now: int) -> records.InviteRecord:
    """A live invite with its inviter (a live user); NotFound for an unknown, expired or revoked one."""
    row = (
        await conn.execute(
            select(inv, u.c.username, u.c.display_name, u.c.created_at.label("user_created"))
            .join(u, u.c.id == inv.c.inviter_id)
            .where(inv.c.id == invite_id, live(now), u.c.deleted_at.is_(None))
        )
    ).mappings().first()
    if row is None:
        raise NotFound("no such invite (it may have expired or been revoked)")
    inviter = records.User(row["inviter_id"], row["username"], row["display_name"], row["user_created"])
    return records.InviteRecord(
        row["id"], inviter, row["site_id"], row["url"], row["created_at"], row["expires_at"], row["revoked_at"]
    )


class Invites(Conversations):
    """Create, list, revoke, preview and accept invites."""

    async def create_invite(self, user_id: int, url: str, site_id: int | None) -> records.InviteRecord:
        """A new invite to ``url`` (checked by the caller) made on ``site_id``; LimitReached over 20 live."""
        now = now_ms()
        async with self._write() as conn:
            me = await live_user(conn, user_id)
            mine = select(func.count()).select_from(inv).where(inv.c.inviter_id == user_id, live(now))
            count = await conn.scalar(mine)
            if (count or 0) >= MAX_LIVE_INVITES:
                raise LimitReached(f"you have {MAX_LIVE_INVITES} live invites: revoke one first")
            values = {
                "inviter_id": user_id, "site_id": site_id, "url": url, "created_at": now,
                "expires_at": now + INVITE_TTL_MS, "revoked_at": None,
            }
            new_id = (await conn.execute(insert(inv).values(**values).returning(inv.c.id))).scalar_one()
        return records.InviteRecord(new_id, me, site_id, url, now, now + INVITE_TTL_MS)

    async def list_invites(self, user_id: int) -> list[records.InviteRecord]:
        """The user's live invites, newest first."""
        now = now_ms()
        async with self._read() as conn:
            me = user_record((await conn.execute(select(u).where(u.c.id == user_id))).mappings().one())
            rows = await conn.execute(
                select(inv).where(inv.c.inviter_id == user_id, live(now)).order_by(inv.c.id.desc())
            )
            return [
                records.InviteRecord(r.id, me, r.site_id, r.url, r.created_at, r.expires_at) for r in rows
            ]

    async def revoke_invite(self, user_id: int, invite_id: int) -> None:
        """Revoke one of the user's live invites; NotFound if there is no such live invite of theirs."""
        now = now_ms()
        async with self._write() as conn:
            result = await conn.execute(
                update(inv).where(inv.c.id == invite_id, inv.c.inviter_id == user_id, live(now)).values(revoked_at=now)
            )
            if not result.rowcount:
                raise NotFound("no such invite (it may have expired or been revoked)")

    async def invite_preview(self, invite_id: int) -> records.InviteRecord:
        """A live invite (its inviter, page and expiry); NotFound otherwise."""
        async with self._read() as conn:
            return await live_invite(conn, invite_id, now_ms())

    async def accept_invite(self, user_id: int, invite_id: int) -> records.FriendChange:
        """Become friends with the inviter at once and open your direct conversation (the change carries its
        id). NotFound: unknown, expired or revoked; Invalid: your own; Forbidden: a block either way. An
        invite is used once: accepting it ends it (a leaked link cannot befriend a second stranger)."""
        async with self._write() as conn:
            invite = await live_invite(conn, invite_id, now_ms())
            me = await live_user(conn, user_id)
            inviter = invite.inviter
            if inviter.id == user_id:
                raise Invalid("this is your own invite")
            if await blocked_between(conn, user_id, inviter.id):
                raise Forbidden("you cannot accept this invite")
            mine, theirs = await relation(conn, user_id, inviter.id), await relation(conn, inviter.id, user_id)
            if mine != FRIENDS:
                await befriend(conn, user_id, inviter.id)
            await conn.execute(update(inv).where(inv.c.id == invite_id).values(revoked_at=now_ms()))  # used once
        conversation = await self.open_direct(user_id, inviter.id)
        return records.FriendChange(me, inviter, mine, FRIENDS, theirs, FRIENDS, conversation.id)
