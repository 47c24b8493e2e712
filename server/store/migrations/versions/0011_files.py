"""files: uploaded pictures and files, each belonging to one conversation

The bytes live in the blob store chosen by PARLEY_FILES_URL (a folder in the data directory, or PostgreSQL's
``parley_blob_chunks``, created by that store itself); this table records who sent what where.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-12 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ids = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "files",
        sa.Column("id", ids, autoincrement=True, nullable=False),
        sa.Column("owner_id", ids, nullable=False),
        sa.Column("conversation_id", ids, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("thumb_width", sa.Integer(), nullable=True),
        sa.Column("thumb_height", sa.Integer(), nullable=True),
        sa.Column("blob_key", sa.String(length=64), nullable=False),
        sa.Column("attached_cid", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("deleted_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("blob_key"),
    )
    op.create_index("ix_files_conversation", "files", ["conversation_id", "attached_cid"])
    op.create_index("ix_files_owner", "files", ["owner_id"])
    op.create_index("ix_files_sweep", "files", ["deleted_at", "created_at"])


def downgrade() -> None:
    op.drop_table("files")
