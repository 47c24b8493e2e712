"""frame_kept: the copy-paste widget's place, drafts and unsent messages, kept per frame sign-in

Chromium refuses a cross-site frame its own storage by default, so the widget keeps what the next page of a
visit needs (docs/security.md, "What the widget keeps") on the server, behind the frame sign-in's partitioned
cookie: one row per token family, deleted when that sign-in ends.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ids = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "frame_kept",
        sa.Column("family_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", ids, nullable=False),
        sa.Column("site_id", ids, nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("outbox", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("family_id"),
    )


def downgrade() -> None:
    op.drop_table("frame_kept")
