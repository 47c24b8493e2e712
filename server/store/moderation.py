"""Moderation: visitors' reports, bans from a site's widget, disabled accounts, and the log of every action.

Every query of a site's reports, bans and log is scoped by the site id the caller passes: the console checks
ownership once (``owned_site``) and then cannot reach another site's rows by guessing ids.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from . import records, tables
from .base import StoreBase
from .clock import now_ms
from .errors import Invalid, NotFound
from .rows import user_record

u = tables.users
r = tables.reports
b = tables.site_bans
lg = tables.moderation_log
msg = tables.messages
mem = tables.members
tok = tables.oauth_tokens
ws = tables.web_sessions
MAX_LOG = 200


async def log_action(conn: AsyncConnection, site_id: int | None, actor_id: int | None, action: str,
                     target_id: int | None, detail: str = "") -> None:
    """Append one line to the moderation log (in the caller's transaction)."""
    await conn.execute(insert(lg).values(site_id=site_id, actor_id=actor_id, action=action, target_id=target_id,
                                         detail=detail[:500], created_at=now_ms()))


def _user(row: Any, prefix: str) -> records.User:
    return records.User(id=row[f"{prefix}id"], username=row[f"{prefix}username"],
                        display_name=row[f"{prefix}display_name"], created_at=row[f"{prefix}created_at"],
                        deleted_at=row[f"{prefix}deleted_at"])


class Moderation(StoreBase):
    """Reports, site bans, disabled accounts and the moderation log."""

    async def create_report(self, site_id: int, reporter_id: int, reason: str, *, reported_id: int | None = None,
                            message_id: int | None = None, note: str = "") -> records.ReportRecord:
        """Store a report of a message (one the reporter can read, sent by someone else: its sender is the
        reported person and its text is copied) or of a person. Invalid for a bad reason, a note over 500
        characters or reporting oneself; NotFound for a message the reporter cannot see or an unknown person."""
        if reason not in records.REPORT_REASONS:
            raise Invalid("reason must be one of " + ", ".join(records.REPORT_REASONS))
        note = note.strip()
        if len(note) > records.MAX_REPORT_NOTE:
            raise Invalid(f"note must have at most {records.MAX_REPORT_NOTE} characters")
        async with self._write() as conn:
            conversation_id, text = None, ""
            if message_id is not None:
                row = (await conn.execute(
                    select(msg.c.conversation_id, msg.c.sender_id, msg.c.kind, msg.c.text, msg.c.data)
                    .join(mem, and_(mem.c.conversation_id == msg.c.conversation_id, mem.c.user_id == reporter_id))
                    .where(msg.c.id == message_id)
                )).first()
                if row is None or row.sender_id is None or row.kind == "system":
                    raise NotFound("no such message")
                if reported_id is not None and reported_id != row.sender_id:
                    raise Invalid("the message was sent by someone else")
                reported_id, conversation_id = int(row.sender_id), int(row.conversation_id)
                text = row.text or str((row.data or {}).get("url") or (row.data or {}).get("name") or "")
            if reported_id is None:
                raise Invalid("name a message or a person")
            if reported_id == reporter_id:
                raise Invalid("you cannot report yourself")
            found = (await conn.execute(select(u.c.id).where(u.c.id == reported_id, u.c.deleted_at.is_(None)))).first()
            if found is None:
                raise NotFound("no such user")
            now = now_ms()
            report_id = (await conn.execute(
                insert(r).values(site_id=site_id, reporter_id=reporter_id, reported_id=reported_id,
                                 conversation_id=conversation_id, message_id=message_id, message_text=text,
                                 reason=reason, note=note, created_at=now).returning(r.c.id)
            )).scalar_one()
            await log_action(conn, site_id, reporter_id, "report", reported_id, f"#{report_id} {reason}")
        found_report = await self.site_report(site_id, int(report_id))
        assert found_report is not None
        return found_report

    def _reports_query(self) -> Any:
        rep, red = aliased(u), aliased(u)
        cols: list[Any] = [r]
        for name, table in (("a_", rep), ("b_", red)):
            cols += [table.c.id.label(name + "id"), table.c.username.label(name + "username"),
                     table.c.display_name.label(name + "display_name"), table.c.created_at.label(name + "created_at"),
                     table.c.deleted_at.label(name + "deleted_at")]
        return select(*cols).join(rep, rep.c.id == r.c.reporter_id).join(red, red.c.id == r.c.reported_id)

    @staticmethod
    def _report(row: Any) -> records.ReportRecord:
        return records.ReportRecord(
            id=row["id"], site_id=row["site_id"], reporter=_user(row, "a_"), reported=_user(row, "b_"),
            conversation_id=row["conversation_id"], message_id=row["message_id"], message_text=row["message_text"],
            reason=row["reason"], note=row["note"], created_at=row["created_at"], handled_at=row["handled_at"],
            outcome=row["outcome"])

    async def site_report(self, site_id: int, report_id: int) -> records.ReportRecord | None:
        """One report of the site (None for another site's or an unknown one)."""
        async with self._read() as conn:
            row = (await conn.execute(self._reports_query().where(r.c.id == report_id, r.c.site_id == site_id))
                   ).mappings().first()
        return None if row is None else self._report(row)

    async def open_reports(self, site_id: int, limit: int = 100) -> list[records.ReportRecord]:
        """The site's reports not yet handled, oldest first."""
        query = (self._reports_query().where(r.c.site_id == site_id, r.c.handled_at.is_(None))
                 .order_by(r.c.created_at, r.c.id).limit(limit))
        async with self._read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [self._report(row) for row in rows]

    async def dismiss_report(self, site_id: int, report_id: int, actor_id: int) -> bool:
        """Close an open report of the site without action; False if it is not one (another site's too)."""
        async with self._write() as conn:
            done = await conn.execute(update(r).where(r.c.id == report_id, r.c.site_id == site_id,
                                                      r.c.handled_at.is_(None))
                                      .values(handled_at=now_ms(), handled_by=actor_id, outcome="dismissed"))
            if not done.rowcount:
                return False
            target = (await conn.execute(select(r.c.reported_id).where(r.c.id == report_id))).scalar_one()
            await log_action(conn, site_id, actor_id, "dismiss", int(target), f"#{report_id}")
        return True

    async def ban_from_site(self, site_id: int, user_id: int, actor_id: int, detail: str = "") -> bool:
        """Ban the user from the site's widget and close their open reports there as 'banned'; False if
        already banned. NotFound for an unknown user; Invalid for banning oneself."""
        if user_id == actor_id:
            raise Invalid("you cannot ban yourself")
        async with self._write() as conn:
            if (await conn.execute(select(u.c.id).where(u.c.id == user_id))).first() is None:
                raise NotFound("no such user")
            if (await conn.execute(select(b.c.user_id).where(b.c.site_id == site_id, b.c.user_id == user_id))
                    ).first() is not None:
                return False
            now = now_ms()
            await conn.execute(insert(b).values(site_id=site_id, user_id=user_id, banned_by=actor_id, created_at=now))
            await conn.execute(update(r).where(r.c.site_id == site_id, r.c.reported_id == user_id,
                                               r.c.handled_at.is_(None))
                               .values(handled_at=now, handled_by=actor_id, outcome="banned"))
            await log_action(conn, site_id, actor_id, "ban", user_id, detail)
        return True

    async def lift_ban(self, site_id: int, user_id: int, actor_id: int) -> bool:
        """Lift the user's ban from the site; False if there was none."""
        async with self._write() as conn:
            done = await conn.execute(delete(b).where(b.c.site_id == site_id, b.c.user_id == user_id))
            if not done.rowcount:
                return False
            await log_action(conn, site_id, actor_id, "lift", user_id)
        return True

    async def is_banned(self, site_id: int, user_id: int) -> bool:
        """Whether the user is banned from the site."""
        async with self._read() as conn:
            return (await conn.execute(select(b.c.user_id).where(b.c.site_id == site_id, b.c.user_id == user_id))
                    ).first() is not None

    async def site_bans(self, site_id: int) -> list[records.BanRecord]:
        """The site's bans, newest first."""
        by = aliased(u)
        query = (select(b.c.site_id, b.c.created_at.label("banned_at"), u, by.c.username.label("by_name"))
                 .join(u, u.c.id == b.c.user_id).outerjoin(by, by.c.id == b.c.banned_by)
                 .where(b.c.site_id == site_id).order_by(b.c.created_at.desc()))
        async with self._read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [records.BanRecord(row["site_id"], user_record(row), row["by_name"] or "", row["banned_at"])
                for row in rows]

    async def moderation_log(self, site_id: int | None, limit: int = MAX_LOG) -> list[records.ModerationEntry]:
        """The newest moderation actions of a site (None: the operator's, which have no site), newest first."""
        actor, target = aliased(u), aliased(u)
        where = lg.c.site_id == site_id if site_id is not None else lg.c.site_id.is_(None)
        query = (select(lg, actor.c.username.label("actor_name"), target.c.username.label("target_name"))
                 .outerjoin(actor, actor.c.id == lg.c.actor_id).outerjoin(target, target.c.id == lg.c.target_id)
                 .where(where).order_by(lg.c.created_at.desc(), lg.c.id.desc()).limit(limit))
        async with self._read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [records.ModerationEntry(
            id=row["id"], site_id=row["site_id"], actor=row["actor_name"] or ("operator" if row["actor_id"] is None
                                                                             else "(gone)"),
            action=row["action"], target=row["target_name"] or "", detail=row["detail"], created_at=row["created_at"])
            for row in rows]

    async def disable_user(self, user_id: int) -> bool:
        """Disable an account: every token family revoked, every web session ended, sign-in refused until
        ``enable_user``; logged as the operator's. False if it was already disabled."""
        async with self._write() as conn:
            now = now_ms()
            done = await conn.execute(update(u).where(u.c.id == user_id, u.c.disabled_at.is_(None),
                                                      u.c.deleted_at.is_(None)).values(disabled_at=now))
            if not done.rowcount:
                return False
            await conn.execute(update(tok).where(tok.c.user_id == user_id, tok.c.revoked_at.is_(None))
                               .values(revoked_at=now))
            await conn.execute(delete(ws).where(ws.c.user_id == user_id))
            await log_action(conn, None, None, "disable", user_id)
        return True

    async def enable_user(self, user_id: int) -> bool:
        """Undo ``disable_user`` (the person signs in again); False if the account was not disabled."""
        async with self._write() as conn:
            done = await conn.execute(update(u).where(u.c.id == user_id, u.c.disabled_at.is_not(None))
                                      .values(disabled_at=None))
            if not done.rowcount:
                return False
            await log_action(conn, None, None, "enable", user_id)
        return True

    async def access_refusal(self, user_id: int, site_id: int) -> str | None:
        """Why no token may be issued to the user for the site: 'disabled', 'banned', or None."""
        async with self._read() as conn:
            row = (await conn.execute(select(u.c.disabled_at).where(u.c.id == user_id))).first()
            if row is not None and row.disabled_at is not None:
                return "disabled"
            banned = (await conn.execute(select(b.c.user_id).where(b.c.site_id == site_id, b.c.user_id == user_id))
                      ).first()
        return "banned" if banned is not None else None
