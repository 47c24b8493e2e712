"""oauth_tokens.jkt and oauth_tokens.refresh_jkt: DPoP-bound tokens (RFC 9449)

``jkt`` is the JWK SHA-256 thumbprint of the key an access token is bound to (NULL: a bearer token);
``refresh_jkt`` the key its refresh token is bound to (NULL for unbound ones, and for the copy-paste frame's
refresh token, which lives in an HttpOnly partitioned cookie while the frame's key lives only as long as its
page). Existing tokens stay unbound.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-09 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oauth_tokens") as batch:
        batch.add_column(sa.Column("jkt", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("refresh_jkt", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("oauth_tokens") as batch:
        batch.drop_column("refresh_jkt")
        batch.drop_column("jkt")
