"""Schema migrations (Alembic, configured in code): upgrade to head, refuse a schema newer than the code."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from .engine import WRITE_OPTION
from .errors import SchemaTooNew

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant: serializes concurrent upgrades from several server processes on PostgreSQL.
_PG_LOCK_KEY = 0x5041524C4559


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config pointing at the packaged migrations; no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _current_revisions(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def _check_known(connection: Connection) -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in scripts.walk_revisions()}
    unknown = _current_revisions(connection) - known
    if unknown:
        raise SchemaTooNew(
            f"database schema revision {', '.join(sorted(unknown))} is newer than this code "
            f"(head {scripts.get_current_head()}): upgrade Parley before using this database"
        )


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    _check_known(connection)
    command.upgrade(alembic_config(connection), "head")


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the schema to head in one transaction; raise SchemaTooNew on an unknown (newer) revision."""
    async with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
        await conn.run_sync(_upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The database's schema revision (None on an empty database)."""
    async with engine.connect() as conn:
        heads = await conn.run_sync(_current_revisions)
    return next(iter(heads), None)
