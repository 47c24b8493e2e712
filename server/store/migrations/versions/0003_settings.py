"""the visitor's choices: user_settings (status, sound) and consents.share_title

Status ("appear offline" included) and sound are per account, in a new table whose missing row means the
defaults (online, the site's sound). Hiding from a site already lived on ``consents.hidden``; sharing the page
title is per site too, so it joins it there (off for every existing consent: titles are private by default).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_settings",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("sound", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("share_title", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_column("share_title")
    op.drop_table("user_settings")
