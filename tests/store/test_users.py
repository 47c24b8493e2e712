"""Accounts: creation rules, authentication, password changes, deletion and export."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from server.store import Invalid, UsernameTaken, WrongPassword, tables
from tests.support.store_data import make_friends, make_user

pytestmark = pytest.mark.anyio


async def test_create_user_normalizes_username_and_hashes_password(store):
    user = await store.create_user("  Alice.B-1 ", "Alice  B", "password-1")
    assert (user.username, user.display_name) == ("alice.b-1", "Alice B")
    async with store.engine.connect() as conn:
        stored = await conn.scalar(select(tables.users.c.password_hash).where(tables.users.c.id == user.id))
    assert stored.startswith("$argon2id$") and "password-1" not in stored


@pytest.mark.parametrize("username", ["ab", "a" * 33, "al ice", "alice!", "élise", "bob\x00"])
async def test_bad_usernames_are_invalid(store, username):
    with pytest.raises(Invalid):
        await store.create_user(username, "Name", "password-1")


@pytest.mark.parametrize(
    ("display_name", "password"), [("x" * 65, "password-1"), ("ok", "short"), ("a\x00", "password-1")]
)
async def test_bad_display_name_or_password_is_invalid(store, display_name, password):
    with pytest.raises(Invalid):
        await store.create_user("carol", display_name, password)


async def test_usernames_are_unique_case_insensitively(store):
    await make_user(store, "alice")
    with pytest.raises(UsernameTaken) as caught:
        await store.create_user("ALICE", "Other", "password-1")
    assert caught.value.code == "username_taken"


async def test_authenticate(store):
    alice = await make_user(store, "alice", "password-1")
    assert await store.authenticate("Alice", "password-1") == alice
    assert await store.authenticate("alice", "wrong-password") is None
    assert await store.authenticate("nobody", "password-1") is None
    assert await store.authenticate("bad name\x00", "password-1") is None


async def test_authenticate_rehashes_outdated_hashes(store):
    old = PasswordHasher(time_cost=1, memory_cost=16, parallelism=1)
    alice = await make_user(store, "alice")
    async with store.transaction() as conn:
        await conn.execute(
            tables.users.update().where(tables.users.c.id == alice.id).values(password_hash=old.hash("password-1"))
        )
    assert await store.authenticate("alice", "password-1") == alice
    async with store.engine.connect() as conn:
        new_hash = await conn.scalar(select(tables.users.c.password_hash).where(tables.users.c.id == alice.id))
    assert not store.passwords.needs_rehash(new_hash)
    assert "m=16," not in new_hash
    assert await store.authenticate("alice", "password-1") == alice


async def test_change_password(store):
    alice = await make_user(store, "alice", "password-1")
    with pytest.raises(WrongPassword):
        await store.change_password(alice.id, "not-it-at-all", "password-2")
    await store.change_password(alice.id, "password-1", "password-2")
    assert await store.authenticate("alice", "password-1") is None
    assert await store.authenticate("alice", "password-2") == alice


async def test_delete_user_is_soft_and_keeps_the_username_reserved(store):
    alice, bob = await make_user(store, "alice"), await make_user(store, "bob")
    await make_friends(store, alice, bob)
    conv = await store.open_direct(alice.id, bob.id)
    await store.append_message(conv.id, alice.id, "m1", "text", "hello")
    with pytest.raises(WrongPassword):
        await store.delete_user(alice.id, password="wrong-password")
    await store.delete_user(alice.id, password="password-1")

    assert await store.authenticate("alice", "password-1") is None
    assert await store.get_user_by_username("alice") is None
    gone = await store.get_user(alice.id)
    assert gone is not None and gone.deleted
    with pytest.raises(UsernameTaken):
        await make_user(store, "alice")
    assert await store.friend_ids(bob.id) == set()
    page = await store.history(conv.id, bob.id)
    assert [(m.text, m.sender_deleted) for m in page.messages] == [("hello", True)]


async def test_export_user_holds_profile_friends_conversations_and_messages(store):
    alice, bob, carol = [await make_user(store, n) for n in ("alice", "bob", "carol")]
    await make_friends(store, alice, bob)
    await store.request(carol.id, "alice")
    conv = await store.open_direct(alice.id, bob.id)
    await store.append_message(conv.id, alice.id, "m1", "text", "mine")
    await store.append_message(conv.id, bob.id, "m1", "text", "theirs")

    data = await store.export_user(alice.id)
    assert data["profile"]["username"] == "alice"
    assert [f["username"] for f in data["friends"]] == ["bob"]
    assert [r["username"] for r in data["friend_requests"]["incoming"]] == ["carol"]
    assert [c["id"] for c in data["conversations"]] == [conv.id]
    assert [m["text"] for m in data["messages"]] == ["mine"]
