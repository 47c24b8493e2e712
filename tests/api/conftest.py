"""Fixtures: a Store on SQLite and on PostgreSQL (see tests.support.store_fixtures)."""

from __future__ import annotations

from tests.support.store_fixtures import database_url, postgres_url, sqlite_template, store

__all__ = ["database_url", "postgres_url", "sqlite_template", "store"]

