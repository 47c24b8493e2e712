"""Friendships: requests, accept/decline, remove, block."""

from __future__ import annotations

import pytest

from server.store import Blocked, Conflict, Forbidden, Invalid, NotFound, NotFriend
from tests.support.store_data import make_friends, make_user

pytestmark = pytest.mark.anyio


@pytest.fixture
async def people(store):
    return [await make_user(store, name) for name in ("alice", "bob", "carol")]


async def test_request_then_accept_makes_friends_both_ways(store, people):
    alice, bob, _ = people
    assert await store.request(alice.id, "Bob") == "pending"
    assert await store.request(alice.id, "bob") == "pending"  # idempotent
    requests = await store.list_requests(bob.id)
    assert [u.username for u in requests.incoming] == ["alice"] and requests.outgoing == ()
    assert [u.username for u in (await store.list_requests(alice.id)).outgoing] == ["bob"]
    assert not await store.are_friends(alice.id, bob.id)
    await store.accept(bob.id, alice.id)
    assert await store.are_friends(alice.id, bob.id) and await store.are_friends(bob.id, alice.id)
    assert await store.friend_ids(alice.id) == {bob.id}
    assert [u.username for u in await store.list_friends(bob.id)] == ["alice"]
    assert (await store.list_requests(bob.id)).incoming == ()
    with pytest.raises(Conflict):
        await store.request(alice.id, "bob")


async def test_crossed_requests_become_a_friendship(store, people):
    alice, bob, _ = people
    await store.request(alice.id, "bob")
    assert await store.request(bob.id, "alice") == "accepted"
    assert await store.are_friends(alice.id, bob.id)


async def test_request_rules(store, people):
    alice, _, _ = people
    with pytest.raises(NotFound):
        await store.request(alice.id, "nobody")
    with pytest.raises(NotFound):
        await store.request(alice.id, "bad\x00name")
    with pytest.raises(Invalid):
        await store.request(alice.id, "alice")


async def test_accept_and_decline_need_a_pending_request(store, people):
    alice, bob, carol = people
    with pytest.raises(NotFound):
        await store.accept(bob.id, alice.id)
    await store.request(alice.id, "bob")
    with pytest.raises(NotFound):
        await store.accept(alice.id, bob.id)  # only the receiver accepts
    await store.decline(bob.id, alice.id)
    assert await store.list_requests(bob.id) == await store.list_requests(carol.id)
    with pytest.raises(NotFound):
        await store.decline(bob.id, alice.id)


async def test_remove_ends_friendship_for_both(store, people):
    alice, bob, _ = people
    await make_friends(store, alice, bob)
    await store.remove(bob.id, alice.id)
    assert not await store.are_friends(alice.id, bob.id)
    assert await store.friend_ids(alice.id) == set()
    with pytest.raises(NotFound):
        await store.remove(bob.id, alice.id)


async def test_block_ends_friendship_and_stops_requests_and_conversations(store, people):
    alice, bob, _ = people
    await make_friends(store, alice, bob)
    await store.block(bob.id, alice.id)
    await store.block(bob.id, alice.id)  # idempotent
    assert not await store.are_friends(alice.id, bob.id)
    assert await store.is_blocked(alice.id, bob.id)
    assert [u.username for u in await store.list_blocked(bob.id)] == ["alice"]
    with pytest.raises(Forbidden, match="does not take friend requests"):  # the same answer as any refusal
        await store.request(alice.id, "bob")
    with pytest.raises(Forbidden, match="does not take friend requests"):
        await store.request(bob.id, "alice")
    with pytest.raises(Blocked):
        await store.open_direct(alice.id, bob.id)
    await store.unblock(bob.id, alice.id)
    assert not await store.is_blocked(alice.id, bob.id)
    with pytest.raises(NotFriend):
        await store.open_direct(alice.id, bob.id)
    with pytest.raises(NotFound):
        await store.unblock(bob.id, alice.id)


async def test_blocking_unknown_user_or_yourself(store, people):
    alice, _, _ = people
    with pytest.raises(NotFound):
        await store.block(alice.id, 987654)
    with pytest.raises(Invalid):
        await store.block(alice.id, alice.id)
