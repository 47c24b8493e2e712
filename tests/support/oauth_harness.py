"""A live Parley (account pages + OAuth) on a free loopback port, and a tiny cookie-keeping browser.

The app is composed of the web and OAuth routers over a real Store on a temporary SQLite file, served by
uvicorn in a background thread; tests talk to it over real HTTP only.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import re
import secrets
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import uvicorn
from fastapi import FastAPI

from server.api import api_router, install_error_handlers
from server.broker.memory import MemoryBroker
from server.oauth import oauth_router
from server.oauth.dpop_check import DpopChecker
from server.passwords import Passwords
from server.security import SlidingWindow
from server.settings import Settings
from server.store import open_store
from server.web import web_router
from server.widget.kept import frame_kept_router
from server.widget.paint import PaintKeys
from server.widget.signin import frame_session_router

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def build_app(settings: Settings) -> FastAPI:
    """The routers under test over a real store (the lead's create_app wires the same routers)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = await open_store(settings.database_url, passwords=Passwords.fast())
        app.state.dpop = DpopChecker(settings.public_url, settings.secret_key, MemoryBroker())
        try:
            yield
        finally:
            await app.state.store.close()

    app = FastAPI(lifespan=lifespan)
    app.state.settings = settings
    app.state.paint_keys = PaintKeys(settings.secret_key)
    app.state.revoked = []
    # Every test signs up from 127.0.0.1: lift the per-IP sign-up limit (the sign-in limit stays as shipped).
    app.state.parley_rate_limits = {"signup": SlidingWindow(100_000, 600.0)}

    async def on_revoke(user_id: int, site_id: int) -> None:
        app.state.revoked.append((user_id, site_id))

    app.state.on_revoke = on_revoke
    app.state.tokens_revoked = []

    async def on_tokens_revoked(user_id: int, site_id: int) -> None:  # the relay re-checks these sockets
        app.state.tokens_revoked.append((user_id, site_id))

    app.state.on_tokens_revoked = on_tokens_revoked
    app.state.banned = []

    async def on_banned(user_id: int, site_id: int | None) -> None:  # the relay closes these sockets (4013)
        app.state.banned.append((user_id, site_id))

    app.state.on_banned = on_banned
    app.include_router(web_router())
    app.include_router(oauth_router())
    app.include_router(frame_session_router())
    app.include_router(frame_kept_router())
    app.include_router(api_router())
    install_error_handlers(app)  # as create_app does: the API's one error shape
    return app


class LiveServer:
    """uvicorn serving `build_app` on 127.0.0.1:<free port> in a thread."""

    def __init__(self, data_dir: Path) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.socket = sock
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite+aiosqlite:///{data_dir / 'parley.sqlite3'}"
        self.settings = Settings(
            public_url=self.url, database_url=self.database_url, secret_key="test-secret-key", data_dir=data_dir
        ).resolved()
        self.app = build_app(self.settings)
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on", ws="none")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=lambda: self.server.run(sockets=[sock]), daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.socket.close()

    def run(self, coro_factory: Any) -> Any:
        """Run an async function against the same database from the test side (its own store)."""

        async def main() -> Any:
            store = await open_store(self.database_url, passwords=Passwords.fast(), migrate=False)
            try:
                return await coro_factory(store)
            finally:
                await store.close()

        with ThreadPoolExecutor(1) as pool:  # works from sync and async tests alike
            return pool.submit(asyncio.run, main()).result()


@contextmanager
def live_server(data_dir: Path) -> Iterator[LiveServer]:
    """A started LiveServer, stopped afterwards."""
    server = LiveServer(data_dir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Browser:
    """An httpx client that keeps cookies and never follows redirects (tests look at each hop)."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, follow_redirects=False, timeout=10)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any], **kwargs: Any) -> httpx.Response:
        return self.http.post(url, data=data, **kwargs)

    def csrf(self, page: str = "/account") -> str:
        """The CSRF token forms on `page` carry."""
        response = self.get(page)
        return csrf_in(response.text)

    def sign_up(self, username: str, password: str = "correct horse 1", display_name: str = "") -> None:
        token = self.csrf("/account")
        response = self.post("/account/signup", {
            "csrf_token": token, "username": username, "display_name": display_name or username.title(),
            "password": password, "next": "/account",
        })
        assert response.status_code == 303, response.text

    def sign_in(self, username: str, password: str, next_path: str = "/account") -> httpx.Response:
        token = self.csrf("/account")
        return self.post("/account/signin", {
            "csrf_token": token, "username": username, "password": password, "next": next_path,
        })

    def register_site(
        self, name: str, origins: list[str], *, scopes: tuple[str, ...] = ("profile", "friends", "messages"),
        redirect_uris: list[str] | None = None,
    ) -> str:
        """Register a site through the /sites console; returns its client id."""
        token = self.csrf("/sites")
        response = self.post("/sites", {
            "csrf_token": token, "name": name, "origins": "\n".join(origins),
            "redirect_uris": "\n".join(redirect_uris or []), "scopes": list(scopes),
            "theme": "auto", "runtime": "micropython",
        })
        assert response.status_code == 303, response.text
        return response.headers["location"].split("/sites/")[1].split("?")[0]

    def close(self) -> None:
        self.http.close()


def csrf_in(page: str) -> str:
    match = CSRF.search(page)
    assert match, "no CSRF token on the page"
    return html.unescape(match.group(1))


def pkce_pair() -> tuple[str, str]:
    """A fresh (verifier, S256 challenge)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(client_id: str, redirect_uri: str, challenge: str | None, **extra: str) -> str:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "state": "st-1"}
    if challenge is not None:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(extra)
    return "/oauth/authorize?" + urlencode({k: v for k, v in params.items() if v is not None})


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def approve(browser: Browser, url: str) -> httpx.Response:
    """Follow /oauth/authorize as a signed-in user; Allow on the consent page if one is shown."""
    response = browser.get(url)
    if response.status_code == 200 and "wants to use your Parley account" in response.text:
        response = browser.post(url, {"csrf_token": csrf_in(response.text), "decision": "allow"})
    return response


def get_code(browser: Browser, client_id: str, redirect_uri: str) -> tuple[str, str]:
    """Run /authorize to a code; returns (code, verifier)."""
    verifier, challenge = pkce_pair()
    response = approve(browser, authorize_url(client_id, redirect_uri, challenge))
    assert response.status_code == 302, response.text
    params = query_of(response.headers["location"])
    return params["code"], verifier


def exchange(server: LiveServer, client_id: str, redirect_uri: str, code: str, verifier: str,
             origin: str | None = None) -> httpx.Response:
    headers = {"Origin": origin} if origin else {}
    return httpx.post(f"{server.url}/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "client_id": client_id, "code_verifier": verifier,
    }, headers=headers)


def refresh(server: LiveServer, client_id: str, refresh_token: str) -> httpx.Response:
    return httpx.post(f"{server.url}/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id,
    })


def principal(server: LiveServer, access_token: str) -> Any:
    """What the JSON API would make of a bearer token (the store's own check)."""

    async def check(store: Any) -> Any:
        return await store.principal_for_access_token(access_token)

    return server.run(check)
