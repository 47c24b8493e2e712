"""What an edit or a deletion changes beyond the message row (SQLite and PostgreSQL): search finds an edited
message by its new text only and a deleted one not at all, and a deleted picture or file can no longer be
fetched by anyone."""

from __future__ import annotations

import pytest

from server.store import NotFound
from tests.store.test_files_store import new_file
from tests.support.store_data import make_friends, make_user

pytestmark = pytest.mark.anyio


async def words(store, user_id: int, query: str) -> list[int]:
    return [hit.message_id for hit in (await store.search_messages(user_id, query)).hits]


async def test_search_follows_edits_and_deletions(store):
    alice, bob = await make_user(store, "alice"), await make_user(store, "bob")
    await make_friends(store, alice, bob)
    conv = await store.open_direct(alice.id, bob.id)
    message, _ = await store.append_message(conv.id, alice.id, "c1", "text", "meet at the lighthouse")
    assert await words(store, bob.id, "lighthouse") == [message.id]
    await store.edit_message(conv.id, alice.id, message.id, "meet at the harbour")
    assert await words(store, bob.id, "lighthouse") == []  # never found by the old text
    assert await words(store, bob.id, "harbour") == [message.id]
    await store.delete_message(conv.id, alice.id, message.id)
    assert await words(store, bob.id, "harbour") == []
    assert await words(store, alice.id, "meet") == []


async def test_a_deleted_file_message_takes_its_file_with_it(store):
    alice, bob = await make_user(store, "alice"), await make_user(store, "bob")
    await make_friends(store, alice, bob)
    conv = await store.open_direct(alice.id, bob.id)
    upload = await store.add_file(alice.id, conv.id, new_file())
    attached = await store.attach_file(upload.id, alice.id, conv.id, "c1")
    message, _ = await store.append_message(conv.id, alice.id, "c1", "file", "", attached.message_data())
    assert (await store.file_for_member(upload.id, bob.id)).id == upload.id
    await store.delete_message(conv.id, alice.id, message.id)
    for reader in (alice, bob):
        with pytest.raises(NotFound):
            await store.file_for_member(upload.id, reader.id)
