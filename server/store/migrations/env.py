"""Alembic environment: runs on the connection that server.store.schema hands over in `attributes`."""

from __future__ import annotations

from alembic import context

from server.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `parley db upgrade` (server.store.schema), not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
