"""create_app(settings): the only module that wires every part of the server together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from .api import api_router, install_error_handlers
from .bundle import Bundle, bundle_router
from .frame import frame_router
from .oauth import oauth_router
from .settings import Settings
from .web import web_router


def create_app(settings: Settings | None = None) -> FastAPI:
    """The Parley ASGI app. Opens the store on start-up (upgrading its schema) and closes it on shutdown."""
    settings = (settings or Settings()).resolved()
    bundle = Bundle.load(settings.bundle_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from .store import open_store

        app.state.store = await open_store(settings.database_url)
        try:
            yield
        finally:
            await app.state.store.close()

    app = FastAPI(title="Parley", version="0.1.0", lifespan=lifespan, docs_url="/api/docs", redoc_url=None)
    app.state.settings = settings
    app.state.bundle = bundle
    app.include_router(bundle_router(bundle))
    app.include_router(frame_router(bundle))
    app.include_router(api_router())
    app.include_router(oauth_router())
    app.include_router(web_router())
    install_error_handlers(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        """Liveness: the process answers."""
        return JSONResponse({"status": "ok"})

    return app
