"""SQLite's writer runs small appends on the event loop, bigger ones in its thread, falls back to the thread
(and waits there) when another process holds the write lock, and checkpoints in the thread."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading

import pytest

from server.store import NewMessage, sqlite_writer
from tests.support.store_data import make_friends, make_user

pytestmark = pytest.mark.anyio


@pytest.fixture
async def chat(sqlite_file_store):
    store, path = sqlite_file_store
    alice, bob = await make_user(store, "alice"), await make_user(store, "bob")
    await make_friends(store, alice, bob)
    conv = await store.open_direct(alice.id, bob.id)
    return store, path, alice, conv.id


async def _traced(store):
    """Every statement the writer's connections run, with the thread that ran it."""
    seen: list[tuple[str, int]] = []

    def trace(statement: str) -> None:
        if "'main'." in statement:  # the search index's trigger: FTS5's statements on its shadow tables
            return
        seen.append((statement.split()[0].upper(), threading.get_ident()))

    await store._appender.writer.call(lambda conn: conn.set_trace_callback(trace))
    return seen


async def test_small_appends_commit_on_the_loop_and_big_ones_in_the_thread(chat):
    store, _, alice, conv = chat
    seen = await _traced(store)
    loop_thread = threading.get_ident()
    (one,) = await store.append_messages([NewMessage(conv, alice.id, "one", "text", "hi")])
    assert one.created and one.message.position == 1
    assert {thread for _, thread in seen} == {loop_thread}
    assert seen[0][0] == "BEGIN" and seen[-1][0] == "COMMIT"
    seen.clear()
    size = sqlite_writer.INLINE_MAX_ROWS + 1
    big = await store.append_messages([NewMessage(conv, alice.id, f"b{i}", "text", "hi") for i in range(size)])
    assert [r.message.position for r in big] == list(range(2, 2 + size))
    assert loop_thread not in {thread for _, thread in seen}


async def test_a_busy_lock_sends_the_append_to_the_thread_which_waits_for_it(chat):
    store, path, alice, conv = chat
    other = sqlite3.connect(path, isolation_level=None)  # another process's writer, as far as SQLite knows
    try:
        other.execute("BEGIN IMMEDIATE")
        append = asyncio.create_task(store.append_messages([NewMessage(conv, alice.id, "w", "text", "waits")]))
        await asyncio.sleep(0.3)
        assert not append.done()  # neither failed nor committed: waiting for the lock in the writer thread
        other.execute("COMMIT")
        (result,) = await asyncio.wait_for(append, 10)
    finally:
        other.close()
    assert result.created and result.message.position == 1


async def test_messages_committed_on_the_loop_are_checkpointed_in_the_thread(chat, monkeypatch):
    store, _, alice, conv = chat
    monkeypatch.setattr(sqlite_writer, "CHECKPOINT_EVERY", 5)
    seen = await _traced(store)
    for i in range(5):
        await store.append_messages([NewMessage(conv, alice.id, f"c{i}", "text", "hi")])
    writer = store._appender.writer
    await asyncio.wrap_future(writer._checkpoint)
    checkpoints = [thread for kind, thread in seen if kind == "PRAGMA"]
    assert len(checkpoints) == 1 and checkpoints[0] != threading.get_ident()
    with sqlite3.connect(store._appender.writer.path) as raw:  # every commit is in the database
        assert raw.execute("SELECT count(*) FROM messages").fetchone() == (5,)


async def test_the_wal_starts_over_after_each_checkpoint_under_a_steady_stream(chat, monkeypatch):
    # Appends keep coming while the thread checkpoints: a write that comes meanwhile waits for it, so the next
    # write finds every frame copied back and SQLite rewrites the WAL from its start. (Commits overlapping the
    # checkpoint never let it start over: the WAL grew by every message's pages, without bound.)
    store, path, alice, conv = chat
    monkeypatch.setattr(sqlite_writer, "CHECKPOINT_EVERY", 5)
    wal = f"{path}-wal"

    async def append(count: int, tag: str) -> None:
        for i in range(count):
            await store.append_messages([NewMessage(conv, alice.id, f"{tag}{i}", "text", "hello there")])

    await append(10, "a")
    first = os.path.getsize(wal)
    await append(100, "b")
    assert os.path.getsize(wal) < 2 * first  # 100 more messages' pages in the same few frames of the file
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT count(*) FROM messages").fetchone() == (110,)
