"""Helpers for relay tests: a Parley app served by uvicorn inside the test's event loop, accounts and
tokens made through the store, and a small client over the `websockets` library."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import insert
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from server.app import create_app, server_options
from server.passwords import Passwords
from server.relay import Hub
from server.settings import Settings
from server.store import Store, tables
from server.store.clock import now_ms
from tests.support import store_data
from tests.support.store_data import make_friends, make_user

SITE_ORIGIN = "https://shop.example"
OTHER_ORIGIN = "https://news.example"
ALL_SCOPES = "profile friends messages share"


class Relay:
    """A running Parley app (the real create_app) on 127.0.0.1:<port>, in this event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = create_app(settings, passwords=Passwords.fast())  # argon2id's real cost: ~0.16 s CPU a hash
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}/v1/ws"
        self.http = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on", **server_options(settings))
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task[None] | None = None

    @property
    def store(self) -> Store:
        store: Store = self.app.state.store
        return store

    @property
    def hub(self) -> Hub:
        hub: Hub = self.app.state.hub
        return hub

    async def start(self) -> None:
        self.task = asyncio.create_task(self.server.serve(sockets=[self.sock]))
        for _ in range(400):
            if self.server.started:
                return
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.025)
        raise RuntimeError("relay did not start")

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.task, 10)
        self.sock.close()


@contextlib.asynccontextmanager
async def running(tmp: Path, template: Path | None = None, **overrides: Any) -> AsyncIterator[Relay]:
    """A Relay on a fresh SQLite file (copied from a migrated template when given)."""
    database = tmp / f"parley-{secrets.token_hex(4)}.sqlite3"
    if template is not None:
        shutil.copyfile(template, database)
    values: dict[str, Any] = {
        "data_dir": tmp,
        "database_url": f"sqlite+aiosqlite:///{database}",
        "secret_key": "relay-test-secret",
        "public_url": "http://parley.test",
    }
    values.update(overrides)
    relay = Relay(Settings(**values).resolved())
    await relay.start()
    try:
        yield relay
    finally:
        await relay.stop()


async def add_site(store: Store, origins: list[str], scopes: str = ALL_SCOPES) -> int:
    """Register a site with these exact origins; returns its id."""
    return await store_data.add_site(store, origins, scopes)


async def add_token(store: Store, user_id: int, site_id: int, scope: str = ALL_SCOPES, ttl_ms: int = 3_600_000) -> str:
    """Issue an access token (stored hashed, as the OAuth server does) and a consent; returns the token."""
    token = secrets.token_urlsafe(24)
    now = now_ms()
    await store_data.add_token(store, user_id, site_id, token, scope, ttl_ms)
    async with store.transaction() as conn:
        exists = await conn.scalar(
            tables.consents.select()
            .where(tables.consents.c.user_id == user_id, tables.consents.c.site_id == site_id)
            .exists()
            .select()
        )
        if not exists:
            await conn.execute(
                insert(tables.consents).values(user_id=user_id, site_id=site_id, scope=scope, created_at=now)
            )
    return token


class World:
    """Users alice, bob (friends of alice) and carol (nobody's friend), a shared site and a direct
    conversation between alice and bob."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def build(self) -> World:
        store = self.store
        self.alice = await make_user(store, "alice")
        self.bob = await make_user(store, "bob")
        self.carol = await make_user(store, "carol")
        self.dave = await make_user(store, "dave")
        await make_friends(store, self.alice, self.bob)
        await make_friends(store, self.alice, self.dave)
        self.site = await add_site(store, [SITE_ORIGIN])
        self.other_site = await add_site(store, [OTHER_ORIGIN])
        self.conv = (await store.open_direct(self.alice.id, self.bob.id)).id
        return self

    async def token(self, user: Any, site: int | None = None, scope: str = ALL_SCOPES) -> str:
        return await add_token(self.store, user.id, site or self.site, scope)


class Client:
    """One test socket: sends dict frames, receives parsed frames, remembers the close code."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.welcome: dict[str, Any] = {}
        self.seen: list[dict[str, Any]] = []

    async def send(self, frame: dict[str, Any] | str) -> None:
        await self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        self.seen.append(frame)
        return frame

    async def expect(self, t: str, timeout: float = 5.0, **fields: Any) -> dict[str, Any]:
        """The next frame of type ``t`` matching ``fields`` (other frames are skipped)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError(f"no {t} {fields} within {timeout}s; saw {self.seen[-10:]}")
            try:
                frame = await self.recv(left)
            except TimeoutError:
                continue
            if frame.get("t") == t and all(frame.get(k) == v for k, v in fields.items()):
                return frame

    async def quiet(self, kinds: tuple[str, ...] = ("msg", "ack"), wait: float = 0.3) -> list[dict[str, Any]]:
        """Frames of these kinds received within ``wait`` seconds (should usually be none)."""
        got = []
        with contextlib.suppress(TimeoutError):
            while True:
                frame = await self.recv(wait)
                if frame.get("t") in kinds:
                    got.append(frame)
        return got

    async def closed(self, timeout: float = 5.0) -> int | None:
        """Read until the server closes; the close code."""
        with contextlib.suppress(ConnectionClosed):
            async with asyncio.timeout(timeout):
                while True:
                    await self.ws.recv()
        return self.ws.close_code

    async def send_text(self, conv: int, text: str, cid: str | None = None) -> str:
        cid = cid or secrets.token_urlsafe(8)
        await self.send({"t": "send", "cid": cid, "conv": conv, "kind": "text", "text": text})
        return cid

    async def close(self) -> None:
        await self.ws.close()


async def open_socket(url: str, origin: str | None = SITE_ORIGIN, **kwargs: Any) -> ClientConnection:
    return await connect(
        url,
        origin=origin,
        compression=None,
        open_timeout=10,
        ping_interval=None,
        **kwargs,  # type: ignore[arg-type]
    )


async def join(
    relay: Relay | str,
    token: str,
    origin: str | None = SITE_ORIGIN,
    resume: dict[int, int] | None = None,
    page: dict[str, Any] | None = None,
    device: str | None = None,
    **kwargs: Any,
) -> Client:
    """Open a socket, say hello and wait for the welcome."""
    url = relay if isinstance(relay, str) else relay.url
    client = Client(await open_socket(url, origin, **kwargs))
    hello: dict[str, Any] = {"t": "hello", "v": 1, "token": token}
    if resume is not None:
        hello["resume"] = {str(k): v for k, v in resume.items()}
    if page is not None:
        hello["page"] = page
    if device is not None:
        hello["device"] = device
    await client.send(hello)
    client.welcome = await client.expect("welcome")
    return client
