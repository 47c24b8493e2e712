"""Edits, deletions and reactions: changes to messages already delivered, each numbered per conversation.

Every change takes the conversation's next change number (``conversations.last_change``, moved under the
conversation's row lock like ``last_position``) and stamps it on the message (``messages.change_seq``), in one
write transaction with the change itself. So committed change numbers form a prefix 1..n at any moment, and a
client that was away gets, by ``changed_after``, the current state of every message changed after the number
it holds (docs/protocol.md, "Edits, deletions, reactions").

Rules: only the sender edits (text messages, within ``EDIT_WINDOW_MS``) or deletes (any kind but ``system``)
their own message; deleting removes its text, data and reactions from the database for good and leaves a
"message deleted" row. Any member reacts with one of ``REACTIONS`` to a message that is not deleted or a
system message. Someone else's message is ``Forbidden``; a message not in the conversation is ``NotFound``; a
conversation the user is not in is ``NotMember``. A change that changes nothing (deleting a deleted message,
a reaction already there or not there) returns None and takes no number.

``set_message_text`` is the one place where a stored message's text changes or goes (edit, delete): whatever
keeps a copy of message text (a search index) follows it there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from . import records, tables
from .base import StoreBase
from .clock import now_ms
from .content import check_content
from .errors import Forbidden, Invalid, NotFound
from .files import mark_message_files_gone
from .membership import require_member
from .message_search import reindex_message, unindex_message
from .rows import message_record

EDIT_WINDOW_MS = 24 * 3600 * 1000  # a message can be edited for 24 hours after it was sent
REACTIONS = ("👍", "❤️", "😂", "😮", "😢", "🙏")  # the protocol's REACTIONS, in display order
SNIPPET_CHARS = 100  # what a reply quotes of its original
MAX_CHANGES = 200  # changed messages one changed_after call returns

c = tables.conversations
msg = tables.messages
r = tables.reactions
u = tables.users


async def set_message_text(conn: AsyncConnection, message_id: int, text: str | None, at: int, change: int) -> None:
    """Store a message's new text (an edit) or remove its text, data and reactions (``text`` None: deleted
    for everyone), as change number ``change``. Every change of a stored message's text goes through here."""
    if text is None:
        await conn.execute(delete(r).where(r.c.message_id == message_id))
        await mark_message_files_gone(conn, message_id)  # a picture or file goes with its message
        values: dict[str, Any] = {"text": "", "data": None, "deleted_at": at}
    else:
        values = {"text": text, "edited_at": at}
    await conn.execute(update(msg).where(msg.c.id == message_id).values(change_seq=change, **values))
    if text is None:  # search never finds a deleted message, nor an edited one by its old text
        await unindex_message(conn, message_id)
    else:
        await reindex_message(conn, message_id)


async def next_change(conn: AsyncConnection, conversation_id: int) -> int:
    """Take the conversation's next change number (locks its row to the end of the transaction)."""
    return int(
        (
            await conn.execute(
                update(c)
                .where(c.c.id == conversation_id)
                .values(last_change=c.c.last_change + 1)
                .returning(c.c.last_change)
            )
        ).scalar_one()
    )


def _snippet(row: Any) -> records.ReplySnippet:
    deleted = row["deleted_at"] is not None
    text = row["text"] or ""
    if not text and isinstance(row["data"], dict):
        text = str(row["data"].get("title") or row["data"].get("url") or "")
    sender = None if row["sender_deleted_at"] is not None else row["sender_id"]
    return records.ReplySnippet(row["id"], row["position"], sender, "" if deleted else text[:SNIPPET_CHARS], deleted)


async def decorate(
    conn: AsyncConnection, found: Sequence[records.MessageRecord]
) -> tuple[records.MessageRecord, ...]:
    """The messages with their reactions and their replies' snippets (two reads for the whole list)."""
    ids = [m.id for m in found if m.deleted_at is None]
    targets = sorted({m.reply_to for m in found if m.reply_to is not None and m.deleted_at is None})
    if not ids:
        return tuple(found)
    by_message: dict[int, dict[str, list[int]]] = {}
    rows = await conn.execute(
        select(r.c.message_id, r.c.emoji, r.c.user_id)
        .where(r.c.message_id.in_(ids))
        .order_by(r.c.message_id, r.c.created_at, r.c.user_id)
    )
    for message_id, emoji, user_id in rows:
        by_message.setdefault(message_id, {}).setdefault(emoji, []).append(user_id)
    snippets: dict[int, records.ReplySnippet] = {}
    if targets:
        query = select(
            msg.c.id, msg.c.position, msg.c.sender_id, msg.c.text, msg.c.data, msg.c.deleted_at,
            u.c.deleted_at.label("sender_deleted_at"),
        ).outerjoin(u, u.c.id == msg.c.sender_id).where(msg.c.id.in_(targets))
        for row in (await conn.execute(query)).mappings():
            snippets[row["id"]] = _snippet(row)
    out = []
    for m in found:
        counts = by_message.get(m.id) or {}
        reactions = tuple(records.ReactionCount(e, tuple(counts[e])) for e in REACTIONS if e in counts)
        reply = snippets.get(m.reply_to) if m.reply_to is not None else None
        out.append(dataclasses.replace(m, reactions=reactions, reply=reply) if reactions or reply else m)
    return tuple(out)


def _with_sender_state() -> Any:
    return select(msg, u.c.deleted_at.label("sender_deleted_at")).outerjoin(u, u.c.id == msg.c.sender_id)


async def _message(conn: AsyncConnection, conversation_id: int, message_id: int) -> records.MessageRecord:
    row = (await conn.execute(_with_sender_state().where(msg.c.id == message_id))).mappings().first()
    if row is None or row["conversation_id"] != conversation_id:
        raise NotFound("no such message in this conversation")
    return message_record(row, sender_deleted=row["sender_deleted_at"] is not None)


def check_emoji(emoji: str) -> str:
    """One of the fixed reactions, else Invalid."""
    if emoji not in REACTIONS:
        raise Invalid("a reaction is one of " + " ".join(REACTIONS))
    return emoji


class MessageChanges(StoreBase):
    """Edit, delete, react; the messages changed since a change number."""

    async def _target(
        self, conn: AsyncConnection, conversation_id: int, user_id: int, message_id: int
    ) -> records.MessageRecord:
        await require_member(conn, conversation_id, user_id)
        return await _message(conn, conversation_id, message_id)

    async def _changed(self, conn: AsyncConnection, conversation_id: int, message_id: int) -> records.MessageRecord:
        return (await decorate(conn, [await _message(conn, conversation_id, message_id)]))[0]

    async def edit_message(
        self, conversation_id: int, user_id: int, message_id: int, text: str, now: int | None = None
    ) -> records.MessageRecord:
        """Replace the text of the user's own text message (within the edit window); the message now."""
        clean, _ = check_content("text", text, None)
        async with self._write() as conn:
            await next_change_lock(conn, conversation_id)
            found = await self._target(conn, conversation_id, user_id, message_id)
            at = now_ms() if now is None else now
            if found.sender_id != user_id or found.kind == "system":
                raise Forbidden("you can only edit your own messages")
            if found.deleted_at is not None:
                raise NotFound("this message was deleted")
            if found.kind != "text":
                raise Invalid("only text messages can be edited")
            if at - found.created_at > EDIT_WINDOW_MS:
                raise Forbidden("a message can only be edited for 24 hours after it was sent")
            change = await next_change(conn, conversation_id)
            await set_message_text(conn, message_id, clean, at, change)
            return await self._changed(conn, conversation_id, message_id)

    async def delete_message(
        self, conversation_id: int, user_id: int, message_id: int
    ) -> records.MessageRecord | None:
        """Delete the user's own message for everyone (its text, data and reactions are gone for good); the
        message now, or None when it was already deleted."""
        async with self._write() as conn:
            await next_change_lock(conn, conversation_id)
            found = await self._target(conn, conversation_id, user_id, message_id)
            if found.sender_id != user_id or found.kind == "system":
                raise Forbidden("you can only delete your own messages")
            if found.deleted_at is not None:
                return None
            change = await next_change(conn, conversation_id)
            await set_message_text(conn, message_id, None, now_ms(), change)
            return await self._changed(conn, conversation_id, message_id)

    async def react(
        self, conversation_id: int, user_id: int, message_id: int, emoji: str, on: bool = True
    ) -> records.MessageRecord | None:
        """Add (``on``) or take back the user's reaction; the message now, or None when nothing changed."""
        check_emoji(emoji)
        async with self._write() as conn:
            await next_change_lock(conn, conversation_id)
            found = await self._target(conn, conversation_id, user_id, message_id)
            if found.deleted_at is not None or found.kind == "system":
                raise NotFound("this message takes no reactions")
            mine = r.c.message_id == message_id, r.c.user_id == user_id, r.c.emoji == emoji
            had = await conn.scalar(select(r.c.user_id).where(*mine))
            if (had is not None) == on:
                return None
            if on:
                await conn.execute(
                    insert(r).values(message_id=message_id, user_id=user_id, emoji=emoji, created_at=now_ms())
                )
            else:
                await conn.execute(delete(r).where(*mine))
            change = await next_change(conn, conversation_id)
            await conn.execute(update(msg).where(msg.c.id == message_id).values(change_seq=change))
            return await self._changed(conn, conversation_id, message_id)

    async def message_now(self, conversation_id: int, user_id: int, message_id: int) -> records.MessageRecord:
        """One message of a conversation the user is in, as it is now (NotMember, NotFound)."""
        async with self._read() as conn:
            await require_member(conn, conversation_id, user_id)
            return await self._changed(conn, conversation_id, message_id)

    async def with_reply(self, message: records.MessageRecord) -> records.MessageRecord:
        """A message with the snippet of the message it replies to (and its reactions), as history has it."""
        async with self._read() as conn:
            return (await decorate(conn, [message]))[0]

    async def check_reply_target(self, conversation_id: int, user_id: int, message_id: int) -> None:
        """A reply's target must be a message of the same conversation (NotFound otherwise; NotMember for a
        conversation the user is not in)."""
        async with self._read() as conn:
            await require_member(conn, conversation_id, user_id)
            found = await conn.scalar(select(msg.c.conversation_id).where(msg.c.id == message_id))
        if found != conversation_id:
            raise NotFound("no such message to reply to in this conversation")

    async def changed_after(
        self, conversation_id: int, user_id: int, after: int, limit: int = MAX_CHANGES
    ) -> tuple[records.MessageRecord, ...]:
        """The messages whose latest change is numbered above ``after``, in change order (their current
        state); at most ``limit``."""
        async with self._read() as conn:
            await require_member(conn, conversation_id, user_id)
            query = (
                _with_sender_state()
                .where(msg.c.conversation_id == conversation_id, msg.c.change_seq > after)
                .order_by(msg.c.change_seq)
                .limit(limit)
            )
            rows = (await conn.execute(query)).mappings().all()
            found = [message_record(row, sender_deleted=row["sender_deleted_at"] is not None) for row in rows]
            return await decorate(conn, found)

    async def last_changes(self, user_id: int, conversation_ids: Sequence[int]) -> dict[int, int]:
        """The change number of each listed conversation the user is a member of."""
        m = tables.members
        async with self._read() as conn:
            rows = await conn.execute(
                select(c.c.id, c.c.last_change)
                .join(m, (m.c.conversation_id == c.c.id) & (m.c.user_id == user_id))
                .where(c.c.id.in_(list(conversation_ids)))
            )
            return {int(cid): int(last) for cid, last in rows}


async def next_change_lock(conn: AsyncConnection, conversation_id: int) -> None:
    """Lock the conversation's row before reading the message (PostgreSQL), so changes to one conversation
    run one at a time and each reads the state the previous one left; SQLite's write lock already does."""
    if conn.dialect.name != "sqlite":
        await conn.execute(select(c.c.id).where(c.c.id == conversation_id).with_for_update())
