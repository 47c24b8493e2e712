"""Fixtures shared by every test area: the async backend and how missing services are reported."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def service_missing(what: str, why: object) -> NoReturn:
    """A needed real service (browser, PostgreSQL, Redis) is unavailable: fail in CI, skip with a reason elsewhere."""
    message = f"{what} is not available: {why}"
    if IN_CI:
        pytest.fail(message + " (CI=true: required)", pytrace=False)
    pytest.skip(message)
