"""SQLite's one-hop writer thread: same results as the async path, no deadlock beside the engine's writers,
and correct positions and dedup when two stores (as two processes would) write one file at once."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from server.passwords import Passwords
from server.store import NewMessage, open_store
from server.store.append_sqlite import SqliteFileAppender
from tests.support.store_data import make_friends, make_user

pytestmark = pytest.mark.anyio


async def test_a_sqlite_file_appends_through_the_writer_and_reads_back_the_same(sqlite_file_store):
    store, path = sqlite_file_store
    alice, bob = await make_user(store, "alice"), await make_user(store, "bob")
    await make_friends(store, alice, bob)
    conv = await store.open_direct(alice.id, bob.id)
    assert isinstance(store._appender, SqliteFileAppender)
    text, _ = await store.append_message(conv.id, alice.id, "t1", "text", " héllo ")
    share, _ = await store.append_message(conv.id, bob.id, "s1", "share", "", {"url": "https://e.com/é", "title": "Tï"})
    page = await store.history(conv.id, alice.id)
    assert page.messages == (share, text)  # read through the async engine: the same records
    with sqlite3.connect(path) as raw:  # stored as SQLAlchemy stores JSON (None as 'null')
        assert raw.execute("SELECT data FROM messages ORDER BY id").fetchall() == [
            ("null",),
            ('{"url": "https://e.com/\\u00e9", "title": "T\\u00ef"}',),
        ]
    assert (await store.get_conversation(conv.id, alice.id)).read_position == 1
    assert (await store.get_conversation(conv.id, bob.id)).read_position == 2


async def test_writer_appends_beside_engine_writes_do_not_deadlock(sqlite_file_store):
    store, _ = sqlite_file_store
    alice, bob = await make_user(store, "alice"), await make_user(store, "bob")
    await make_friends(store, alice, bob)
    conv = await store.open_direct(alice.id, bob.id)

    async def engine_writes() -> None:
        for i in range(20):
            await make_user(store, f"user{i}")
            await store.set_read_position(conv.id, bob.id, i)

    sends = [store.append_message(conv.id, alice.id, f"c{i}", "text", f"m{i}") for i in range(60)]
    results = await asyncio.wait_for(asyncio.gather(engine_writes(), *sends), 30)
    assert sorted(record.position for record, _ in results[1:]) == list(range(1, 61))


async def test_two_stores_on_one_file_keep_positions_gapless_and_dedup_resends(sqlite_file_store):
    store, path = sqlite_file_store
    alice, bob = await make_user(store, "alice"), await make_user(store, "bob")
    await make_friends(store, alice, bob)
    conv = await store.open_direct(alice.id, bob.id)
    other = await open_store(f"sqlite+aiosqlite:///{path}", passwords=Passwords.fast(), migrate=False)
    try:
        batches = [
            (store if i % 2 else other).append_messages(
                [NewMessage(conv.id, (alice, bob)[k % 2].id, f"c{i}-{k}", "text", "hi") for k in range(5)]
                + [NewMessage(conv.id, alice.id, "resent", "text", "once")]
            )
            for i in range(20)
        ]
        results = [r for batch in await asyncio.wait_for(asyncio.gather(*batches), 30) for r in batch]
    finally:
        await other.close()
    assert not [r.error for r in results if r.error]
    created = [r.message for r in results if r.created]
    assert len(created) == 20 * 5 + 1
    assert sorted(m.position for m in created) == list(range(1, 102))
    assert len({r.message.id for r in results if r.message.client_id == "resent"}) == 1
    assert (await store.get_conversation(conv.id, alice.id)).last_position == 101
