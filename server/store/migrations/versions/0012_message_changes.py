"""Edits, deletions, reactions and replies: messages.edited_at, deleted_at and change_seq,
conversations.last_change, the reactions table

Every edit, deletion or reaction takes the conversation's next change number (``conversations.last_change``)
and stamps it on the message (``messages.change_seq``), in the change's own transaction, so a client that was
away asks for the messages changed after the number it holds (docs/protocol.md, "Edits, deletions,
reactions"). A reply keeps the id of the message it answers in its ``data`` (``{"reply_to": id}``).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("last_change", sa.BigInteger(), nullable=False, server_default="0"))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("edited_at", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("deleted_at", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("change_seq", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_index("ix_messages_change", "messages", ["conversation_id", "change_seq"])
    op.create_table(
        "reactions",
        sa.Column("message_id", ID, sa.ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("emoji", sa.String(length=16), primary_key=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reactions")
    op.drop_index("ix_messages_change", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("change_seq")
        batch.drop_column("deleted_at")
        batch.drop_column("edited_at")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("last_change")
