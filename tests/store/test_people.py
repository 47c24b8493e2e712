"""People: each side's view of a relation, the friend operations' changes, the requests rules, find and
invites, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from server.store import Conflict, Forbidden, Invalid, LimitReached, NotFound, tables
from server.store.invites import MAX_LIVE_INVITES
from tests.support.store_data import make_friends, make_user

pytestmark = pytest.mark.anyio


@pytest.fixture
async def people(store):
    return [await make_user(store, name) for name in ("alice", "bob", "carol", "dave")]


async def views(store, a, b):
    return await store.relation_with(a.id, b.id), await store.relation_with(b.id, a.id)


async def test_each_operation_reports_both_views_before_and_after(store, people):
    alice, bob, _, _ = people
    change = await store.friend_change(alice.id, "request", username="@Bob")
    assert (change.actor_before, change.actor_after, change.other_before, change.other_after) == (
        "none", "outgoing", "none", "incoming",
    )
    assert [(told.id, about.id, rel) for told, about, rel in change.views] == [
        (alice.id, bob.id, "outgoing"), (bob.id, alice.id, "incoming"),
    ]
    assert not change.friendship_changed
    change = await store.friend_change(bob.id, "accept", user=alice.id)
    assert (change.actor_after, change.other_after) == ("friends", "friends") and change.friendship_changed
    change = await store.friend_change(alice.id, "remove", user=bob.id)
    assert (change.actor_after, change.other_after) == ("none", "none") and change.friendship_changed
    await store.friend_change(alice.id, "request", user=bob.id)
    change = await store.friend_change(alice.id, "cancel", user=bob.id)
    assert await views(store, alice, bob) == ("none", "none") and change.other_before == "incoming"
    await store.friend_change(alice.id, "request", user=bob.id)
    await store.friend_change(bob.id, "decline", user=alice.id)
    assert await views(store, alice, bob) == ("none", "none")


async def test_a_crossed_request_makes_friends_and_a_repeated_one_changes_nothing(store, people):
    alice, bob, _, _ = people
    await store.friend_change(alice.id, "request", user=bob.id)
    again = await store.friend_change(alice.id, "request", user=bob.id)
    assert again.views == ()
    change = await store.friend_change(bob.id, "request", user=alice.id)
    assert (change.actor_after, change.other_after) == ("friends", "friends")
    with pytest.raises(Conflict):
        await store.friend_change(alice.id, "request", user=bob.id)


async def test_operations_that_do_not_apply_are_refused(store, people):
    alice, bob, _, _ = people
    for op in ("accept", "decline", "cancel", "remove", "unblock"):
        with pytest.raises(NotFound):
            await store.friend_change(alice.id, op, user=bob.id)
    with pytest.raises(NotFound):
        await store.friend_change(alice.id, "request", username="nobody_here")
    with pytest.raises(NotFound):
        await store.friend_change(alice.id, "block", user=987654)
    with pytest.raises(Invalid):
        await store.friend_change(alice.id, "request", user=alice.id)
    with pytest.raises(Invalid):
        await store.friend_change(alice.id, "poke", user=bob.id)


async def test_a_block_ends_everything_and_the_blocked_person_sees_none(store, people):
    alice, bob, _, _ = people
    await make_friends(store, alice, bob)
    change = await store.friend_change(alice.id, "block", user=bob.id)
    assert (change.actor_after, change.other_after) == ("blocked", "none") and change.friendship_changed
    assert not await store.are_friends(alice.id, bob.id)
    for asker, target in ((bob, alice), (alice, bob)):
        with pytest.raises(Forbidden) as refused:
            await store.friend_change(asker.id, "request", user=target.id)
        assert str(refused.value) == "this person does not take friend requests from you"
    change = await store.friend_change(alice.id, "unblock", user=bob.id)
    assert (change.actor_before, change.actor_after) == ("blocked", "none")
    assert [told.id for told, _, _ in change.views] == [alice.id]  # bob's view stayed "none": he is not told


async def test_a_block_while_pending_is_not_told_to_the_blocked_person_as_a_block(store, people):
    alice, bob, _, _ = people
    await store.friend_change(bob.id, "request", user=alice.id)
    change = await store.friend_change(alice.id, "block", user=bob.id)
    assert (change.other_before, change.other_after) == ("outgoing", "none")  # as if declined


async def test_requests_rules_answer_alike_for_every_reason(store, people):
    alice, bob, carol, dave = people
    await store.update_settings(bob.id, requests="nobody")
    with pytest.raises(Forbidden, match="does not take friend requests") as nobody:
        await store.friend_change(alice.id, "request", user=bob.id)
    await store.update_settings(bob.id, requests="friends_of_friends")
    with pytest.raises(Forbidden) as stranger:
        await store.friend_change(alice.id, "request", user=bob.id)
    await store.friend_change(carol.id, "block", user=dave.id)
    with pytest.raises(Forbidden) as blocked:
        await store.friend_change(dave.id, "request", user=carol.id)
    assert str(nobody.value) == str(stranger.value) == str(blocked.value)
    assert type(nobody.value) is type(blocked.value)
    await make_friends(store, alice, carol)
    await make_friends(store, bob, carol)  # carol: a friend of both
    change = await store.friend_change(alice.id, "request", user=bob.id)
    assert change.actor_after == "outgoing"
    await store.update_settings(alice.id, requests="nobody")
    # bob's request to alice meets hers: they asked, so it is accepted whatever her choice
    assert (await store.friend_change(bob.id, "request", user=alice.id)).actor_after == "friends"


async def test_find_matches_starts_ranks_and_hides(store, people):
    alice, bob, carol, dave = people
    extra = [await store.create_user(f"bobby{i}", f"Robert Number{i}", "password-1") for i in range(12)]
    await store.create_user("rob", "Bob Marley", "password-1")
    found = await store.find_people(alice.id, "BOB")
    names = [p.user.username for p in found]
    assert len(found) == 10 and names[0] == "bob"  # the exact username first
    assert names[1:] == sorted(names[1:]) and all(n.startswith("bobby") for n in names[1:])
    assert all(p.rel == "none" for p in found)
    by_name = [p.user.username for p in await store.find_people(alice.id, "marley")]
    assert by_name == ["rob"]
    assert [p.user.username for p in await store.find_people(alice.id, "robert number1")][:1] == ["bobby1"]
    assert await store.find_people(alice.id, "alice") == []  # never yourself
    await make_friends(store, alice, carol)
    assert [(p.user.username, p.rel) for p in await store.find_people(alice.id, "carol")] == [("carol", "friends")]
    await store.update_settings(dave.id, findable="nobody")
    assert await store.find_people(alice.id, "dave") == []
    await store.update_settings(dave.id, findable="everyone")
    assert [p.user.username for p in await store.find_people(alice.id, "dave")] == ["dave"]
    await store.friend_change(dave.id, "block", user=alice.id)
    assert await store.find_people(alice.id, "dave") == []  # blocked by them
    assert await store.find_people(dave.id, "alice") == []  # blocked by you
    await store.delete_user(extra[0].id)
    assert "bobby0" not in [p.user.username for p in await store.find_people(alice.id, "bobby", limit=20)]
    assert bob.id in [p.user.id for p in await store.find_people(alice.id, "bo")]


async def test_invites_create_list_revoke_accept(store, people):
    alice, bob, carol, _ = people
    invite = await store.create_invite(alice.id, "https://shop.example/p/7", None)
    assert invite.expires_at - invite.created_at == 7 * 24 * 3600 * 1000
    assert [i.id for i in await store.list_invites(alice.id)] == [invite.id]
    preview = await store.invite_preview(invite.id)
    assert (preview.inviter.username, preview.url) == ("alice", "https://shop.example/p/7")
    with pytest.raises(Invalid):
        await store.accept_invite(alice.id, invite.id)
    change = await store.accept_invite(bob.id, invite.id)
    assert (change.actor_after, change.other_after, change.other.id) == ("friends", "friends", alice.id)
    assert change.conversation_id == (await store.open_direct(alice.id, bob.id)).id
    with pytest.raises(NotFound):  # used once
        await store.accept_invite(carol.id, invite.id)
    assert await store.list_invites(alice.id) == []
    second = await store.create_invite(alice.id, "https://shop.example/", None)
    await store.revoke_invite(alice.id, second.id)
    with pytest.raises(NotFound):
        await store.invite_preview(second.id)
    with pytest.raises(NotFound):
        await store.revoke_invite(alice.id, second.id)
    with pytest.raises(NotFound):
        await store.accept_invite(carol.id, 987654)


async def test_invites_expire_stop_at_a_block_and_at_twenty_live(store, people):
    alice, bob, carol, _ = people
    invite = await store.create_invite(alice.id, "https://shop.example/", None)
    await store.friend_change(carol.id, "block", user=alice.id)
    with pytest.raises(Forbidden):
        await store.accept_invite(carol.id, invite.id)
    async with store.transaction() as conn:
        await conn.execute(update(tables.invites).where(tables.invites.c.id == invite.id).values(expires_at=1))
    with pytest.raises(NotFound):
        await store.accept_invite(bob.id, invite.id)
    made = [await store.create_invite(alice.id, f"https://shop.example/{i}", None) for i in range(MAX_LIVE_INVITES)]
    with pytest.raises(LimitReached):
        await store.create_invite(alice.id, "https://shop.example/one-more", None)
    await store.revoke_invite(alice.id, made[0].id)
    await store.create_invite(alice.id, "https://shop.example/one-more", None)


async def test_privacy_choices_are_kept_and_checked(store, people):
    alice = people[0]
    found = await store.account_settings(alice.id)
    assert (found.findable, found.requests) == ("everyone", "everyone")
    changed = await store.update_settings(alice.id, findable="nobody", requests="friends_of_friends")
    assert (changed.findable, changed.requests, changed.status) == ("nobody", "friends_of_friends", "online")
    with pytest.raises(Invalid):
        await store.update_settings(alice.id, findable="friends")
    with pytest.raises(Invalid):
        await store.update_settings(alice.id, requests="anyone")
    assert (await store.account_settings(alice.id)).requests == "friends_of_friends"
