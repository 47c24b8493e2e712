"""Groups in the store: every rule of create, rename, add, remove and leave, each change recorded by its system
message in the same transaction, positions gapless with system messages among concurrent sends."""

from __future__ import annotations

import asyncio

import pytest
from parley import protocol as P
from sqlalchemy import update

from server.passwords import Passwords
from server.store import Forbidden, Invalid, LimitReached, NotFound, NotFriend, NotMember, open_store, tables
from tests.support.store_data import make_friends, make_user

pytestmark = pytest.mark.anyio


@pytest.fixture
async def crew(store):
    """alice (friends with bob, carol, dave), bob (friends with erin), carol, dave, erin (nobody's friend but
    bob's), and alice's group with bob and carol."""
    alice, bob, carol, dave, erin = [await make_user(store, n) for n in ("alice", "bob", "carol", "dave", "erin")]
    for friend in (bob, carol, dave):
        await make_friends(store, alice, friend)
    await make_friends(store, bob, erin)
    group = await store.create_group(alice.id, [bob.id, carol.id], "  Team   one ")
    return alice, bob, carol, dave, erin, group


def checked_msg(message) -> dict:
    """The message as the protocol's msg frame, validated (a system message must be a valid frame)."""
    frame = P.message_fields(
        message.id, message.conversation_id, message.position, message.created_at, message.sender_id,
        message.kind, message.text, message.data, message.client_id,
    )
    frame["t"] = P.MSG
    return P.validate(frame, P.SERVER_FRAMES)


async def all_messages(store, conv_id, user_id):
    return await store.messages_after(conv_id, user_id, 0)


async def test_create_writes_the_created_message_first(store, crew):
    alice, bob, carol, _, _, group = crew
    assert group.title == "Team one" and group.owner == alice.id
    assert {p.username for p in group.people} == {"alice", "bob", "carol"}
    (first,) = await all_messages(store, group.id, bob.id)
    assert (first.position, first.sender_id, first.kind, first.text) == (1, alice.id, "system", "")
    assert first.data == {"event": "created", "users": sorted([bob.id, carol.id]), "title": "Team one"}
    assert first.client_id.startswith("sys:")
    assert checked_msg(first)["data"]["event"] == P.GROUP_CREATED
    assert group.read_position == 1 and group.unread == 0  # the actor has read their own change
    assert (await store.get_conversation(group.id, bob.id)).unread == 1


async def test_create_refuses_strangers_and_blocks_and_changes_nothing(store, crew):
    alice, bob, carol, dave, erin, _ = crew
    before = await store.list_conversations(alice.id)
    with pytest.raises(NotFriend):
        await store.create_group(alice.id, [bob.id, erin.id])
    await store.block(carol.id, dave.id)  # two of alice's friends: they cannot share a group
    with pytest.raises(Forbidden):
        await store.create_group(alice.id, [carol.id, dave.id])
    with pytest.raises(Invalid):
        await store.create_group(alice.id, [bob.id], "t" * 101)
    assert await store.list_conversations(alice.id) == before


async def test_any_member_renames(store, crew):
    alice, bob, _, dave, _, group = crew
    change = await store.rename_group(group.id, bob.id, " New\tname ")
    assert change.title == "New name" and change.owner == alice.id and change.gone == ()
    assert change.message.data == {"event": "renamed", "title": "New name"} and change.message.sender_id == bob.id
    assert change.message.position == 2
    cleared = await store.rename_group(group.id, alice.id, "")
    assert cleared.title is None and cleared.message.data == {"event": "renamed", "title": ""}
    assert (await store.get_conversation(group.id, bob.id)).title is None
    with pytest.raises(NotMember):
        await store.rename_group(group.id, dave.id, "not mine")
    with pytest.raises(NotMember):
        await store.rename_group(group.id + 999, alice.id, "nowhere")


async def test_members_add_their_own_friends(store, crew):
    alice, bob, carol, dave, erin, group = crew
    change = await store.add_to_group(group.id, bob.id, [erin.id])  # erin is bob's friend, not alice's
    assert change.message.data == {"event": "added", "users": [erin.id]} and change.message.sender_id == bob.id
    assert change.member_ids == tuple(sorted((alice.id, bob.id, carol.id, erin.id)))
    assert {p.username for p in change.people} >= {"erin"}
    # a new member sees the group's history from the start, the system messages included
    assert [m.position for m in await all_messages(store, group.id, erin.id)] == [1, 2]
    with pytest.raises(NotFriend):  # dave is alice's friend, not carol's
        await store.add_to_group(group.id, carol.id, [dave.id])
    with pytest.raises(Invalid):
        await store.add_to_group(group.id, alice.id, [bob.id])
    with pytest.raises(NotMember):
        await store.add_to_group(group.id, dave.id, [alice.id])
    assert (await store.get_conversation(group.id, alice.id)).last_position == 2  # refusals wrote nothing


async def test_nobody_blocked_by_a_member_is_added(store, crew):
    alice, _, carol, dave, _, group = crew
    await store.block(carol.id, dave.id)
    with pytest.raises(Forbidden):
        await store.add_to_group(group.id, alice.id, [dave.id])
    await store.unblock(carol.id, dave.id)
    await store.block(dave.id, carol.id)  # the other direction too
    with pytest.raises(Forbidden):
        await store.add_to_group(group.id, alice.id, [dave.id])
    assert dave.id not in await store.member_ids(group.id)


async def test_the_member_cap_is_a_limit(store, crew):
    alice, bob, carol, dave, _, group = crew
    url = store.engine.url.render_as_string(hide_password=False)
    three = await open_store(url, passwords=Passwords.fast(), migrate=False, max_group_members=3)
    try:
        with pytest.raises(LimitReached) as refused:
            await three.add_to_group(group.id, alice.id, [dave.id])
        assert refused.value.code == "limit"
        with pytest.raises(LimitReached):
            await three.create_group(alice.id, [bob.id, carol.id, dave.id])
    finally:
        await three.close()
    assert dave.id not in await store.member_ids(group.id)


async def test_only_the_owner_removes(store, crew):
    alice, bob, carol, dave, _, group = crew
    with pytest.raises(Forbidden):
        await store.remove_from_group(group.id, bob.id, carol.id)
    with pytest.raises(Invalid):
        await store.remove_from_group(group.id, alice.id, alice.id)
    with pytest.raises(NotFound):
        await store.remove_from_group(group.id, alice.id, dave.id)
    change = await store.remove_from_group(group.id, alice.id, carol.id)
    assert change.gone == (carol.id,) and carol.id not in change.member_ids
    assert change.message.data == {"event": "removed", "users": [carol.id]} and change.message.position == 2
    with pytest.raises(NotMember):
        await store.messages_after(group.id, carol.id, 0)
    with pytest.raises(NotMember):
        await store.append_message(group.id, carol.id, "c1", "text", "still here?")
    assert await store.last_positions(carol.id, [group.id]) == {}  # resume: resync gone


async def test_owner_leaving_passes_the_group_to_the_earliest_member(store, crew):
    alice, bob, carol, dave, _, group = crew
    await store.add_to_group(group.id, alice.id, [dave.id])
    async with store.transaction() as conn:  # carol joined before bob
        m = tables.members
        mine = (m.c.conversation_id == group.id) & (m.c.user_id == carol.id)
        await conn.execute(update(m).where(mine).values(joined_at=1))
    change = await store.leave_group(group.id, alice.id)
    assert change.owner == carol.id and change.gone == (alice.id,)
    assert change.message.data == {"event": "left"} and change.message.sender_id == alice.id
    assert (await store.get_conversation(group.id, bob.id)).owner == carol.id
    with pytest.raises(Forbidden):  # alice's rights went with her
        await store.remove_from_group(group.id, bob.id, dave.id)
    await store.remove_from_group(group.id, carol.id, dave.id)
    plain = await store.leave_group(group.id, bob.id)  # not the owner: ownership stays
    assert plain.owner == carol.id and plain.member_ids == (carol.id,)


async def test_direct_conversations_refuse_group_operations(store, crew):
    alice, bob, _, dave, _, _ = crew
    direct = await store.open_direct(alice.id, bob.id)
    for call in (
        store.rename_group(direct.id, alice.id, "x"),
        store.add_to_group(direct.id, alice.id, [dave.id]),
        store.remove_from_group(direct.id, alice.id, bob.id),
        store.leave_group(direct.id, alice.id),
    ):
        with pytest.raises(Invalid, match="direct"):
            await call
    assert (await store.get_conversation(direct.id, alice.id)).member_ids == tuple(sorted((alice.id, bob.id)))


async def test_positions_stay_gapless_with_changes_among_concurrent_sends(store, crew):
    alice, bob, carol, dave, _, group = crew
    sends = [store.append_message(group.id, sender.id, f"m{i}", "text", f"hi {i}")
             for i, sender in enumerate([alice, bob, carol] * 10)]
    changes = [store.rename_group(group.id, bob.id, f"name {i}") for i in range(5)]
    changes += [store.add_to_group(group.id, alice.id, [dave.id])]
    await asyncio.gather(*sends, *changes)
    found = await all_messages(store, group.id, alice.id)
    assert [m.position for m in found] == list(range(1, 38))  # created + 30 sends + 5 renames + 1 add
    assert sum(m.kind == "system" for m in found) == 7
    assert (await store.get_conversation(group.id, alice.id)).last_position == 37
    for message in found:
        checked_msg(message)


async def test_export_includes_the_users_system_messages(store, crew):
    _, bob, _, _, _, group = crew
    await store.rename_group(group.id, bob.id, "Bob's")
    exported = await store.export_user(bob.id)
    assert [(m["kind"], m["data"]["event"]) for m in exported["messages"]] == [("system", "renamed")]
