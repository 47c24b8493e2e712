"""Files in the store (SQLite and PostgreSQL): record, attach, members-only fetch, message and account deletion,
and what the sweeper removes."""

from __future__ import annotations

import pytest

from server.store import Conflict, Invalid, NewFile, NotFound, NotMember
from server.store.files import ATTACH_WINDOW_MS, STORED_WINDOW_MS
from tests.support.store_data import make_friends, make_user

pytestmark = pytest.mark.anyio


def new_file(key: str = "k1", kind: str = "image") -> NewFile:
    return NewFile(name="cat.png", size=1234, mime="image/png", kind=kind, sha256="ab" * 32, blob_key=key,
                   width=640, height=480, thumb_width=320, thumb_height=240)


@pytest.fixture
async def chat(store):
    alice, bob, eve = [await make_user(store, n) for n in ("alice", "bob", "eve")]
    await make_friends(store, alice, bob)
    await make_friends(store, alice, eve)
    conv = await store.open_direct(alice.id, bob.id)
    return alice, bob, eve, conv


async def test_only_members_record_and_fetch_files(store, chat):
    alice, bob, eve, conv = chat
    with pytest.raises(NotMember):
        await store.add_file(eve.id, conv.id, new_file())
    record = await store.add_file(alice.id, conv.id, new_file())
    assert record.owner_id == alice.id and record.conversation_id == conv.id and record.attached_cid is None
    assert (await store.file_for_member(record.id, bob.id)).blob_key == "k1"
    with pytest.raises(NotFound):
        await store.file_for_member(record.id, eve.id)
    with pytest.raises(NotFound):
        await store.file_for_member(record.id + 1000, alice.id)


async def test_attach_is_the_owners_once_and_idempotent(store, chat):
    alice, bob, _eve, conv = chat
    record = await store.add_file(alice.id, conv.id, new_file())
    with pytest.raises(NotFound):
        await store.attach_file(record.id, bob.id, conv.id, "c1")  # not bob's upload
    other = await store.open_direct(alice.id, _eve.id)
    with pytest.raises(NotFound):
        await store.attach_file(record.id, alice.id, other.id, "c1")  # not that conversation's
    attached = await store.attach_file(record.id, alice.id, conv.id, "c1")
    assert attached.attached_cid == "c1"
    assert (await store.attach_file(record.id, alice.id, conv.id, "c1")).attached_cid == "c1"  # a resend
    with pytest.raises(Conflict):
        await store.attach_file(record.id, alice.id, conv.id, "c2")
    data = attached.message_data()
    assert data == {"id": record.id, "name": "cat.png", "size": 1234, "type": "image/png", "image": True,
                    "w": 640, "h": 480, "tw": 320, "th": 240}
    message, _ = await store.append_message(conv.id, alice.id, "c1", "file", "", data)
    assert message.kind == "file" and message.data == data


async def test_file_messages_are_checked_by_the_store(store, chat):
    alice, _bob, _eve, conv = chat
    good = {"id": 1, "name": "a", "size": 1, "type": "x"}
    for bad in (None, {"id": 1}, {**good, "id": True}, {**good, "name": ""}, {**good, "url": 1}):
        with pytest.raises(Invalid):
            await store.append_message(conv.id, alice.id, "bad", "file", "", bad)


async def test_deleting_the_message_deletes_its_files(store, chat):
    alice, bob, _eve, conv = chat
    kept = await store.add_file(alice.id, conv.id, new_file("k-kept"))
    record = await store.add_file(alice.id, conv.id, new_file("k-gone"))
    await store.attach_file(record.id, alice.id, conv.id, "c1")
    message, _ = await store.append_message(conv.id, alice.id, "c1", "file", "", record.message_data())
    text, _ = await store.append_message(conv.id, alice.id, "c2", "text", "hi")
    assert await store.delete_message_files(text.id) == 0
    assert await store.delete_message_files(message.id) == 1
    with pytest.raises(NotFound):
        await store.file_for_member(record.id, bob.id)
    assert await store.file_for_member(kept.id, bob.id)
    assert [key for _id, key in await store.files_to_sweep()] == ["k-gone"]
    await store.forget_files([record.id])
    assert await store.files_to_sweep() == []


async def test_deleting_the_account_deletes_its_files(store, chat):
    alice, bob, _eve, conv = chat
    theirs = await store.add_file(bob.id, conv.id, new_file("k-bob"))
    await store.add_file(alice.id, conv.id, new_file("k-alice"))
    await store.delete_user(alice.id)
    assert [key for _id, key in await store.files_to_sweep()] == ["k-alice"]
    assert (await store.file_for_member(theirs.id, bob.id)).blob_key == "k-bob"


async def test_sweeper_takes_unsent_uploads_after_the_window(store, chat):
    alice, _bob, _eve, conv = chat
    unsent = await store.add_file(alice.id, conv.id, new_file("k-unsent"))
    lost = await store.add_file(alice.id, conv.id, new_file("k-lost"))
    sent = await store.add_file(alice.id, conv.id, new_file("k-sent"))
    await store.attach_file(lost.id, alice.id, conv.id, "never-stored")
    await store.attach_file(sent.id, alice.id, conv.id, "c1")
    await store.append_message(conv.id, alice.id, "c1", "file", "", sent.message_data())
    now = unsent.created_at
    assert await store.files_to_sweep(now + ATTACH_WINDOW_MS - 1) == []
    assert [key for _i, key in await store.files_to_sweep(now + ATTACH_WINDOW_MS + 1)] == ["k-unsent"]
    later = [key for _i, key in await store.files_to_sweep(now + STORED_WINDOW_MS + 60_000)]
    assert later == ["k-unsent", "k-lost"]  # the sent one stays
