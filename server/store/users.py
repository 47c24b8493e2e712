"""Accounts: create, authenticate, change password, soft delete, export."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ..passwords import MAX_LENGTH, MIN_LENGTH, UNUSABLE
from . import records, tables
from .base import StoreBase
from .choices import ACCOUNT_DEFAULTS
from .clock import now_ms
from .content import check_chars
from .errors import Invalid, NotFound, UsernameTaken, WrongPassword
from .files import mark_user_files_deleted
from .person_terms import index_person, unindex_person
from .rows import message_record, user_record

USERNAME_RE = re.compile(r"[a-z0-9_.-]{3,32}")
DISPLAY_NAME_MAX = 64
DELETED_DISPLAY_NAME = "Deleted user"

u = tables.users


def normalize_username(username: str) -> str:
    """The canonical (lower-case) username; raises Invalid if it breaks the rules."""
    name = username.strip().lower()
    if not USERNAME_RE.fullmatch(name):
        raise Invalid("a username is 3 to 32 characters: letters, digits, '_', '.' or '-'")
    return name


def check_password_rules(password: str) -> None:
    """Raise Invalid unless the password has an acceptable length."""
    check_chars(password, "password")
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise Invalid(f"a password is {MIN_LENGTH} to {MAX_LENGTH} characters")


def clean_display_name(display_name: str) -> str:
    """The trimmed display name; raises Invalid if empty or too long."""
    name = " ".join(check_chars(display_name, "display name").split())
    if not 1 <= len(name) <= DISPLAY_NAME_MAX:
        raise Invalid(f"a display name is 1 to {DISPLAY_NAME_MAX} characters")
    return name


async def live_user_row(conn: AsyncConnection, user_id: int) -> Any:
    """The row of a user who exists and is not deleted, else raise NotFound."""
    row = (await conn.execute(select(u).where(u.c.id == user_id, u.c.deleted_at.is_(None)))).mappings().first()
    if row is None:
        raise NotFound("no such user")
    return row


def export_message(row: Any) -> dict[str, Any]:
    """One of the user's messages as the export carries it: its current text (edits applied; deleted ones are
    not exported), when it was last edited and what it replies to."""
    record = message_record(row)
    return {
        "id": record.id,
        "conversation_id": record.conversation_id,
        "position": record.position,
        "client_id": record.client_id,
        "kind": record.kind,
        "text": record.text,
        "data": record.data,
        "created_at": record.created_at,
        "edited_at": record.edited_at,
        "reply_to": record.reply_to,
    }


class Users(StoreBase):
    """Account operations."""

    async def create_user(self, username: str, display_name: str, password: str) -> records.User:
        """Create an account; raises Invalid or UsernameTaken."""
        name = normalize_username(username)
        shown = clean_display_name(display_name or name)
        check_password_rules(password)
        password_hash = await self.passwords.hash(password)
        try:
            async with self._write() as conn:
                taken = await conn.scalar(select(u.c.id).where(u.c.username == name))
                if taken is not None:
                    raise UsernameTaken(f"the username {name!r} is taken")
                row = (
                    (
                        await conn.execute(
                            insert(u)
                            .values(
                                username=name,
                                display_name=shown,
                                password_hash=password_hash,
                                created_at=now_ms(),
                                deleted_at=None,
                            )
                            .returning(*u.c)
                        )
                    )
                    .mappings()
                    .one()
                )
                await index_person(conn, row["id"], name, shown)
        except IntegrityError as exc:
            raise UsernameTaken(f"the username {name!r} is taken") from exc
        return user_record(row)

    async def authenticate(self, username: str, password: str) -> records.User | None:
        """The user if the password matches (deleted and disabled accounts never match); rehashes outdated hashes."""
        name = username.strip().lower()
        if not USERNAME_RE.fullmatch(name):
            await self.passwords.verify(None, password)
            return None
        async with self._read() as conn:
            row = (
                (await conn.execute(select(u).where(u.c.username == name, u.c.deleted_at.is_(None),
                                                   u.c.disabled_at.is_(None)))).mappings().first()
            )
        stored = row["password_hash"] if row is not None else None
        if not await self.passwords.verify(stored, password) or row is None:
            return None
        if self.passwords.needs_rehash(row["password_hash"]):
            new_hash = await self.passwords.hash(password)
            async with self._write() as conn:
                await conn.execute(
                    update(u)
                    .where(u.c.id == row["id"], u.c.password_hash == row["password_hash"])
                    .values(password_hash=new_hash)
                )
        return user_record(row)

    async def check_password(self, user_id: int, password: str) -> bool:
        """Whether `password` is the (live) user's password."""
        async with self._read() as conn:
            stored = await conn.scalar(select(u.c.password_hash).where(u.c.id == user_id, u.c.deleted_at.is_(None)))
        return await self.passwords.verify(stored, password)

    async def get_user(self, user_id: int) -> records.User | None:
        """The user with this id (deleted ones too), or None."""
        async with self._read() as conn:
            row = (await conn.execute(select(u).where(u.c.id == user_id))).mappings().first()
        return user_record(row) if row is not None else None

    async def get_user_by_username(self, username: str) -> records.User | None:
        """The live user with this username, or None."""
        if not USERNAME_RE.fullmatch(username.strip().lower()):
            return None
        async with self._read() as conn:
            row = (
                (
                    await conn.execute(
                        select(u).where(u.c.username == username.strip().lower(), u.c.deleted_at.is_(None))
                    )
                )
                .mappings()
                .first()
            )
        return user_record(row) if row is not None else None

    async def change_password(self, user_id: int, old_password: str, new_password: str) -> None:
        """Replace the password after checking the old one; raises WrongPassword or Invalid."""
        check_password_rules(new_password)
        if not await self.check_password(user_id, old_password):
            raise WrongPassword("the current password is wrong")
        new_hash = await self.passwords.hash(new_password)
        async with self._write() as conn:
            await conn.execute(update(u).where(u.c.id == user_id).values(password_hash=new_hash))

    async def delete_user(self, user_id: int, *, password: str | None = None) -> None:
        """Soft-delete an account: unusable password, profile cleared, friendships, sessions and
        memberships removed, tokens revoked, uploaded files gone, what widget frames kept (drafts, unsent
        messages) deleted. The username stays reserved; messages stay, shown as from a deleted user. With
        `password`, it must match first (WrongPassword)."""
        if password is not None and not await self.check_password(user_id, password):
            raise WrongPassword("the password is wrong")
        now = now_ms()
        async with self._write() as conn:
            await live_user_row(conn, user_id)
            await conn.execute(
                update(u)
                .where(u.c.id == user_id)
                .values(deleted_at=now, password_hash=UNUSABLE, display_name=DELETED_DISPLAY_NAME)
            )
            f = tables.friendships
            await conn.execute(delete(f).where(or_(f.c.user_id == user_id, f.c.other_id == user_id)))
            await conn.execute(delete(tables.members).where(tables.members.c.user_id == user_id))
            await conn.execute(delete(tables.web_sessions).where(tables.web_sessions.c.user_id == user_id))
            t = tables.oauth_tokens
            await conn.execute(update(t).where(t.c.user_id == user_id, t.c.revoked_at.is_(None)).values(revoked_at=now))
            await conn.execute(delete(tables.frame_kept).where(tables.frame_kept.c.user_id == user_id))
            await mark_user_files_deleted(conn, user_id, now)  # their uploads go; the sweeper drops the bytes
            await unindex_person(conn, user_id)
            invites = tables.invites
            await conn.execute(update(invites).where(invites.c.inviter_id == user_id).values(revoked_at=now))

    async def export_user(self, user_id: int) -> dict[str, Any]:
        """Everything Parley keeps about the user, as JSON-able data."""
        f, c, m, msg = tables.friendships, tables.conversations, tables.members, tables.messages
        async with self._read() as conn:
            user = user_record(await live_user_row(conn, user_id))
            edges = (
                (
                    await conn.execute(
                        select(f.c.user_id, f.c.other_id, f.c.state, f.c.created_at, u.c.username)
                        .join(u, u.c.id == f.c.other_id)
                        .where(f.c.user_id == user_id)
                    )
                )
                .mappings()
                .all()
            )
            incoming = (
                (
                    await conn.execute(
                        select(f.c.created_at, u.c.username)
                        .join(u, u.c.id == f.c.user_id)
                        .where(f.c.other_id == user_id, f.c.state == "pending")
                    )
                )
                .mappings()
                .all()
            )
            convs = (
                (
                    await conn.execute(
                        select(c.c.id, c.c.kind, c.c.title, c.c.created_at, m.c.joined_at, m.c.read_position)
                        .join(m, m.c.conversation_id == c.c.id)
                        .where(m.c.user_id == user_id)
                        .order_by(c.c.id)
                    )
                )
                .mappings()
                .all()
            )
            mine = (
                (
                    await conn.execute(
                        select(msg)
                        .where(msg.c.sender_id == user_id, msg.c.deleted_at.is_(None))  # deleted: gone
                        .order_by(msg.c.id)
                    )
                ).mappings().all()
            )
            us, inv = tables.user_settings, tables.invites
            choices = select(us.c.status, us.c.sound, us.c.findable, us.c.requests).where(us.c.user_id == user_id)
            chosen = (await conn.execute(choices)).mappings().first()
            invites = (
                await conn.execute(
                    select(inv.c.url, inv.c.created_at, inv.c.expires_at, inv.c.revoked_at)
                    .where(inv.c.inviter_id == user_id)
                    .order_by(inv.c.id)
                )
            ).mappings().all()
            con, site, kept = tables.consents, tables.sites, tables.frame_kept
            authorized = (
                await conn.execute(
                    select(con.c.site_id, site.c.name, con.c.scope, con.c.created_at, con.c.hidden, con.c.share_title)
                    .join(site, site.c.id == con.c.site_id)
                    .where(con.c.user_id == user_id)
                    .order_by(con.c.site_id)
                )
            ).mappings().all()
            visits = (
                await conn.execute(
                    select(kept.c.site_id, kept.c.place, kept.c.outbox, kept.c.updated_at)
                    .where(kept.c.user_id == user_id)
                    .order_by(kept.c.updated_at)
                )
            ).mappings().all()
        by_state: dict[str, list[dict[str, Any]]] = {"accepted": [], "pending": [], "blocked": []}
        for edge in edges:
            by_state[edge["state"]].append({"username": edge["username"], "since": edge["created_at"]})
        return {
            "profile": {
                "id": user.id,
                "username": user.username,
                "display_name": user.display_name,
                "created_at": user.created_at,
            },
            "friends": by_state["accepted"],
            "friend_requests": {
                "outgoing": by_state["pending"],
                "incoming": [{"username": r["username"], "since": r["created_at"]} for r in incoming],
            },
            "blocked": by_state["blocked"],
            "settings": dict(chosen) if chosen is not None else dict(ACCOUNT_DEFAULTS),
            "invites": [dict(row) for row in invites],
            "sites": [dict(row) for row in authorized],
            "kept": [dict(row) for row in visits],
            "conversations": [dict(row) for row in convs],
            "messages": [export_message(row) for row in mine],
        }
