"""create_app(settings): the only module that wires every part of the server together."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from .api import api_router, install_error_handlers
from .broker import Broker
from .files import FileService
from .gc_freeze import GcFreezer
from .health import health_router
from .insight.flush import InsightFlusher
from .invite_codes import InviteCodes
from .metrics import metrics_router
from .oauth import oauth_router
from .oauth.dpop_check import DpopChecker
from .oauth.origins import origin_of
from .pacing import find_pacer, report_pacer, request_pacer, search_pacer
from .passwords import Passwords
from .relay import Hub, relay_router
from .relay.endpoint import PATH as RELAY_PATH
from .relay.endpoint import serve as serve_relay
from .relay.fanout_log import FanoutLog
from .relay.limits import ConnectionLimits
from .settings import Settings
from .stall_log import StallLog
from .store import Store
from .web import web_router
from .widget.bundle import Bundle, bundle_router
from .widget.inline import inline_router, install_api_cors
from .widget.kept import frame_kept_router
from .widget.page import frame_router
from .widget.paint import PaintKeys
from .widget.signin import frame_session_router


class ParleyApp(FastAPI):
    """The FastAPI app, with the relay's WebSocket sent straight to the relay.

    A /v1/ws socket lives for hours; through the middleware stack and the router, a dozen suspended
    coroutines (error and exception middlewares, CORS, exit stacks, routing, the endpoint wrapper) would
    stay in memory beside it for all that time (~12 KB per socket). None of them does anything for the
    relay's WebSocket: it checks the origin, the hello token, scopes and limits itself. Everything else
    (HTTP, lifespan, other paths) takes the normal way.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and _route_path(scope) == RELAY_PATH:
            await serve_relay(self.state.hub, scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def _route_path(scope: Scope) -> str:
    """The path without the root path the app is mounted at (as Starlette's routing matches it)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn options for serving the app (``parley serve``, and the relay's tests).

    - ``ws``: uvicorn's own sans-I/O WebSocket protocol with a smaller idle footprint
      (``relay.wsprotocol``); ~8 KB less per idle socket.
    - no protocol-level keepalive pings: the relay's heartbeat already closes a socket that has sent
      nothing for two heartbeat periods (clients ping every ``heartbeat`` seconds), so uvicorn's ping timer
      per socket would only duplicate it.
    - no per-message deflate unless asked (``PARLEY_WS_COMPRESSION``): ~64 KiB per socket.
    - frames up to 4x the relay's frame limit reach the relay, which answers too-big frames itself.
    """
    from .relay.wsprotocol import SlimWebSocketProtocol

    return {
        "ws": SlimWebSocketProtocol,
        "ws_per_message_deflate": settings.ws_compression,
        "ws_max_size": 4 * settings.max_frame_bytes,
        "ws_ping_interval": None,
        "ws_ping_timeout": None,
    }


def relay_hub(store: Store, broker: Broker, settings: Settings, dpop: DpopChecker | None = None) -> Hub:
    """The relay's hub with the settings' limits: presence TTL, frame size, Parley's own origin, frames per
    second per socket (burst: two seconds' worth), output waiting per socket, and the benchmarks' fan-out log."""
    own = origin_of(settings.public_url)
    rate = settings.max_frames_per_second
    limits = ConnectionLimits(
        frames_per_second=rate,
        burst=max(1, int(2 * rate)),
        max_queue_frames=settings.max_queue_frames,
        max_queue_bytes=settings.max_queue_bytes,
    )
    return Hub(
        store,
        broker,
        presence_ttl=settings.presence_ttl,
        max_frame=settings.max_frame_bytes,
        origins=[own] if own else [],
        limits=limits,
        fanout_probe=FanoutLog(settings.bench_fanout_log) if settings.bench_fanout_log else None,
        invite_codes=InviteCodes(settings.secret_key),
        dpop=dpop,
    )


async def open_files(store: Store, settings: Settings) -> FileService:
    """Uploads and downloads over the blob store of ``settings.files_url``, spooled in the data directory."""
    from .files import open_blobs

    blobs = await open_blobs(settings.files_url)
    return FileService(store, blobs, settings.data_dir / "spool", settings.max_upload_mb * 1024 * 1024)


def create_app(settings: Settings | None = None, *, passwords: Passwords | None = None) -> FastAPI:
    """The Parley ASGI app. Opens the store on start-up (upgrading its schema) and closes it on shutdown.

    ``passwords`` hashes the accounts' passwords (default: argon2id's shipped cost; test suites pass
    ``Passwords.fast()``)."""
    settings = (settings or Settings()).resolved()
    bundle = Bundle.load(settings.bundle_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from .broker import open_broker
        from .store import open_store

        async with AsyncExitStack() as stack:  # closed in reverse order: hub, broker, store
            if settings.bench_stall_log:
                stalls = StallLog(settings.bench_stall_log)
                stalls.start()
                stack.callback(stalls.stop)
            app.state.store = await open_store(
                settings.database_url, passwords=passwords, max_group_members=settings.max_group_members
            )
            stack.push_async_callback(app.state.store.close)
            app.state.broker = await open_broker(settings.broker_url)
            stack.push_async_callback(app.state.broker.close)
            app.state.dpop = DpopChecker(settings.public_url, settings.secret_key, app.state.broker)
            app.state.files = await open_files(app.state.store, settings)
            stack.push_async_callback(app.state.files.blobs.close)
            sweeper = asyncio.create_task(app.state.files.run_sweeper())
            stack.callback(sweeper.cancel)
            app.state.hub = relay_hub(app.state.store, app.state.broker, settings, app.state.dpop)
            await app.state.hub.start()
            hub = app.state.hub
            app.state.insight = InsightFlusher(
                app.state.store, hub.site_counts, settings.secret_key,
                lambda: [(c.site_id, c.user_id) for c in hub.connections()],
                every=settings.insight_flush_s, keep_days=settings.insight_retention_days,
            )
            await app.state.insight.start()
            stack.push_async_callback(app.state.insight.stop)  # the last flush, after the hub drained its commits
            stack.push_async_callback(app.state.hub.stop)
            app.state.on_revoke = app.state.hub.revoke  # revoking a grant closes its sockets (4010)
            app.state.on_tokens_revoked = app.state.hub.tokens_revoked  # one sign-in ended: re-check now
            app.state.on_settings_changed = app.state.hub.settings_changed  # the visitor's choices: apply now
            app.state.on_group_changed = app.state.hub.group_changed  # a group changed through the API: tell all
            app.state.on_friendship_changed = app.state.hub.friendship_changed  # a relation changed: both, live
            app.state.on_message_changed = app.state.hub.message_changed  # edited, deleted, reacted: all, live
            app.state.hub.find_pacer = find_pacer(app)  # one window per door kind: relay, API and pages share it
            app.state.hub.request_pacer = request_pacer(app)
            app.state.hub.search_pacer = search_pacer(app)
            app.state.hub.report_pacer = report_pacer(app)
            app.state.on_banned = app.state.hub.ban  # a ban (or a disabled account): close its sockets, 4013
            if settings.gc_freeze:  # last: what start-up made stays alive, frozen
                stats = hub.stats
                freezer = GcFreezer(lambda: (stats.opened, sum(stats.closes.values())))
                freezer.start()
                stack.push_async_callback(freezer.stop)
            yield

    app = ParleyApp(title="Parley", version="0.1.0", lifespan=lifespan, docs_url="/api/docs", redoc_url=None)
    app.state.settings = settings
    app.state.invite_codes = InviteCodes(settings.secret_key)
    app.state.paint_keys = PaintKeys(settings.secret_key)
    app.state.bundle = bundle
    app.include_router(bundle_router(bundle))
    app.include_router(frame_router(bundle))
    app.include_router(inline_router(bundle))  # inline mode's config for developers' own PyScript pages
    app.include_router(frame_session_router())
    app.include_router(frame_kept_router())
    app.include_router(api_router())
    app.include_router(oauth_router())
    app.include_router(web_router())
    app.include_router(relay_router())
    app.include_router(health_router())
    if settings.metrics_enabled:
        app.include_router(metrics_router(settings.metrics_token))
    install_error_handlers(app)
    install_api_cors(app)  # inline pages call /api/v1 with their bearer token from the site's origin
    return app
