"""Schemathesis against the OpenAPI schema over ASGI (SQLite store): no 5xx, no schema violations."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.api import api_router, install_error_handlers
from server.files import FileService
from server.files.folder import FolderBlobs
from server.invite_codes import InviteCodes
from server.passwords import Passwords
from server.store import open_store
from tests.support.store_data import add_access_token, make_friends, make_user

TOKEN = "fuzz-token"


def fuzz_app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        folder = tempfile.TemporaryDirectory(prefix="parley-fuzz-")  # a fresh database per lifespan
        path = Path(folder.name) / "fuzz.sqlite3"
        store = await open_store(f"sqlite+aiosqlite:///{path}", passwords=Passwords.fast())
        alice, bob = await make_user(store, "alice"), await make_user(store, "bob")
        await make_friends(store, alice, bob)
        await add_access_token(store, alice.id, TOKEN, ttl_ms=3_600_000)
        conv = await store.open_direct(alice.id, bob.id)
        await store.append_message(conv.id, bob.id, "seed", "text", "hello")
        app.state.store = store
        app.state.invite_codes = InviteCodes("fuzz-secret")
        app.state.files = FileService(store, FolderBlobs(Path(folder.name) / "files"), Path(folder.name) / "spool",
                                      1 << 20)
        try:
            yield
        finally:
            await store.close()
            folder.cleanup()

    app = FastAPI(lifespan=lifespan)
    app.include_router(api_router())
    install_error_handlers(app)
    return app


schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app())


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
