"""Relay targets: a server process (pinned to its own core) plus the dialect its clients speak.

Every load in bench_relay.py drives a target only through `Target.open(...)` and the `Dialect` of its
connections, so Parley's relay is one more target with the very same loads as the baselines:

- BareEcho      uvicorn + Starlette, /echo: the floor for a round trip.
- BareRoom      uvicorn + Starlette, /room: a minimal room relay (join, send -> ack + msg to the others).
- SocketIO      python-socketio rooms, in-process manager, or its Redis manager (`redis=True`).
- Parley        Parley's own /v1/ws (hello{token} -> welcome; send{cid,conv,kind,text} -> ack, msg to others);
                users, friendships, conversations and access tokens are made through the store before the
                load starts (`ParleyTarget.prepare`). Pending until the server has a /v1/ws route.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("PARLEY_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_ADMIN_URL = os.environ.get("PARLEY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

OnFrame = Callable[["Conn", str, "str | None", float], None]


class Pending(Exception):
    """The target cannot run this load yet (the reason is printed in its row)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cores() -> tuple[set[int] | None, set[int] | None]:
    """(server cores, load-generator cores): separate cores when the machine has two or more."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return None, None
    return {available[0]}, set(available[1:])


def rss_kib(pid: int) -> int:
    """Resident set size of a process, in KiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


# -- dialects: what a client sends and how it reads what comes back ---------------------------------


class Dialect:
    """How one target's clients speak. classify() returns (kind, cid): kind is ack, msg, echo, joined,
    ping or other."""

    path = "/"
    pong: str | None = None
    heartbeat: str | None = None  # what a client sends now and then so the server keeps a silent socket

    async def handshake(self, ws: ClientConnection, credential: Any) -> None:
        return None

    def join(self, room: str) -> str | None:
        return None

    def send(self, room: str, cid: str, text: str) -> str:
        raise NotImplementedError

    def echo(self, cid: str) -> str:
        raise Pending("no echo in this dialect")

    def classify(self, text: str) -> tuple[str, str | None]:
        raise NotImplementedError


class BareDialect(Dialect):
    path = "/room"

    def join(self, room: str) -> str:
        return json.dumps({"t": "join", "room": room})

    def send(self, room: str, cid: str, text: str) -> str:
        return json.dumps({"t": "send", "room": room, "cid": cid, "text": text})

    def echo(self, cid: str) -> str:
        return json.dumps({"t": "echo", "cid": cid, "text": "hello"})

    def classify(self, text: str) -> tuple[str, str | None]:
        frame = json.loads(text)
        kind = frame["t"]
        return (kind if kind in ("ack", "msg", "echo", "joined") else "other"), frame.get("cid")


class EchoDialect(BareDialect):
    path = "/echo"


class SocketIODialect(Dialect):
    """Socket.IO v5 over Engine.IO v4, WebSocket transport only, spoken directly (no polling upgrade)."""

    path = "/socket.io/?EIO=4&transport=websocket"
    pong = "3"

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    async def handshake(self, ws: ClientConnection, credential: Any) -> None:
        opened = await ws.recv()
        if not str(opened).startswith("0"):
            raise RuntimeError(f"unexpected Engine.IO open packet {opened!r}")
        await ws.send("40")
        while True:
            packet = str(await ws.recv())
            if packet.startswith("40"):
                return
            if packet == "2":
                await ws.send("3")

    def _event(self, name: str, data: Any) -> str:
        return f"42{next(self._ids)}" + json.dumps([name, data])

    def join(self, room: str) -> str:
        return self._event("join", room)

    def send(self, room: str, cid: str, text: str) -> str:
        return self._event("send", {"room": room, "cid": cid, "text": text})

    def echo(self, cid: str) -> str:
        return self._event("echo", {"cid": cid, "text": "hello"})

    def classify(self, text: str) -> tuple[str, str | None]:
        if text.startswith("42"):
            event = json.loads(text[2:])
            return ("msg", event[1]["cid"]) if event[0] == "msg" else ("other", None)
        if text.startswith("43"):
            body = json.loads(text[text.index("[") :])
            if body and isinstance(body[0], dict):
                return "ack", body[0].get("cid")
            return "joined", None
        if text == "2":
            return "ping", None
        return "other", None


class ParleyDialect(Dialect):
    """Parley protocol v1 (client/parley/protocol.py): hello{v,token} -> welcome; send -> ack; msg."""

    path = "/v1/ws"
    heartbeat = '{"t":"ping"}'  # the relay closes a socket silent for 2 heartbeats (50 s); widgets ping

    async def handshake(self, ws: ClientConnection, credential: Any) -> None:
        await ws.send(json.dumps({"t": "hello", "v": 1, "token": credential}))
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("t") == "welcome":
                return
            if frame.get("t") == "error":
                raise RuntimeError(f"hello refused: {frame}")

    def send(self, room: str, cid: str, text: str) -> str:
        return json.dumps({"t": "send", "cid": cid, "conv": int(room), "kind": "text", "text": text})

    def classify(self, text: str) -> tuple[str, str | None]:
        frame = json.loads(text)
        kind = frame.get("t")
        if kind in ("ack", "msg"):
            return kind, frame.get("cid")
        return "other", None


# -- connections ------------------------------------------------------------------------------------


def _ignore(conn: Conn, kind: str, cid: str | None, at: float) -> None:
    return None


class Conn:
    """One client socket with a reader task that hands every classified frame to `on_frame`."""

    def __init__(self, ws: ClientConnection, dialect: Dialect, index: int) -> None:
        self.ws = ws
        self.dialect = dialect
        self.index = index
        self.on_frame: OnFrame = _ignore
        self.joins: asyncio.Queue[None] = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        classify, perf = self.dialect.classify, time.perf_counter
        with contextlib.suppress(Exception):
            async for text in self.ws:
                kind, cid = classify(str(text))
                if kind == "joined":
                    self.joins.put_nowait(None)
                elif kind == "ping" and self.dialect.pong:
                    await self.ws.send(self.dialect.pong)
                else:
                    self.on_frame(self, kind, cid, perf())

    async def close(self) -> None:
        self.reader.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 2)


# -- targets ----------------------------------------------------------------------------------------


class Target:
    """A server process to load; subclasses say how to start it and which dialect its clients speak."""

    name = "target"
    endpoint_dialect: type[Dialect] = Dialect
    supports_echo = False

    def __init__(self) -> None:
        self.ports: list[int] = []
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []
        self.rooms: dict[str, str] = {}

    def pending_reason(self) -> str | None:
        """None when the target can run now; else why its rows are pending."""
        return None

    def commands(self) -> list[tuple[list[str], dict[str, str]]]:
        raise NotImplementedError

    def start(self, server_cores: set[int] | None) -> None:
        for command, env in self.commands():
            port = free_port()
            log = Path(tempfile.mkstemp(prefix=f"bench-{self.name.replace(' ', '_')}-", suffix=".log")[1])
            process = subprocess.Popen(
                [*command, "--port", str(port)], cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                env={**os.environ, **env},
            )
            if server_cores:
                os.sched_setaffinity(process.pid, server_cores)
            self.ports.append(port)
            self.processes.append(process)
            self.logs.append(log)
        for port, process, log in zip(self.ports, self.processes, self.logs, strict=True):
            _wait_port(port, process, log)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
        for log in self.logs:
            log.unlink(missing_ok=True)
        self.processes.clear()
        self.ports.clear()
        self.logs.clear()

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    async def prepare(self, n_conns: int, rooms: Mapping[str, Sequence[int]]) -> list[Any]:
        """Make whatever the load needs server-side; returns one credential per connection."""
        self.rooms = {name: name for name in rooms}
        return [None] * n_conns

    def room_id(self, room: str) -> str:
        """The target's id of a room the load named (Parley: a conversation id)."""
        return self.rooms.get(room, room)

    async def open(
        self, n_conns: int, rooms: Mapping[str, Sequence[int]] | None = None, *, concurrency: int = 200
    ) -> list[Conn]:
        """Open n_conns connected (and authenticated) sockets; join each to its rooms. Spread over the
        target's server processes round-robin."""
        rooms = rooms or {}
        credentials = await self.prepare(n_conns, rooms)
        gate = asyncio.Semaphore(concurrency)

        async def one(i: int) -> Conn:
            async with gate:
                dialect = self.endpoint_dialect()
                url = f"ws://127.0.0.1:{self.ports[i % len(self.ports)]}{dialect.path}"
                ws = await connect(url, compression=None, ping_interval=None, max_size=2**22, open_timeout=60,
                                   close_timeout=2)
                await dialect.handshake(ws, credentials[i])
                return Conn(ws, dialect, i)

        conns = list(await asyncio.gather(*(one(i) for i in range(n_conns))))
        joined = []
        for room, members in rooms.items():
            for i in members:
                frame = conns[i].dialect.join(self.room_id(room))
                if frame is not None:
                    await conns[i].ws.send(frame)
                    joined.append(conns[i])
        for conn in joined:
            await asyncio.wait_for(conn.joins.get(), 30)
        return conns


def _wait_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"server on port {port} not up after {timeout}s:\n{log.read_text()[-3000:]}")


SERVER_MODULE = [sys.executable, "-m", "tests.perf.relay_servers"]


class BareEcho(Target):
    """The floor; `ws` picks uvicorn's WebSocket implementation (auto = websockets, as Parley runs)."""

    name = "bare WebSocket echo"
    endpoint_dialect = EchoDialect
    supports_echo = True

    def __init__(self, ws: str = "auto") -> None:
        super().__init__()
        self.ws = ws
        if ws != "auto":
            self.name = f"bare echo, uvicorn ws={ws}"

    def commands(self) -> list[tuple[list[str], dict[str, str]]]:
        return [([*SERVER_MODULE, "bare", "--ws", self.ws], {})]


class BareRoom(Target):
    name = "bare Starlette room relay"
    endpoint_dialect = BareDialect

    def commands(self) -> list[tuple[list[str], dict[str, str]]]:
        return [([*SERVER_MODULE, "bare"], {})]


class SocketIO(Target):
    endpoint_dialect = SocketIODialect

    def __init__(self, redis: bool = False, processes: int = 1) -> None:
        super().__init__()
        self.redis = redis
        self.processes_wanted = processes if redis else 1  # several processes share rooms only through Redis
        self.name = "python-socketio + Redis" if redis else "python-socketio"
        if self.processes_wanted > 1:
            self.name = f"python-socketio + Redis ({self.processes_wanted} procs)"

    def pending_reason(self) -> str | None:
        if not self.redis:
            return None
        try:
            with socket.create_connection(("127.0.0.1", 6379), timeout=1):
                return None
        except OSError:
            return "Redis at 127.0.0.1:6379 unreachable"

    def commands(self) -> list[tuple[list[str], dict[str, str]]]:
        extra = ["--redis", REDIS_URL, "--channel", f"parley-bench-{secrets.token_hex(6)}"] if self.redis else []
        return [([*SERVER_MODULE, "socketio", *extra], {})] * self.processes_wanted


def server_bundle_dir() -> Path:
    """The widget bundle a benchmark's Parley server is given: PARLEY_BUNDLE_DIR, else build/bundle when built,
    else an empty one (the server refuses to start without a bundle; the relay serves none of it)."""
    named = os.environ.get("PARLEY_BUNDLE_DIR")
    if named:
        return Path(named)
    built = ROOT / "build" / "bundle"
    if (built / "manifest.json").exists():
        return built
    empty = Path(tempfile.gettempdir()) / f"parley-bench-empty-bundle-{os.getuid()}"
    empty.mkdir(exist_ok=True)
    (empty / "manifest.json").write_text('{"files": {}}')
    return empty


def parley_relay_missing() -> str | None:
    """Why the Parley app cannot be benchmarked here (no widget bundle, no /v1/ws route), or None."""
    try:
        from server.app import create_app
        from server.settings import Settings

        with tempfile.TemporaryDirectory() as data:
            app = create_app(Settings(data_dir=Path(data), secret_key="bench", bundle_dir=server_bundle_dir()))
            def paths(routes: Any) -> Any:
                for route in routes:
                    yield getattr(route, "path", "")
                    inner = getattr(route, "original_router", route)  # FastAPI's _IncludedRouter
                    yield from paths(getattr(inner, "routes", ()))

            return None if "/v1/ws" in set(paths(app.routes)) else "the Parley app serves no /v1/ws"
    except Exception as error:  # shown in the table instead of a figure
        return f"the Parley app does not start here: {error}"


class ParleyTarget(Target):
    """Parley's relay: one process on SQLite + in-process broker, or `processes` processes on PostgreSQL +
    Redis. Credentials are access tokens minted through the store (HOOK: `mint_tokens`)."""

    endpoint_dialect = ParleyDialect

    def __init__(self, scaled: bool = False) -> None:
        super().__init__()
        self.scaled = scaled
        self.name = "Parley (2 procs, PostgreSQL + Redis)" if scaled else "Parley (1 proc, SQLite, memory broker)"
        self.data_dir = Path(tempfile.gettempdir()) / f"bench-parley-{secrets.token_hex(6)}"  # made by start()
        self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'parley.sqlite3'}"
        self.pg_url: str | None = None
        self.fanout_log = self.data_dir / "fanout.log"  # the relay appends "frames seconds" per fan-out
        self.stall_log: Path | None = None  # set: each process logs its GCs and loop stalls there (stalls.py)

    def server_fanout(self) -> list[tuple[int, float]]:
        """(frames pushed, seconds from commit to the last push) per fan-out so far, then forget them."""
        if not self.fanout_log.exists():
            return []
        lines = self.fanout_log.read_text().split()
        self.fanout_log.unlink()
        return [(int(n), float(t)) for n, t in zip(lines[::2], lines[1::2], strict=True)]

    def pending_reason(self) -> str | None:
        missing = parley_relay_missing()
        return f"not measured: {missing}" if missing else None

    def commands(self) -> list[tuple[list[str], dict[str, str]]]:
        env = {
            "PARLEY_DATA_DIR": str(self.data_dir),
            "PARLEY_DATABASE_URL": self.database_url,
            "PARLEY_WS_COMPRESSION": "false",
            "PARLEY_SECRET_KEY": "bench-secret-key",
            "PARLEY_MAX_FRAMES_PER_SECOND": "1000000",  # the loads send far above a person's 50 frames/s
            "PARLEY_BUNDLE_DIR": str(server_bundle_dir()),
        }
        if not self.scaled:  # with Redis, deliveries arrive after the sender's process has logged
            env["PARLEY_BENCH_FANOUT_LOG"] = str(self.fanout_log)
        if self.scaled:
            env["PARLEY_BROKER_URL"] = REDIS_URL
        if self.stall_log is not None:  # with 2 processes, both append to it
            env["PARLEY_BENCH_STALL_LOG"] = str(self.stall_log)
        command = [sys.executable, "-m", "server.cli", "serve", "--log-level", "warning"]
        return [(command, env)] * (2 if self.scaled else 1)

    def start(self, server_cores: set[int] | None) -> None:
        self.data_dir.mkdir()
        if self.scaled:
            asyncio.run(self._create_pg())
        asyncio.run(self._migrate())
        super().start(server_cores)

    async def _create_pg(self) -> None:
        from tests.support.store_data import create_postgres_database

        os.environ.setdefault("PARLEY_TEST_POSTGRES_URL", POSTGRES_ADMIN_URL)
        self.pg_url = await create_postgres_database("parley_bench")
        self.database_url = self.pg_url

    async def _migrate(self) -> None:
        from server.store import open_store

        store = await open_store(self.database_url)
        await store.close()

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)  # the SQLite file, secret key, fan-out log
        if self.pg_url:
            from tests.support.store_data import drop_postgres_database

            asyncio.run(drop_postgres_database(self.pg_url))
            self.pg_url = None

    async def prepare(self, n_conns: int, rooms: Mapping[str, Sequence[int]]) -> list[Any]:
        """One user per connection; a direct conversation for two-member rooms and a group otherwise (its
        first member creates it and befriends the others); one access token per user."""
        from server.passwords import Passwords
        from server.store import open_store
        from server.store.content import MAX_GROUP_MEMBERS
        # Groups hold 50 members by product rule; the fan-out loads need bigger rooms.
        cap = max([MAX_GROUP_MEMBERS, *(len(m) for m in rooms.values())])
        store = await open_store(self.database_url, passwords=Passwords.fast(), migrate=False, max_group_members=cap)
        try:
            tag = secrets.token_hex(3)
            users = [await store.create_user(f"b{tag}{i}", f"Bench {i}", "bench-password-1") for i in range(n_conns)]
            self.rooms = {}
            for name, members in rooms.items():
                first, *others = [users[i] for i in members]
                for other in others:
                    if not await store.are_friends(first.id, other.id):
                        await store.request(first.id, other.username)
                        await store.accept(other.id, first.id)
                if len(members) == 2:
                    conversation = await store.open_direct(first.id, others[0].id)
                else:
                    conversation = await store.create_group(first.id, [u.id for u in others], title=name[:40])
                self.rooms[name] = str(conversation.id)
            return await mint_tokens(store, [u.id for u in users])
        finally:
            await store.close()


async def mint_tokens(store: Any, user_ids: Sequence[int]) -> list[str]:
    """HOOK: access tokens for these users, as the OAuth server would issue them. Uses the store's test
    helper today; switch to the admin CLI / a store method once one exists."""
    from tests.support.store_data import add_access_token

    tokens = []
    for user_id in user_ids:
        token = secrets.token_urlsafe(24)
        await add_access_token(store, user_id, token, ttl_ms=3_600_000)
        tokens.append(token)
    return tokens
