"""The demo's conversation that shows edits, deletions, reactions and replies: a group of alice and bob,
"Lantern book club", seeded once (when it does not exist yet) with a message alice edited, one she deleted, a
reply from bob quoting hers and reactions from both. Everything is read by both, so no unread badge greets
the demo."""

from __future__ import annotations

from typing import Any

from parley import protocol as P

from .demo_picture import as_chunks, screenshot_png
from .files.policy import FilePolicy

CLUB = "Lantern book club"


async def seed_club(store: Any, alice: int, bob: int, files: Any = None) -> None:
    """Create the club with its messages unless alice already has a group of that name; with ``files`` (the
    server's FileService), bob also shares a screenshot of the site there."""
    if any(conv.title == CLUB for conv in await store.list_conversations(alice)):
        return
    club = (await store.create_group(alice, [bob], CLUB)).id
    first, _ = await store.append_message(club, alice, "demo-1", "text", "Next read: The Lighthouse, 8 pm on Fridy")
    await store.edit_message(club, alice, first.id, "Next read: To the Lighthouse, Friday at 8 pm")
    wrong, _ = await store.append_message(club, alice, "demo-2", "text", "(sorry, wrong chat)")
    await store.delete_message(club, alice, wrong.id)
    reply, _ = await store.append_message(club, bob, "demo-3", "text", "I'm in! Bringing tea.", {"reply_to": first.id})
    await store.react(club, bob, first.id, P.REACTIONS[1])
    await store.react(club, alice, reply.id, P.REACTIONS[0])
    await store.react(club, bob, reply.id, P.REACTIONS[2])
    last = reply
    if files is not None:  # a picture shared in the conversation, through the real upload path
        picture = screenshot_png()
        upload = await files.upload(bob, club, "front-page.png", len(picture), as_chunks(picture), FilePolicy())
        attached = await store.attach_file(upload.id, bob, club, "demo-4")
        last, _ = await store.append_message(club, bob, "demo-4", "file", "", attached.message_data())
    for user in (alice, bob):
        await store.set_read_position(club, user, last.position)
