"""Message search on SQLite and PostgreSQL: only the searcher's conversations (now), newest first, prefixes,
phrases, diacritics, query syntax taken as text, pagination, the index kept on edits and deletes."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from server.store.errors import Invalid
from tests.support.store_data import make_friends, make_user

pytestmark = pytest.mark.anyio


async def _users(store):
    alice = await make_user(store, "alice")
    bob = await make_user(store, "bob")
    carol = await make_user(store, "carol")
    await make_friends(store, alice, bob)
    await make_friends(store, alice, carol)
    await make_friends(store, bob, carol)
    return alice, bob, carol


async def _say(store, conv, user, words, cid=None):
    cid = cid or f"c{abs(hash((conv, user, words))) % 10**12}"
    message, _ = await store.append_message(conv, user, cid, "text", words)
    return message


def _texts(page):
    return [hit.snippet for hit in page.hits]


async def test_finds_only_own_conversations_newest_first(store):
    alice, bob, carol = await _users(store)
    ab = await store.open_direct(alice.id, bob.id)
    bc = await store.open_direct(bob.id, carol.id)
    first = await _say(store, ab.id, alice.id, "the blue bicycle is here")
    await _say(store, bc.id, bob.id, "a blue secret between bob and carol")
    second = await _say(store, ab.id, bob.id, "Blue again, newer")
    page = await store.search_messages(alice.id, "blue")
    assert [hit.message_id for hit in page.hits] == [second.id, first.id]
    hit = page.hits[1]
    assert (hit.conversation_id, hit.position, hit.sender_id, hit.created_at) == (ab.id, 1, alice.id,
                                                                                  first.created_at)
    assert hit.snippet == "the blue bicycle is here" and hit.marks == ((4, 8),)
    assert page.next_before is None
    carols = await store.search_messages(carol.id, "blue")
    assert _texts(carols) == ["a blue secret between bob and carol"]


async def test_a_group_left_is_no_longer_searched(store):
    alice, bob, carol = await _users(store)
    group = (await store.create_group(alice.id, [bob.id, carol.id], "trip")).id
    await _say(store, group, alice.id, "meet at the harbour")
    assert len((await store.search_messages(carol.id, "harbour")).hits) == 1
    await store.leave_group(group, carol.id)
    assert (await store.search_messages(carol.id, "harbour")).hits == ()
    assert len((await store.search_messages(bob.id, "harbour")).hits) == 1


async def test_prefix_of_the_last_word_and_phrases(store):
    alice, bob, _ = await _users(store)
    ab = await store.open_direct(alice.id, bob.id)
    await _say(store, ab.id, alice.id, "see you tomorrow at noon")
    await _say(store, ab.id, bob.id, "noon at tomorrow see")
    assert len((await store.search_messages(alice.id, "tomor")).hits) == 2
    assert (await store.search_messages(alice.id, '"tomor"')).hits == ()  # a quoted word is whole
    assert len((await store.search_messages(alice.id, "see tom")).hits) == 2
    phrase = await store.search_messages(alice.id, '"tomorrow at noon"')
    assert _texts(phrase) == ["see you tomorrow at noon"]
    assert phrase.hits[0].marks == ((8, 16), (17, 19), (20, 24))
    assert (await store.search_messages(alice.id, "t")).hits == ()  # one letter: whole words only


async def test_case_and_diacritics_are_folded(store):
    alice, bob, _ = await _users(store)
    ab = await store.open_direct(alice.id, bob.id)
    await _say(store, ab.id, alice.id, "Un CAFÉ crème à Zürich")
    for query in ("cafe", "café", "CREME", "zurich", "Zür"):
        page = await store.search_messages(alice.id, query)
        assert _texts(page) == ["Un CAFÉ crème à Zürich"], query
    assert (await store.search_messages(alice.id, "zurich")).hits[0].marks == ((16, 22),)


@pytest.mark.parametrize(
    "query",
    ['"', "'", "a' OR 'b", 'x" OR "y', "NEAR(a b)", "col:blue", "blue*", "^blue", "-blue", "blue AND",
     "(blue", "blue | red & !green", "blue:*", "a\\b", "{blue}", "blue <-> red", "'blue' & 'red'"],
)
async def test_query_syntax_is_text(store, query):
    alice, bob, _ = await _users(store)
    ab = await store.open_direct(alice.id, bob.id)
    await _say(store, ab.id, alice.id, "blue and red and green")
    page = await store.search_messages(alice.id, query)  # never a syntax error: words or nothing
    for hit in page.hits:
        assert hit.snippet == "blue and red and green"


async def test_punctuation_separates_words_on_both(store):
    alice, bob, _ = await _users(store)
    ab = await store.open_direct(alice.id, bob.id)
    await _say(store, ab.id, alice.id, "read https://docs.example.com/guide-two.html now")
    for query in ("example", "guide", "docs.example.com", "guide-two"):
        assert len((await store.search_messages(alice.id, query)).hits) == 1, query


async def test_shares_are_found_by_title_and_comment_not_url(store):
    alice, bob, _ = await _users(store)
    ab = await store.open_direct(alice.id, bob.id)
    data = {"url": "https://shop.example/p/zebra", "title": "Red shoes", "description": "leather"}
    await store.append_message(ab.id, alice.id, "s1", "share", "look at these", data)
    assert _texts(await store.search_messages(bob.id, "shoes")) == ["Red shoes — look at these"]
    assert len((await store.search_messages(bob.id, "look")).hits) == 1
    assert (await store.search_messages(bob.id, "leather")).hits == ()
    assert (await store.search_messages(bob.id, "zebra")).hits == ()


async def test_pagination_by_cursor(store):
    alice, bob, _ = await _users(store)
    ab = await store.open_direct(alice.id, bob.id)
    ids = [(await _say(store, ab.id, alice.id, f"page word {i}", f"p{i}")).id for i in range(7)]
    first = await store.search_messages(alice.id, "word", limit=3)
    assert [h.message_id for h in first.hits] == ids[::-1][:3] and first.next_before == ids[4]
    second = await store.search_messages(alice.id, "word", limit=3, before=first.next_before)
    assert [h.message_id for h in second.hits] == ids[::-1][3:6]
    last = await store.search_messages(alice.id, "word", limit=3, before=second.next_before)
    assert [h.message_id for h in last.hits] == [ids[0]] and last.next_before is None


@pytest.mark.parametrize(("query", "kwargs"), [("", {}), ("   ", {}), ("x" * 201, {}), ("ok", {"limit": 0}),
                                               ("ok", {"limit": 51}), ("ok", {"before": 0})])
async def test_bad_input_is_refused(store, query, kwargs):
    alice, _, _ = await _users(store)
    with pytest.raises(Invalid):
        await store.search_messages(alice.id, query, **kwargs)


async def test_snippet_of_a_long_message_is_around_the_match(store):
    alice, bob, _ = await _users(store)
    ab = await store.open_direct(alice.id, bob.id)
    long = " ".join(["filler"] * 60) + " needle " + " ".join(["after"] * 60)
    await _say(store, ab.id, alice.id, long)
    (hit,) = (await store.search_messages(alice.id, "needle")).hits
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…") and len(hit.snippet) <= 142
    (start, end), = hit.marks
    assert hit.snippet[start:end] == "needle"


async def test_reindex_after_an_edit_and_unindex(store):
    alice, bob, _ = await _users(store)
    ab = await store.open_direct(alice.id, bob.id)
    message = await _say(store, ab.id, alice.id, "original words")
    async with store.transaction() as conn:
        await conn.execute(text("UPDATE messages SET text = 'edited phrase' WHERE id = :id"), {"id": message.id})
    await store.reindex_message(message.id)
    assert (await store.search_messages(alice.id, "original")).hits == ()
    assert _texts(await store.search_messages(alice.id, "edited")) == ["edited phrase"]
    async with store.transaction() as conn:
        await conn.execute(text("UPDATE messages SET text = '' WHERE id = :id"), {"id": message.id})
    await store.unindex_message(message.id)
    assert (await store.search_messages(alice.id, "edited")).hits == ()


async def test_a_deleted_message_leaves_the_index(store):
    alice, bob, _ = await _users(store)
    ab = await store.open_direct(alice.id, bob.id)
    message = await _say(store, ab.id, alice.id, "ephemeral note")
    async with store.transaction() as conn:
        await conn.execute(text("DELETE FROM messages WHERE id = :id"), {"id": message.id})
    assert (await store.search_messages(alice.id, "ephemeral")).hits == ()
    if store.is_sqlite:
        async with store.engine.connect() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM message_search WHERE rowid = :id"),
                                     {"id": message.id}) == 0
