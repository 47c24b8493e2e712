"""Fixtures: the relay harness's migrated SQLite template and the PostgreSQL test database."""

from __future__ import annotations

from tests.relay.conftest import relay_template
from tests.support.store_fixtures import postgres_url

__all__ = ["postgres_url", "relay_template"]
