"""moderation: visitors' reports, bans from a site, the moderation log, and disabled accounts

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ids = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.BigInteger(), nullable=True))
    op.create_table(
        "reports",
        sa.Column("id", ids, primary_key=True, autoincrement=True),
        sa.Column("site_id", ids, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reporter_id", ids, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reported_id", ids, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("conversation_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("message_text", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("handled_by", ids, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("handled_at", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
    )
    op.create_index("ix_reports_site_open", "reports", ["site_id", "handled_at"])
    op.create_table(
        "site_bans",
        sa.Column("site_id", ids, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", ids, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("banned_by", ids, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "user_id"),
    )
    op.create_table(
        "moderation_log",
        sa.Column("id", ids, primary_key=True, autoincrement=True),
        sa.Column("site_id", ids, sa.ForeignKey("sites.id", ondelete="CASCADE"), nullable=True),
        sa.Column("actor_id", ids, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("target_id", ids, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("detail", sa.String(500), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_moderation_log_site", "moderation_log", ["site_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_moderation_log_site", table_name="moderation_log")
    op.drop_table("moderation_log")
    op.drop_table("site_bans")
    op.drop_index("ix_reports_site_open", table_name="reports")
    op.drop_table("reports")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")
