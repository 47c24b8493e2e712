"""Fixtures for the account and console page tests (the live server harness is tests/support/oauth_harness.py)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.support.oauth_harness import Browser, LiveServer, live_server


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("web")) as running:
        yield running


@pytest.fixture
def browser(web_server: LiveServer) -> Iterator[Browser]:
    client = Browser(web_server)
    yield client
    client.close()


@pytest.fixture
def username() -> str:
    return "u" + secrets.token_hex(5)
