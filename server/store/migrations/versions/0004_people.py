"""people: privacy choices (findable, requests), the find index (person_terms) and invite links

``user_settings`` gains ``findable`` (everyone | nobody) and ``requests`` (everyone | friends_of_friends |
nobody), both ``everyone`` for existing rows. ``person_terms`` holds each live user's lower-cased username
(kind ``u``) and display-name words (kind ``n``); find matches their starts through the primary key's index
(byte order on PostgreSQL: the ``C`` collation, so a range of terms is a range of prefixes). Every existing
user is indexed here. ``invites`` are links to a page, offered by a user: nothing of their code is stored
(the code is the id and an HMAC of it under the server's secret key, docs/security.md).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ids = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    with op.batch_alter_table("user_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("findable", sa.String(length=16), nullable=False, server_default="everyone"))
        batch_op.add_column(sa.Column("requests", sa.String(length=24), nullable=False, server_default="everyone"))
    op.create_table(
        "person_terms",
        sa.Column("term", sa.String(length=64).with_variant(sa.String(length=64, collation="C"), "postgresql")),
        sa.Column("user_id", ids, nullable=False),
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("term", "user_id", "kind"),
    )
    op.create_index("ix_person_terms_user", "person_terms", ["user_id"])
    op.create_table(
        "invites",
        sa.Column("id", ids, autoincrement=True, nullable=False),
        sa.Column("inviter_id", ids, nullable=False),
        sa.Column("site_id", ids, nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["inviter_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_invites_inviter", "invites", ["inviter_id", "expires_at"])
    _index_existing_users()


def _index_existing_users() -> None:
    """Fill person_terms for the users already there (the store keeps it current from now on)."""
    conn = op.get_bind()
    users = sa.table(
        "users", sa.column("id"), sa.column("username"), sa.column("display_name"), sa.column("deleted_at")
    )
    terms = sa.table("person_terms", sa.column("term"), sa.column("user_id"), sa.column("kind"))
    live = sa.select(users.c.id, users.c.username, users.c.display_name).where(users.c.deleted_at.is_(None))
    rows = conn.execute(live)
    batch: list[dict[str, object]] = []
    for user_id, username, display_name in rows.fetchall():
        batch.append({"term": username.lower()[:64], "user_id": user_id, "kind": "u"})
        for word in dict.fromkeys(w.lower()[:64] for w in (display_name or "").split()):
            batch.append({"term": word, "user_id": user_id, "kind": "n"})
    if batch:
        conn.execute(sa.insert(terms), batch)


def downgrade() -> None:
    op.drop_index("ix_invites_inviter", table_name="invites")
    op.drop_table("invites")
    op.drop_index("ix_person_terms_user", table_name="person_terms")
    op.drop_table("person_terms")
    with op.batch_alter_table("user_settings", schema=None) as batch_op:
        batch_op.drop_column("requests")
        batch_op.drop_column("findable")
