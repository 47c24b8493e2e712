"""Files: the records of uploaded pictures and files, each belonging to one conversation.

A file is recorded after its bytes are checked and stored (server/files), attached to the ``file`` message that
carries it (by that message's client id, so a resend attaches again and a send that never got stored leaves it
unattached), fetched only by current members of its conversation, and marked gone when its message or its
owner's account is deleted. ``files_to_sweep`` names what the sweeper removes (blobs first, then the rows).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, exists, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from . import records, tables
from .base import StoreBase
from .clock import now_ms
from .errors import Conflict, NotFound
from .membership import require_member

f = tables.files
m = tables.members
msg = tables.messages

ATTACH_WINDOW_MS = 60 * 60 * 1000  # an upload no message refers to is swept after an hour
STORED_WINDOW_MS = 24 * 60 * 60 * 1000  # attached but its message never stored (an outbox gave up): a day


def file_record(row: Any) -> records.FileRecord:
    """A FileRecord from a files row."""
    return records.FileRecord(
        id=row.id, owner_id=row.owner_id, conversation_id=row.conversation_id, name=row.name, size=row.size,
        mime=row.mime, kind=row.kind, sha256=row.sha256, blob_key=row.blob_key, width=row.width,
        height=row.height, thumb_width=row.thumb_width, thumb_height=row.thumb_height,
        attached_cid=row.attached_cid, created_at=row.created_at,
    )


async def mark_user_files_deleted(conn: AsyncConnection, user_id: int, now: int) -> None:
    """Inside an account deletion: every file the user uploaded is gone (the sweeper removes the bytes)."""
    await conn.execute(update(f).where(f.c.owner_id == user_id, f.c.deleted_at.is_(None)).values(deleted_at=now))


def _live(file_id: int) -> Any:
    return select(f).where(f.c.id == file_id, f.c.deleted_at.is_(None))



async def mark_message_files_gone(conn: AsyncConnection, message_id: int) -> int:
    """Mark gone, in the caller's transaction, the files a message carries: no one can fetch them from then on
    and the sweeper removes their bytes. Returns how many."""
    which = select(msg.c.conversation_id, msg.c.sender_id, msg.c.client_id).where(msg.c.id == message_id)
    found = (await conn.execute(which)).one_or_none()
    if found is None or found.sender_id is None:
        return 0
    result = await conn.execute(
        update(f)
        .where(
            f.c.conversation_id == found.conversation_id,
            f.c.owner_id == found.sender_id,
            f.c.attached_cid == found.client_id,
            f.c.deleted_at.is_(None),
        )
        .values(deleted_at=now_ms())
    )
    return int(result.rowcount or 0)

class Files(StoreBase):
    """Record, attach, fetch, delete and sweep uploaded files."""

    async def require_member(self, conversation_id: int, user_id: int) -> None:
        """Raise NotMember unless the user is a current member of the conversation."""
        async with self._read() as conn:
            await require_member(conn, conversation_id, user_id)

    async def add_file(self, owner_id: int, conversation_id: int, new: records.NewFile) -> records.FileRecord:
        """Record a checked upload of a member (NotMember otherwise: they may have left meanwhile)."""
        async with self._write() as conn:
            await require_member(conn, conversation_id, owner_id)
            values = {
                "owner_id": owner_id, "conversation_id": conversation_id, "name": new.name, "size": new.size,
                "mime": new.mime, "kind": new.kind, "sha256": new.sha256, "blob_key": new.blob_key,
                "width": new.width, "height": new.height, "thumb_width": new.thumb_width,
                "thumb_height": new.thumb_height, "created_at": now_ms(),
            }
            file_id = (await conn.execute(insert(f).values(**values).returning(f.c.id))).scalar_one()
            row = (await conn.execute(select(f).where(f.c.id == file_id))).one()
        return file_record(row)

    async def attach_file(
        self, file_id: int, owner_id: int, conversation_id: int, client_id: str
    ) -> records.FileRecord:
        """Attach the sender's own upload to the ``file`` message with ``client_id`` in its conversation.
        Raises NotFound (no such live upload of theirs in that conversation) or Conflict (already sent as
        another message). A resend with the same client id attaches again."""
        async with self._write() as conn:
            row = (await conn.execute(_live(file_id))).one_or_none()
            if row is None or row.owner_id != owner_id or row.conversation_id != conversation_id:
                raise NotFound("no such upload of yours in this conversation")
            if row.attached_cid is not None and row.attached_cid != client_id:
                raise Conflict("this upload was already sent in another message")
            if row.attached_cid is None:
                await conn.execute(update(f).where(f.c.id == file_id).values(attached_cid=client_id))
                row = (await conn.execute(select(f).where(f.c.id == file_id))).one()
        return file_record(row)

    async def file_for_member(self, file_id: int, user_id: int) -> records.FileRecord:
        """A live file whose conversation the user is a current member of; NotFound otherwise (the same
        answer whether it never existed, is gone, or belongs to someone else's conversation)."""
        query = _live(file_id).where(
            exists().where(m.c.conversation_id == f.c.conversation_id, m.c.user_id == user_id)
        )
        async with self._read() as conn:
            row = (await conn.execute(query)).one_or_none()
        if row is None:
            raise NotFound("no such file")
        return file_record(row)

    async def delete_message_files(self, message_id: int) -> int:
        """Mark gone the files the message carries (none unless it is a ``file`` message); at once no one can
        fetch them, and the sweeper removes their bytes. Returns how many (a message delete does this in its own
        transaction: ``mark_message_files_gone``)."""
        async with self._write() as conn:
            return await mark_message_files_gone(conn, message_id)

    async def files_to_sweep(self, now: int | None = None, limit: int = 500) -> list[tuple[int, str]]:
        """(id, blob key) of files to remove: gone ones, uploads no message took within ATTACH_WINDOW_MS, and
        attached ones whose message was never stored within STORED_WINDOW_MS."""
        now = now_ms() if now is None else now
        stored = exists().where(
            msg.c.conversation_id == f.c.conversation_id,
            msg.c.sender_id == f.c.owner_id,
            msg.c.client_id == f.c.attached_cid,
        )
        query = (
            select(f.c.id, f.c.blob_key)
            .where(
                or_(
                    f.c.deleted_at.is_not(None),
                    and_(f.c.attached_cid.is_(None), f.c.created_at < now - ATTACH_WINDOW_MS),
                    and_(f.c.attached_cid.is_not(None), f.c.created_at < now - STORED_WINDOW_MS, ~stored),
                )
            )
            .order_by(f.c.id)
            .limit(limit)
        )
        async with self._read() as conn:
            return [(row.id, row.blob_key) for row in await conn.execute(query)]

    async def forget_files(self, file_ids: list[int]) -> None:
        """Delete the rows of swept files (after their blobs)."""
        if file_ids:
            async with self._write() as conn:
                await conn.execute(delete(f).where(f.c.id.in_(file_ids)))
