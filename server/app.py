"""create_app(settings): the only module that wires every part of the server together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from .api import api_router, install_error_handlers
from .bundle import Bundle, bundle_router
from .frame import frame_router
from .frame_session import frame_session_router
from .health import health_router
from .inline import install_api_cors
from .oauth import oauth_router
from .relay import relay_router
from .settings import Settings
from .web import web_router


def create_app(settings: Settings | None = None) -> FastAPI:
    """The Parley ASGI app. Opens the store on start-up (upgrading its schema) and closes it on shutdown."""
    settings = (settings or Settings()).resolved()
    bundle = Bundle.load(settings.bundle_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from .broker import open_broker
        from .relay import Hub
        from .store import open_store

        async with AsyncExitStack() as stack:  # closed in reverse order: hub, broker, store
            app.state.store = await open_store(settings.database_url)
            app.state.store.max_group_members = settings.max_group_members
            stack.push_async_callback(app.state.store.close)
            app.state.broker = await open_broker(settings.broker_url)
            stack.push_async_callback(app.state.broker.close)
            app.state.hub = Hub.from_settings(app.state.store, app.state.broker, settings)
            await app.state.hub.start()
            stack.push_async_callback(app.state.hub.stop)
            app.state.on_revoke = app.state.hub.revoke  # revoking a grant closes its sockets (4010)
            yield

    app = FastAPI(title="Parley", version="0.1.0", lifespan=lifespan, docs_url="/api/docs", redoc_url=None)
    app.state.settings = settings
    app.state.bundle = bundle
    app.include_router(bundle_router(bundle))
    app.include_router(frame_router(bundle))
    app.include_router(frame_session_router())
    app.include_router(api_router())
    app.include_router(oauth_router())
    app.include_router(web_router())
    app.include_router(relay_router())
    app.include_router(health_router())
    install_error_handlers(app)
    install_api_cors(app)  # inline pages call /api/v1 with their bearer token from the site's origin
    return app
