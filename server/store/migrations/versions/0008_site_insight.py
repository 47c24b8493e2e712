"""site_daily, site_daily_pages, site_daily_seen: insight for site owners, aggregates per (site, UTC day)

``site_daily`` holds one row of counters per site and day (signed-in visitors, rendezvous, messages, shares);
``site_daily_pages`` the shares per page (URL without query or fragment). ``site_daily_seen`` holds, for the
current and the previous day only, keyed hashes (HMAC with the server's secret key) of who was counted as a
visitor or which friend pair as a rendezvous, so that a count stays distinct across processes; it is pruned
once the day is over. Rows older than the retention are deleted.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ids = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "site_daily",
        sa.Column("site_id", ids, nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("visitors", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("rendezvous", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("messages", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("shares", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("site_id", "day"),
    )
    op.create_table(
        "site_daily_pages",
        sa.Column("site_id", ids, nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=512), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("site_id", "day", "url"),
    )
    op.create_table(
        "site_daily_seen",
        sa.Column("site_id", ids, nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("site_id", "day", "kind", "key"),
    )


def downgrade() -> None:
    op.drop_table("site_daily_seen")
    op.drop_table("site_daily_pages")
    op.drop_table("site_daily")
