"""Relay fixtures: a live Parley app on loopback with a few accounts (SQLite + in-process broker)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from server.store import open_store

from .harness import Relay, World, running


@pytest.fixture(scope="session")
def relay_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("relay") / "template.sqlite3"

    async def migrate() -> None:
        store = await open_store(f"sqlite+aiosqlite:///{path}")
        await store.close()

    anyio.run(migrate)
    return path


@pytest.fixture
async def relay(request: pytest.FixtureRequest, tmp_path: Path, relay_template: Path) -> AsyncIterator[Relay]:
    """The live app; ``@pytest.mark.relay_settings(name=value, ...)`` sets Settings fields (limits)."""
    marker = request.node.get_closest_marker("relay_settings")
    async with running(tmp_path, relay_template, **(marker.kwargs if marker else {})) as live:
        yield live


@pytest.fixture
async def world(relay: Relay) -> World:
    return await World(relay.store).build()
