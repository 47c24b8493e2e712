"""Resume after a reconnect: replay what a client missed, per conversation, in order, or say resync.

The connection's user channel is subscribed (and live frames held) before positions are read, so nothing
published after that point is lost; held live messages the replay already sent are dropped afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping

from parley import protocol as P

from ..store import Store
from .frames import message_fields

MAX_REPLAY = 500  # a larger gap in one conversation gets resync too_old
MAX_REPLAY_TOTAL = 5000  # replay budget over every conversation of one hello
PAGE = 200

Send = Callable[[str], Awaitable[None]]


async def replay(store: Store, user_id: int, resume: Mapping[int, int], send: Send) -> dict[int, int]:
    """Send the missed messages (or a resync) for every conversation in ``resume``; returns the highest
    position now delivered per conversation."""
    delivered: dict[int, int] = {}
    if not resume:
        return delivered
    lasts = await store.last_positions(user_id, sorted(resume))
    budget = MAX_REPLAY_TOTAL
    for conv in sorted(resume):
        have = resume[conv]
        last = lasts.get(conv)
        if last is None:
            await send(P.encode(P.make_resync(conv, P.RESYNC_GONE)))
            continue
        if have > last:
            await send(P.encode(P.make_resync(conv, P.RESYNC_AHEAD)))
            continue
        gap = last - have
        if gap > MAX_REPLAY or gap > budget:
            await send(P.encode(P.make_resync(conv, P.RESYNC_TOO_OLD)))
            continue
        after = have
        while after < last:
            page = await store.messages_after(conv, user_id, after, PAGE)
            if not page:
                break
            for message in page:
                frame = message_fields(message)
                frame["t"] = P.MSG
                await send(P.encode(frame))
            after = page[-1].position
        budget -= after - have
        delivered[conv] = after
    return delivered


MAX_CHANGE_REPLAY = 200  # more changed messages in one conversation get resync too_old


async def replay_changes(store: Store, user_id: int, changes: Mapping[int, int], send: Send) -> None:
    """For every conversation in ``changes`` (hello.changes: conversation -> change number the client holds),
    send the current state of each message changed after that number, in change order, as ``changed`` frames
    with ``resumed`` (or a ``resync too_old`` when more than MAX_CHANGE_REPLAY changed). Change numbers commit
    in order, so the last frame's number is the conversation's change number when it was read. Conversations
    the user is not in are left to ``replay`` (which says ``gone`` when they are in ``resume``)."""
    if not changes:
        return
    lasts = await store.last_changes(user_id, sorted(changes))
    for conv in sorted(lasts):
        have = changes[conv]
        if lasts[conv] <= have:
            continue
        found = await store.changed_after(conv, user_id, have, MAX_CHANGE_REPLAY + 1)
        if len(found) > MAX_CHANGE_REPLAY:
            await send(P.encode(P.make_resync(conv, P.RESYNC_TOO_OLD)))
            continue
        for message in found:
            await send(P.encode(P.make_changed(conv, message.change, message_fields(message), resumed=True)))


def drop_replayed(held: list[str], delivered: Mapping[int, int]) -> list[str]:
    """Held live frames minus the messages the replay already sent."""
    if not delivered:
        return held
    out = []
    for text in held:
        if '"t":"msg"' in text:
            frame = json.loads(text)
            if frame.get("t") == P.MSG and frame.get("pos", 0) <= delivered.get(frame.get("conv"), 0):
                continue
        out.append(text)
    return out
