"""Messages: validation, gapless positions under concurrency, idempotent resends, history, read positions."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from server.passwords import Passwords
from server.store import Blocked, Conflict, Invalid, NewMessage, NotMember, open_store, tables
from server.store.append_sqlite import SqliteFileAppender
from server.store.pg_messages import PgAppender
from tests.support.store_data import make_friends, make_user

pytestmark = pytest.mark.anyio


@pytest.fixture
async def chat(store):
    alice, bob = await make_user(store, "alice"), await make_user(store, "bob")
    await make_friends(store, alice, bob)
    conv = await store.open_direct(alice.id, bob.id)
    return alice, bob, conv


async def count_messages(store) -> int:
    async with store.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(tables.messages)))


async def test_append_assigns_positions_ids_and_times(store, chat):
    alice, bob, conv = chat
    first, created = await store.append_message(conv.id, alice.id, "c1", "text", "  hello  ")
    second, _ = await store.append_message(conv.id, bob.id, "c1", "text", "hi")
    assert created and (first.position, second.position) == (1, 2)
    assert first.text == "hello" and first.id != second.id and first.created_at > 0
    assert (await store.get_conversation(conv.id, alice.id)).last_position == 2


async def test_resend_is_deduplicated(store, chat):
    alice, _, conv = chat
    first, created = await store.append_message(conv.id, alice.id, "same", "text", "once")
    again, created_again = await store.append_message(conv.id, alice.id, "same", "text", "once")
    assert created and not created_again and again == first
    assert await count_messages(store) == 1


async def test_concurrent_appends_get_gapless_unique_positions(store, chat):
    alice, bob, conv = chat
    sends = [store.append_message(conv.id, (alice, bob)[i % 2].id, f"c{i}", "text", f"message {i}") for i in range(60)]
    results = await asyncio.gather(*sends)
    assert sorted(record.position for record, _ in results) == list(range(1, 61))
    assert (await store.get_conversation(conv.id, alice.id)).last_position == 60


async def test_two_stores_appending_at_once_keep_positions_gapless(store, chat, database_url):
    """Two stores on one database, as two server processes: batches from both interleave, no gap, no dup."""
    from server.passwords import Passwords
    from server.store import open_store

    alice, bob, conv = chat
    second = await open_store(database_url, passwords=Passwords.fast(), migrate=False)
    try:
        batches = [
            (store, second)[i % 2].append_messages(
                [NewMessage(conv.id, (alice, bob)[(i + j) % 2].id, f"p{i}-{j}", "text", "hi") for j in range(i % 4 + 1)]
            )
            for i in range(24)
        ]
        results = [r for batch in await asyncio.gather(*batches) for r in batch]
    finally:
        await second.close()
    assert all(r.created for r in results)
    assert sorted(r.message.position for r in results) == list(range(1, len(results) + 1))
    assert (await store.get_conversation(conv.id, alice.id)).last_position == len(results)
    assert await count_messages(store) == len(results)


async def test_concurrent_resends_store_once(store, chat):
    alice, _, conv = chat
    results = await asyncio.gather(
        *[store.append_message(conv.id, alice.id, "dup", "text", "only once") for _ in range(20)]
    )
    assert sum(created for _, created in results) == 1
    assert {record.id for record, _ in results} == {results[0][0].id}
    assert await count_messages(store) == 1
    assert (await store.get_conversation(conv.id, alice.id)).last_position == 1


async def test_a_resent_share_answers_with_the_stored_message(store, chat):
    alice, _, conv = chat
    card = {"type": "t", "fields": {"n": 1}}
    data = {"url": "https://example.com/caf\u00e9", "title": "Caf\u00e9 \u2615", "card": card}
    first, created = await store.append_message(conv.id, alice.id, "s1", "share", "voil\u00e0", data)
    again, created_again = await store.append_message(conv.id, alice.id, "s1", "share", "voil\u00e0", data)
    assert created and not created_again and again == first and again.data == data


async def test_one_client_id_sent_to_two_conversations_at_once_is_stored_once(store, chat):
    alice, _, conv = chat
    carol = await make_user(store, "carol")
    await make_friends(store, alice, carol)
    other = await store.open_direct(alice.id, carol.id)
    results = await asyncio.gather(
        *[store.append_messages([NewMessage(c, alice.id, "same", "text", "hi")]) for c in (conv.id, other.id) * 3]
    )
    (winner,) = [r.message for (r,) in results if r.created]
    for (result,) in results:
        if result.message is not None:
            assert result.message == winner
        else:
            assert isinstance(result.error, Conflict)
    assert await count_messages(store) == 1


async def test_a_block_stops_direct_messages_not_group_ones(store, chat):
    alice, bob, conv = chat
    carol = await make_user(store, "carol")
    await make_friends(store, alice, carol)
    group = await store.create_group(alice.id, [bob.id, carol.id], "g")
    await store.block(bob.id, alice.id)
    results = await store.append_messages(
        [NewMessage(conv.id, alice.id, "d1", "text", "hi"), NewMessage(group.id, alice.id, "g1", "text", "hi all")]
    )
    assert isinstance(results[0].error, Blocked)
    assert results[1].created and results[1].message.position == 2  # after the group's "created" message


async def test_client_id_reused_in_another_conversation_conflicts(store, chat):
    alice, bob, conv = chat
    carol = await make_user(store, "carol")
    await make_friends(store, alice, carol)
    group = await store.create_group(alice.id, [bob.id, carol.id], "g")
    await store.append_message(conv.id, alice.id, "c1", "text", "hi")
    with pytest.raises(Conflict):
        await store.append_message(group.id, alice.id, "c1", "text", "hi")


@pytest.mark.parametrize(
    ("kind", "text", "data"),
    [
        ("text", "   ", None),
        ("text", "x" * 4001, None),
        ("text", "nul\x00", None),
        ("text", "hi", {"url": "https://a.example"}),
        ("emoji", "hi", None),
        ("share", "", None),
        ("share", "", {"url": "javascript:alert(1)", "title": "t"}),
        ("share", "", {"url": "ftp://example.com/x", "title": "t"}),
        ("share", "", {"url": "https://user:pw@example.com/", "title": "t"}),
        ("share", "", {"url": "https://example.com/" + "a" * 2048, "title": "t"}),
        ("share", "", {"url": "https://example.com/", "title": "t" * 301}),
        ("share", "x" * 4001, {"url": "https://example.com/"}),
        ("share", "", {"url": "https://example.com/", "card": {"fields": {}}}),
        ("share", "", {"url": "https://example.com/", "title": "t", "description": "d" * 1001}),
        ("share", "", {"url": "https:///nohost", "title": "t"}),
        ("share", "", {"url": "https://example.com/", "title": "t", "extra": 1}),
    ],
)
async def test_invalid_content_is_refused(store, chat, kind, text, data):
    alice, _, conv = chat
    with pytest.raises(Invalid):
        await store.append_message(conv.id, alice.id, "c1", kind, text, data)
    assert await count_messages(store) == 0


async def test_text_of_4000_characters_and_a_share_are_stored(store, chat):
    alice, _, conv = chat
    long, _ = await store.append_message(conv.id, alice.id, "c1", "text", "x" * 4000)
    share, _ = await store.append_message(
        conv.id,
        alice.id,
        "c2",
        "share",
        "",
        {"url": "https://example.com/page?q=1", "title": " Page ", "description": "About it"},
    )
    assert len(long.text) == 4000
    assert share.kind == "share"
    assert share.data == {"url": "https://example.com/page?q=1", "title": "Page", "description": "About it"}


async def test_a_share_keeps_its_comment_and_needs_only_a_url(store, chat):
    alice, bob, conv = chat
    bare, _ = await store.append_message(conv.id, alice.id, "s1", "share", "", {"url": "https://example.com/a"})
    assert bare.text == "" and bare.data == {"url": "https://example.com/a"}
    card = {"type": "product", "fields": {"price": "12 EUR", "stock": 3}}
    full, _ = await store.append_message(
        conv.id, bob.id, "s2", "share", "  look at this  ", {"url": "https://example.com/b", "title": "", "card": card}
    )
    assert full.text == "look at this" and full.data == {"url": "https://example.com/b", "card": card}
    (stored,) = (await store.history(conv.id, alice.id, limit=1)).messages
    assert stored.text == "look at this" and stored.data == full.data


async def test_sending_moves_the_senders_read_position(store, chat):
    alice, bob, conv = chat
    await store.append_message(conv.id, bob.id, "b1", "text", "one")
    await store.append_message(conv.id, bob.id, "b2", "text", "two")
    assert (await store.get_conversation(conv.id, alice.id)).unread == 2
    await store.append_message(conv.id, alice.id, "a1", "text", "read them")
    assert (await store.get_conversation(conv.id, alice.id)).read_position == 3
    assert (await store.get_conversation(conv.id, bob.id)).read_position == 2
    await store.append_messages([NewMessage(conv.id, bob.id, f"x{i}", "text", "more") for i in range(3)])
    assert (await store.get_conversation(conv.id, bob.id)).read_position == 6


async def test_a_batch_over_many_conversations_takes_a_fixed_number_of_statements(store, chat):
    alice, bob, conv = chat
    from sqlalchemy import event

    carol = await make_user(store, "carol")
    await make_friends(store, alice, carol)
    other = await store.open_direct(alice.id, carol.id)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0].upper())

    traced: list[str] = []

    def trace(statement):  # SQLite's writer thread: its own connection, plain SQL
        # The search index's trigger is traced too: its nested statements ("-- ...", and FTS5's own reads
        # of its shadow tables, which name the schema 'main') and the triggering statement again per row;
        # they run inside that statement, not as statements of the appender.
        if statement.startswith("--") or "'main'." in statement or (traced and traced[-1] == statement):
            return
        traced.append(statement)
        statements.append(statement.split()[0].upper())

    pairs = [(conv.id, alice.id), (conv.id, bob.id), (other.id, alice.id), (other.id, carol.id)]
    batch = [NewMessage(*pairs[i % 4], f"m{i}", "text", f"message {i}") for i in range(40)]
    def logged(query):  # PostgreSQL's appender: asyncpg connections of its own
        trace(query.query)

    writer = store._appender.writer if isinstance(store._appender, SqliteFileAppender) else None
    appender = store._appender if isinstance(store._appender, PgAppender) else None
    if appender is not None:  # a new connection's first call also runs asyncpg's type introspection queries
        (warm,) = await store.append_messages([NewMessage(conv.id + 99, alice.id, "warm-up", "text", "none")])
        assert isinstance(warm.error, NotMember)
    event.listen(store.engine.sync_engine, "before_cursor_execute", count)
    if writer is not None:
        await writer.call(lambda conn: conn.set_trace_callback(trace))
    if appender is not None:
        appender.add_query_logger(logged)
    try:
        results = await store.append_messages(batch)
        await asyncio.sleep(0)  # asyncpg calls its query loggers with call_soon
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", count)
        if writer is not None:
            await writer.call(lambda conn: conn.set_trace_callback(None))
        if appender is not None:
            appender.remove_query_logger(logged)
    assert (writer is not None) == store.is_sqlite  # a SQLite file appends through the writer thread
    assert (appender is not None) == (not store.is_sqlite)
    assert all(r.created for r in results)
    assert sorted(r.message.position for r in results if r.message.conversation_id == conv.id) == list(range(1, 21))
    assert sorted(r.message.position for r in results if r.message.conversation_id == other.id) == list(range(1, 21))
    if appender is not None:  # one statement, its own transaction: SELECT * FROM parley_append(...)
        assert statements == ["SELECT"]
    else:  # one transaction in one hop; sqlite3 traces each row of an executemany: 2 conversations, 4 senders
        # (members, blocks, then the stored duplicates: WITH wanted(...) SELECT ...)
        assert statements == ["BEGIN", "SELECT", "SELECT", "WITH", "INSERT", *["UPDATE"] * 6, "COMMIT"], traced


async def test_a_copy_within_one_batch_is_stored_once(store, chat):
    alice, bob, conv = chat
    carol = await make_user(store, "carol")
    await make_friends(store, alice, carol)
    group = await store.create_group(alice.id, [bob.id, carol.id], "g")
    results = await store.append_messages(
        [
            NewMessage(conv.id, alice.id, "dup", "text", "once"),
            NewMessage(conv.id, alice.id, "dup", "text", "once"),
            NewMessage(group.id, alice.id, "dup", "text", "elsewhere"),
        ]
    )
    assert results[0].created and not results[1].created and results[1].message == results[0].message
    assert isinstance(results[2].error, Conflict)
    assert await count_messages(store) == 2  # and the group's "created" system message


async def test_the_group_size_cap_is_a_setting(store):
    owner = await make_user(store, "owner")
    friends = [await make_user(store, f"friend{i}") for i in range(3)]
    for friend in friends:
        await make_friends(store, owner, friend)
    url = store.engine.url.render_as_string(hide_password=False)  # the same database, opened with a cap
    three = await open_store(url, passwords=Passwords.fast(), migrate=False, max_group_members=3)
    try:
        with pytest.raises(Invalid, match="at most 3"):
            await three.create_group(owner.id, [f.id for f in friends])
    finally:
        await three.close()
    four = await open_store(url, passwords=Passwords.fast(), migrate=False, max_group_members=4)
    try:
        assert len((await four.create_group(owner.id, [f.id for f in friends])).member_ids) == 4
    finally:
        await four.close()


async def test_blocked_users_cannot_message_each_other(store, chat):
    alice, bob, conv = chat
    await store.block(bob.id, alice.id)
    with pytest.raises(Blocked):
        await store.append_message(conv.id, alice.id, "c1", "text", "hi")


async def test_batched_append_returns_results_in_order(store, chat):
    alice, bob, conv = chat
    results = await store.append_messages(
        [
            NewMessage(conv.id, alice.id, "b1", "text", "one"),
            NewMessage(conv.id, alice.id, "b2", "text", ""),
            NewMessage(conv.id, bob.id, "b1", "text", "two"),
            NewMessage(conv.id, alice.id, "b1", "text", "one"),
            NewMessage(conv.id + 99, alice.id, "b3", "text", "lost"),
        ]
    )
    assert [r.message.position if r.message else None for r in results] == [1, None, 2, 1, None]
    assert [r.created for r in results] == [True, False, True, False, False]
    assert isinstance(results[1].error, Invalid) and isinstance(results[4].error, NotMember)
    assert await count_messages(store) == 2


async def test_history_pages_newest_first_with_cursor(store, chat):
    alice, bob, conv = chat
    for i in range(1, 8):
        await store.append_message(conv.id, alice.id, f"c{i}", "text", f"m{i}")
    page = await store.history(conv.id, bob.id, limit=3)
    assert [m.position for m in page.messages] == [7, 6, 5] and page.next_before == 5
    page = await store.history(conv.id, bob.id, before_position=page.next_before, limit=3)
    assert [m.position for m in page.messages] == [4, 3, 2] and page.next_before == 2
    page = await store.history(conv.id, bob.id, before_position=page.next_before, limit=3)
    assert [m.position for m in page.messages] == [1] and page.next_before is None
    with pytest.raises(Invalid):
        await store.history(conv.id, bob.id, limit=0)


async def test_messages_after_catches_up_in_order(store, chat):
    alice, bob, conv = chat
    for i in range(1, 6):
        await store.append_message(conv.id, alice.id, f"c{i}", "text", f"m{i}")
    assert [m.position for m in await store.messages_after(conv.id, bob.id, 2)] == [3, 4, 5]
    assert [m.position for m in await store.messages_after(conv.id, bob.id, 0, limit=2)] == [1, 2]
    assert await store.messages_after(conv.id, bob.id, 5) == ()


async def test_read_position_is_monotonic_and_clamped(store, chat):
    alice, bob, conv = chat
    for i in range(1, 4):
        await store.append_message(conv.id, alice.id, f"c{i}", "text", f"m{i}")
    assert await store.set_read_position(conv.id, bob.id, 2) == 2
    assert await store.set_read_position(conv.id, bob.id, 1) == 2
    assert await store.set_read_position(conv.id, bob.id, 99) == 3
    assert (await store.get_conversation(conv.id, bob.id)).read_position == 3
    with pytest.raises(Invalid):
        await store.set_read_position(conv.id, bob.id, -1)
