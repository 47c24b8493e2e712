"""Edits, deletions, reactions and replies in the store (SQLite and PostgreSQL): the rules, the change numbers
a client resumes from, deleted text really gone (history, export, the database row), replies quoted."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from server.store import Forbidden, Invalid, NotFound, NotMember, tables
from server.store.message_changes import EDIT_WINDOW_MS
from tests.support.store_data import make_friends, make_user

pytestmark = pytest.mark.anyio


@pytest.fixture
async def chat(store):
    """alice and bob's direct conversation with two messages (alice: "hello", bob: "hi there"), and carol
    outside it."""
    alice, bob, carol = [await make_user(store, n) for n in ("alice", "bob", "carol")]
    await make_friends(store, alice, bob)
    conv = await store.open_direct(alice.id, bob.id)
    first, _ = await store.append_message(conv.id, alice.id, "c1", "text", "hello")
    second, _ = await store.append_message(conv.id, bob.id, "c2", "text", "hi there")
    return alice, bob, carol, conv.id, first, second


async def test_edit_changes_text_marks_edited_and_numbers_the_change(store, chat):
    alice, bob, _, conv, first, _ = chat
    edited = await store.edit_message(conv, alice.id, first.id, "  hello, Bob  ")
    assert (edited.text, edited.change) == ("hello, Bob", 1) and edited.edited_at is not None
    (seen, _) = (await store.messages_after(conv, bob.id, 0))
    assert seen.text == "hello, Bob" and seen.edited_at == edited.edited_at and seen.change == 1
    assert (await store.history(conv, bob.id)).last_change == 1
    assert await store.last_changes(bob.id, [conv]) == {conv: 1}


async def test_bad_edits_change_nothing(store, chat):
    alice, bob, carol, conv, first, second = chat
    with pytest.raises(Forbidden):
        await store.edit_message(conv, alice.id, second.id, "not mine")
    with pytest.raises(NotMember):
        await store.edit_message(conv, carol.id, first.id, "not my conversation")
    with pytest.raises(NotFound):
        await store.edit_message(conv, alice.id, 999_999, "no such message")
    with pytest.raises(Invalid):
        await store.edit_message(conv, alice.id, first.id, "   ")
    with pytest.raises(Forbidden):
        await store.edit_message(conv, alice.id, first.id, "too late", now=first.created_at + EDIT_WINDOW_MS + 1)
    other = await store.open_direct(alice.id, (await make_friends_with(store, alice, "dave")).id)
    with pytest.raises(NotFound):  # a message of another conversation
        await store.edit_message(other.id, alice.id, first.id, "elsewhere")
    assert [m.text for m in await store.messages_after(conv, bob.id, 0)] == ["hello", "hi there"]
    assert await store.last_changes(alice.id, [conv]) == {conv: 0}


async def make_friends_with(store, user, name):
    other = await make_user(store, name)
    await make_friends(store, user, other)
    return other


async def test_delete_removes_text_data_and_reactions_for_good(store, chat):
    alice, bob, _, conv, first, _ = chat
    share, _ = await store.append_message(conv, alice.id, "c3", "share", "look", {"url": "https://a.example/x"})
    await store.react(conv, bob.id, share.id, "👍")
    gone = await store.delete_message(conv, alice.id, share.id)
    assert gone is not None and gone.deleted_at is not None and (gone.text, gone.data, gone.reactions) == ("", None, ())
    assert gone.change == 2
    assert await store.delete_message(conv, alice.id, share.id) is None  # already deleted: no new change
    with pytest.raises(Forbidden):
        await store.delete_message(conv, bob.id, first.id)
    with pytest.raises(NotFound):
        await store.edit_message(conv, alice.id, share.id, "back")
    with pytest.raises(NotFound):
        await store.react(conv, bob.id, share.id, "❤️")
    async with store.transaction() as conn:
        row = (await conn.execute(select(tables.messages).where(tables.messages.c.id == share.id))).mappings().one()
        left = (await conn.execute(select(tables.reactions).where(tables.reactions.c.message_id == share.id))).all()
    assert (row["text"], row["data"], left) == ("", None, [])
    exported = await store.export_user(alice.id)
    assert [m["text"] for m in exported["messages"]] == ["hello"]


async def test_reactions_toggle_and_count_per_emoji(store, chat):
    alice, bob, carol, conv, first, _ = chat
    assert (await store.react(conv, bob.id, first.id, "❤️")).reactions[0].users == (bob.id,)
    both = await store.react(conv, alice.id, first.id, "❤️")
    assert [(x.emoji, x.users) for x in both.reactions] == [("❤️", (bob.id, alice.id))]
    assert await store.react(conv, alice.id, first.id, "❤️") is None  # already there: nothing changes
    laugh = await store.react(conv, bob.id, first.id, "😂")
    assert [x.emoji for x in laugh.reactions] == ["❤️", "😂"]
    undone = await store.react(conv, bob.id, first.id, "❤️", on=False)
    assert [(x.emoji, x.users) for x in undone.reactions] == [("❤️", (alice.id,)), ("😂", (bob.id,))]
    assert await store.react(conv, bob.id, first.id, "❤️", on=False) is None
    with pytest.raises(Invalid):
        await store.react(conv, bob.id, first.id, "🍕")
    with pytest.raises(NotMember):
        await store.react(conv, carol.id, first.id, "👍")
    with pytest.raises(NotFound):
        await store.react(conv, bob.id, 999_999, "👍")
    (held, _) = (await store.history(conv, alice.id)).messages[::-1]
    assert [(x.emoji, x.users) for x in held.reactions] == [("❤️", (alice.id,)), ("😂", (bob.id,))]


async def test_changed_after_gives_current_state_in_change_order(store, chat):
    alice, bob, _, conv, first, second = chat
    await store.edit_message(conv, alice.id, first.id, "one")  # 1
    await store.react(conv, alice.id, second.id, "🙏")  # 2
    await store.edit_message(conv, alice.id, first.id, "two")  # 3
    changed = await store.changed_after(conv, bob.id, 0)
    assert [(m.id, m.change) for m in changed] == [(second.id, 2), (first.id, 3)]
    assert changed[1].text == "two" and changed[0].reactions[0].emoji == "🙏"
    assert [m.id for m in await store.changed_after(conv, bob.id, 2)] == [first.id]
    assert await store.changed_after(conv, bob.id, 3) == ()


async def test_concurrent_changes_take_distinct_gapless_numbers(store, chat):
    alice, bob, _, conv, first, second = chat
    emojis = ["👍", "❤️", "😂", "😮", "😢", "🙏"]
    done = await asyncio.gather(*(store.react(conv, user, mid, e) for e in emojis
                                  for user, mid in ((alice.id, second.id), (bob.id, first.id))))
    assert sorted(m.change for m in done) == list(range(1, 13))
    assert await store.last_changes(bob.id, [conv]) == {conv: 12}


async def test_replies_quote_their_original(store, chat):
    alice, bob, carol, conv, first, _ = chat
    await store.check_reply_target(conv, bob.id, first.id)
    reply, _ = await store.append_message(conv, bob.id, "r1", "text", "yes!", {"reply_to": first.id})
    assert reply.reply_to == first.id and reply.data is None
    held = (await store.messages_after(conv, alice.id, reply.position - 1))[0]
    assert held.reply is not None and (held.reply.id, held.reply.text, held.reply.sender_id) == (
        first.id, "hello", alice.id)
    await store.delete_message(conv, alice.id, first.id)
    held = (await store.messages_after(conv, alice.id, reply.position - 1))[0]
    assert held.reply is not None and held.reply.deleted and held.reply.text == ""
    other = await store.open_direct(alice.id, (await make_friends_with(store, alice, "erin")).id)
    with pytest.raises(NotFound):
        await store.check_reply_target(other.id, alice.id, first.id)
    with pytest.raises(NotMember):
        await store.check_reply_target(conv, carol.id, first.id)
    with pytest.raises(Invalid):
        await store.append_message(conv, bob.id, "r2", "text", "x", {"reply_to": "1"})


async def test_export_has_current_text_edit_time_and_replies(store, chat):
    alice, _, _, conv, first, _ = chat
    await store.edit_message(conv, alice.id, first.id, "hello again")
    await store.append_message(conv, alice.id, "r3", "text", "me too", {"reply_to": first.id})
    exported = (await store.export_user(alice.id))["messages"]
    assert [(m["text"], m["reply_to"], m["edited_at"] is not None) for m in exported] == [
        ("hello again", None, True), ("me too", first.id, False)]


async def test_the_demo_club_shows_every_kind_of_change_once(store, chat):
    from server.demo_messages import CLUB, seed_club

    alice, bob, _, _, _, _ = chat
    await seed_club(store, alice.id, bob.id)
    await seed_club(store, alice.id, bob.id)  # a second start of the demo adds nothing
    (club,) = [c for c in await store.list_conversations(alice.id) if c.title == CLUB]
    assert club.unread == 0 and (await store.get_conversation(club.id, bob.id)).unread == 0
    shown = await store.messages_after(club.id, bob.id, 0)
    edited, deleted, reply = shown[1:]
    assert edited.edited_at and edited.text.startswith("Next read") and edited.reactions
    assert deleted.deleted_at and deleted.text == ""
    assert reply.reply is not None and reply.reply.id == edited.id and len(reply.reactions) == 2
