"""A Parley server with time stamps on the send -> ack path: `python -m tests.perf.stage_probe serve ...`.

The same ``parley serve`` (``server.cli``), with thin wrappers put around the functions a sent message
crosses; each appends ``(time.perf_counter(), stage)`` to a list in memory, written at exit to
``$PARLEY_STAGE_LOG.<pid>`` (after SIGTERM) as "seconds stage" lines (perf_counter is CLOCK_MONOTONIC on Linux: the same
clock as the load generator's). ``$PARLEY_STAGE_PROFILE`` also runs the server under cProfile (saved to
``<that path>.<pid>``). Used by ``tests/perf/rtt_stages.py``; the wrappers cost ~0.3 µs each.

Stages, in the order a message meets them (SQLite, one process):
  rx          bytes of a frame reach uvicorn's WebSocket protocol (``data_received``)
  read        the relay's reader has the frame (its parse starts)       parsed    parse done
  handler     ``on_send`` starts                                        submitted queued for the commit loop
  commit      the commit loop calls the store                           stored    the store returned (committed)
  (SQLite: begun: BEGIN IMMEDIATE done; read facts, inserted, updated: the statements; committed: COMMIT done)
  answer      ``Fanout.committed`` starts (acks, then fan-out)          ack       the ack is made and sent
  publish     the fan-out's frame is encoded and published              published handed to the broker
  answered    ``Fanout.committed`` is done
  deliver     a payload reaches a local recipient (the broker's dispatch)
  flush       the send queue's loop callback starts writing
  write       a frame is handed to the transport (first: the ack; second: the delivery, same process)
"""

from __future__ import annotations

import atexit
import functools
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

EVENTS: list[tuple[float, str]] = []


def _before(stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        EVENTS.append((time.perf_counter(), stage))
        return fn(*args, **kwargs)

    return wrapper


def _after(stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        finally:
            EVENTS.append((time.perf_counter(), stage))

    return wrapper


def _around(first: str, then: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        EVENTS.append((time.perf_counter(), first))
        try:
            return fn(*args, **kwargs)
        finally:
            EVENTS.append((time.perf_counter(), then))

    return wrapper


def _around_async(first: str, then: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        EVENTS.append((time.perf_counter(), first))
        try:
            return await fn(*args, **kwargs)
        finally:
            EVENTS.append((time.perf_counter(), then))

    return wrapper


def install() -> None:
    """Wrap the functions of the message path (before the app is created)."""
    from parley import protocol as P
    from websockets.protocol import Protocol

    from server.relay import commit, connection, fanout, handlers, wsprotocol
    from server.store import append_sqlite, sqlite_messages, sqlite_writer

    proto = wsprotocol.SlimWebSocketProtocol
    proto.data_received = _before("rx", proto.data_received)  # type: ignore[method-assign]
    P.parse_client_frame = _around("read", "parsed", P.parse_client_frame)
    handlers.HANDLERS[P.SEND] = _around_async("handler", "submitted", handlers.HANDLERS[P.SEND])
    committer = commit.GroupCommitter
    committer._append = _around_async("commit", "stored", committer._append)  # type: ignore[method-assign]
    # SQLite's append, inside the store: BEGIN, the three reads, the INSERT, the UPDATEs, then COMMIT
    sqlite_writer._finish = _around("begun", "committed", sqlite_writer._finish)
    sqlite_messages.read_facts = _after("read facts", sqlite_messages.read_facts)
    sqlite_messages._insert = _after("inserted", sqlite_messages._insert)
    append_sqlite.append_batch = _after("updated", append_sqlite.append_batch)
    fan = fanout.Fanout
    fan.deliver = _before("deliver", fan.deliver)  # type: ignore[method-assign]
    fan.post_to_members = _around_async("publish", "published", fan.post_to_members)  # type: ignore[method-assign]
    fan.committed = _around_async("answer", "answered", fan.committed)  # type: ignore[method-assign]
    conn = connection.Connection
    if hasattr(conn, "send_now"):  # the ack is written at once (issue 18)
        conn.send_now = _before("ack", conn.send_now)
    else:  # before: queued for the send queue's flush
        conn.send = _after("ack", conn.send)  # type: ignore[method-assign]
    queue = connection.SendQueue
    queue.flush = _before("flush", queue.flush)  # type: ignore[method-assign]
    Protocol.send_text = _before("write", Protocol.send_text)  # type: ignore[method-assign]


def _save(path: str, profiler: Any) -> None:
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(f"{os.environ['PARLEY_STAGE_PROFILE']}.{os.getpid()}")
    with open(f"{path}.{os.getpid()}", "w") as out:
        out.writelines(f"{t:.9f} {stage}\n" for t, stage in EVENTS)


def main() -> int:
    from server.cli import main as parley

    install()
    profiler = None
    if os.environ.get("PARLEY_STAGE_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    save = functools.partial(_save, os.environ.get("PARLEY_STAGE_LOG", "/tmp/parley-stages"), profiler)
    atexit.register(save)
    # uvicorn restores the handlers it found and raises the signal that stopped it again: end here, saved
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    return parley(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
