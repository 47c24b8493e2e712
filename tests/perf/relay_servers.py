"""Baseline relay servers, each run as its own process: `python -m tests.perf.relay_servers KIND --port P`.

- bare: uvicorn + Starlette WebSocket (Parley's server stack), compression off. `/echo` sends every text frame
  straight back (the floor for a round trip); `/room` is the least a relay can do: join a room, send to it
  (ack to the sender, the frame encoded once and written to every other member).
- socketio: python-socketio (ASGI, under the same uvicorn) with rooms; `--redis URL --channel C` uses its
  Redis manager, so every emit goes through Redis pub/sub as it would with several processes.
"""

from __future__ import annotations

import argparse
import json
import resource
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


def raise_nofile() -> None:
    """Lift the soft open-files limit to the hard one (thousands of sockets)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def bare_app() -> Starlette:
    """Echo and a minimal room relay on plain Starlette WebSockets."""
    rooms: dict[str, set[WebSocket]] = {}

    async def echo(ws: WebSocket) -> None:
        await ws.accept()
        try:
            while True:
                await ws.send_text(await ws.receive_text())
        except WebSocketDisconnect:
            pass

    async def room(ws: WebSocket) -> None:
        await ws.accept()
        joined: list[str] = []
        try:
            while True:
                frame = json.loads(await ws.receive_text())
                if frame["t"] == "join":
                    rooms.setdefault(frame["room"], set()).add(ws)
                    joined.append(frame["room"])
                    await ws.send_text('{"t":"joined"}')
                elif frame["t"] == "send":
                    members = rooms.get(frame["room"], ())
                    await ws.send_text(json.dumps({"t": "ack", "cid": frame["cid"]}))
                    out = json.dumps({"t": "msg", "room": frame["room"], "cid": frame["cid"], "text": frame["text"]})
                    for member in list(members):
                        if member is not ws:
                            await member.send_text(out)
        except WebSocketDisconnect:
            pass
        finally:
            for name in joined:
                rooms.get(name, set()).discard(ws)

    return Starlette(routes=[WebSocketRoute("/echo", echo), WebSocketRoute("/room", room)])


def socketio_app(redis_url: str | None, channel: str) -> Any:
    """python-socketio with rooms; in-process manager, or its Redis manager on `channel`."""
    import socketio

    manager = socketio.AsyncRedisManager(redis_url, channel=channel) if redis_url else None
    sio = socketio.AsyncServer(async_mode="asgi", client_manager=manager, cors_allowed_origins=[])

    @sio.on("join")  # type: ignore[untyped-decorator]
    async def join(sid: str, room: str) -> bool:
        await sio.enter_room(sid, room)
        return True

    @sio.on("send")  # type: ignore[untyped-decorator]
    async def send(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        await sio.emit("msg", data, room=data["room"], skip_sid=sid)
        return {"cid": data["cid"]}

    @sio.on("echo")  # type: ignore[untyped-decorator]
    async def echo(sid: str, data: Any) -> Any:
        return data

    return socketio.ASGIApp(sio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["bare", "socketio"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", default=None)
    parser.add_argument("--channel", default="parley-bench")
    parser.add_argument("--ws", default="auto", help="uvicorn's WebSocket implementation")
    args = parser.parse_args()
    raise_nofile()
    app = bare_app() if args.kind == "bare" else socketio_app(args.redis, args.channel)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", ws_per_message_deflate=False,
                backlog=4096, ws=args.ws)


if __name__ == "__main__":
    main()
