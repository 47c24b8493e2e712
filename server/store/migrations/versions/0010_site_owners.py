"""site_owners: several owners per site, and invitations by username (accepted_at NULL until accepted)

Every existing site gets its registering user (sites.owner_id) as its first, accepted owner.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-20 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ids = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "site_owners",
        sa.Column("site_id", ids, nullable=False),
        sa.Column("user_id", ids, nullable=False),
        sa.Column("invited_by", ids, nullable=True),
        sa.Column("accepted_at", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["invited_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("site_id", "user_id"),
    )
    op.create_index("ix_site_owners_user", "site_owners", ["user_id"])
    op.execute(
        "INSERT INTO site_owners (site_id, user_id, invited_by, accepted_at, created_at) "
        "SELECT id, owner_id, NULL, created_at, created_at FROM sites WHERE owner_id IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index("ix_site_owners_user", table_name="site_owners")
    op.drop_table("site_owners")
