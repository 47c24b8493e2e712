"""Conversations: direct between friends (idempotent), groups of friends (max 50), membership."""

from __future__ import annotations

import pytest

from server.store import Invalid, NotFriend, NotMember
from tests.support.store_data import make_friends, make_user

pytestmark = pytest.mark.anyio


@pytest.fixture
async def people(store):
    alice, bob, carol, dave = [await make_user(store, n) for n in ("alice", "bob", "carol", "dave")]
    await make_friends(store, alice, bob)
    await make_friends(store, alice, carol)
    return alice, bob, carol, dave


async def test_open_direct_is_idempotent_and_symmetric(store, people):
    alice, bob, _, _ = people
    first = await store.open_direct(alice.id, bob.id)
    assert first.kind == "direct" and first.member_ids == tuple(sorted((alice.id, bob.id)))
    assert (await store.open_direct(bob.id, alice.id)).id == first.id
    assert (await store.open_direct(alice.id, bob.id)).id == first.id
    assert len(await store.list_conversations(alice.id)) == 1


async def test_open_direct_needs_friendship(store, people):
    alice, _, _, dave = people
    with pytest.raises(NotFriend):
        await store.open_direct(alice.id, dave.id)
    with pytest.raises(Invalid):
        await store.open_direct(alice.id, alice.id)


async def test_create_group_of_friends(store, people):
    alice, bob, carol, dave = people
    group = await store.create_group(alice.id, [bob.id, carol.id, bob.id], "  Team   one ")
    assert group.kind == "group" and group.title == "Team one"
    assert group.member_ids == tuple(sorted((alice.id, bob.id, carol.id)))
    assert await store.member_ids(group.id) == group.member_ids
    with pytest.raises(NotFriend):
        await store.create_group(alice.id, [bob.id, dave.id], "x")
    with pytest.raises(Invalid):
        await store.create_group(alice.id, [alice.id], "alone")
    with pytest.raises(Invalid):
        await store.create_group(alice.id, [bob.id], "t" * 129)


async def test_groups_have_at_most_50_members(store, people):
    alice = people[0]
    friends = []
    for i in range(50):
        friend = await make_user(store, f"friend{i:02d}")
        await make_friends(store, alice, friend)
        friends.append(friend.id)
    with pytest.raises(Invalid):
        await store.create_group(alice.id, friends, "too many")
    group = await store.create_group(alice.id, friends[:49], "just right")
    assert len(group.member_ids) == 50


async def test_non_members_get_the_same_error_as_for_missing_ids(store, people):
    alice, bob, _, dave = people
    conv = await store.open_direct(alice.id, bob.id)
    with pytest.raises(NotMember) as hidden:
        await store.get_conversation(conv.id, dave.id)
    with pytest.raises(NotMember) as missing:
        await store.get_conversation(conv.id + 1000, dave.id)
    assert (hidden.value.code, hidden.value.message) == (missing.value.code, missing.value.message)
    for call in (
        store.history(conv.id, dave.id),
        store.messages_after(conv.id, dave.id, 0),
        store.set_read_position(conv.id, dave.id, 1),
        store.append_message(conv.id, dave.id, "c", "text", "hi"),
    ):
        with pytest.raises(NotMember):
            await call


async def test_list_conversations_has_last_message_and_unread_count(store, people):
    alice, bob, carol, _ = people
    direct = await store.open_direct(alice.id, bob.id)
    group = await store.create_group(alice.id, [bob.id, carol.id], "g")
    for i in range(3):
        await store.append_message(direct.id, alice.id, f"d{i}", "text", f"direct {i}")
    await store.append_message(group.id, carol.id, "g0", "text", "group hello")
    listed = await store.list_conversations(bob.id)
    assert [c.id for c in listed] == [group.id, direct.id]  # most recent first
    by_id = {c.id: c for c in listed}
    assert by_id[direct.id].unread == 3 and by_id[direct.id].last_message.text == "direct 2"
    assert by_id[group.id].last_message.sender_id == carol.id
    await store.set_read_position(direct.id, bob.id, 2)
    assert (await store.get_conversation(direct.id, bob.id)).unread == 1
    assert [c.id for c in await store.list_conversations(people[3].id)] == []
