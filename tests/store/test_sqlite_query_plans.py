"""Every statement of a batched append on SQLite searches an index; none scans the messages table.

A scan costs time in proportion to every message ever stored, so it does not show in a small test's
timings: it showed as a relay that slowed down run after run under load. This reads SQLite's own query
plan for each statement the append really ran, with its real parameters, on both SQLite paths (the writer
for a file, the async engine for an in-memory database)."""

from __future__ import annotations

import re
import sqlite3

import pytest

from server.passwords import Passwords
from server.store import NewMessage, open_store
from tests.support.store_data import make_friends, make_user

pytestmark = pytest.mark.anyio

SCAN_OF_MESSAGES = re.compile(r"\bSCAN (messages|m)\b")


async def _two_chats(store):
    alice, bob, carol = [await make_user(store, name) for name in ("alice", "bob", "carol")]
    await make_friends(store, alice, bob)
    await make_friends(store, alice, carol)
    direct = await store.open_direct(alice.id, bob.id)
    group = await store.create_group(alice.id, [bob.id, carol.id], "g")
    return [(direct.id, alice.id), (direct.id, bob.id), (group.id, carol.id), (group.id, alice.id)]


def _plans(database: sqlite3.Connection, statements: list[str]) -> dict[str, list[str]]:
    plans = {}
    for statement in statements:
        if statement.split()[0].upper() in ("SELECT", "WITH"):
            plans[statement] = [row[3] for row in database.execute("EXPLAIN QUERY PLAN " + statement)]
    return plans


async def test_a_file_store_appends_without_scanning_messages(sqlite_file_store):
    store, path = sqlite_file_store
    pairs = await _two_chats(store)
    await store.append_messages([NewMessage(*pairs[i % 4], f"old{i}", "text", "x") for i in range(40)])
    statements: list[str] = []
    await store._appender.writer.call(lambda conn: conn.set_trace_callback(statements.append))
    try:  # a resend of one stored message among new ones: the duplicate lookup finds it
        results = await store.append_messages(
            [NewMessage(*pairs[0], "old0", "text", "x")]
            + [NewMessage(*pairs[i % 4], f"new{i}", "text", "y") for i in range(20)]
        )
    finally:
        await store._appender.writer.call(lambda conn: conn.set_trace_callback(None))
    assert [r.created for r in results] == [False] + [True] * 20
    own = [s for s in statements if "'main'." not in s]  # FTS5 reads its shadow tables as 'main'.'...'
    with sqlite3.connect(path) as database:
        plans = _plans(database, own)
    assert len(plans) == 3, own  # members, blocks, stored duplicates
    for statement, plan in plans.items():
        assert not any(SCAN_OF_MESSAGES.search(line) for line in plan), (statement, plan)
    duplicate_lookup = next(plan for statement, plan in plans.items() if "wanted" in statement)
    assert any(line.startswith("SEARCH m USING") and "INDEX" in line for line in duplicate_lookup), duplicate_lookup


async def test_an_in_memory_store_looks_up_duplicates_through_the_unique_index():
    from sqlalchemy import event

    store = await open_store("sqlite+aiosqlite://", passwords=Passwords.fast())
    try:
        pairs = await _two_chats(store)
        await store.append_messages([NewMessage(*pairs[i % 4], f"old{i}", "text", "x") for i in range(40)])
        plans: list[list[str]] = []

        def explain(conn, cursor, statement, parameters, context, executemany):
            if "wanted" in statement:  # the duplicate lookup, planned on the same connection before it runs
                cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                plans.append([row[3] for row in cursor.fetchall()])

        event.listen(store.engine.sync_engine, "before_cursor_execute", explain)
        try:
            results = await store.append_messages(
                [NewMessage(*pairs[1], "old1", "text", "x"), NewMessage(*pairs[2], "new", "text", "y")]
            )
        finally:
            event.remove(store.engine.sync_engine, "before_cursor_execute", explain)
    finally:
        await store.close()
    assert [r.created for r in results] == [False, True]
    assert results[0].message.client_id == "old1"
    assert len(plans) == 1
    assert not any(SCAN_OF_MESSAGES.search(line) for line in plans[0]), plans[0]
    assert any(line.startswith("SEARCH m USING") for line in plans[0]), plans[0]
