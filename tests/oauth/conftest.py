"""Fixtures for the OAuth tests: one live server per test session, a fresh browser per test."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.support.oauth_harness import Browser, LiveServer, live_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("oauth")) as running:
        yield running


@pytest.fixture
def browser(server: LiveServer) -> Iterator[Browser]:
    client = Browser(server)
    yield client
    client.close()


@pytest.fixture
def username() -> str:
    return "u" + secrets.token_hex(5)

