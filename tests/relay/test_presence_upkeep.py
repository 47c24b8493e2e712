"""The presence upkeep over many sockets: every live device's broker entry renewed, without holding the event
loop for the whole pass (the in-process broker never suspends, so a pass over 20,000 sockets held it ~0.5 s)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import pytest

from server.broker.base import PresenceEntry
from server.broker.memory import MemoryBroker
from server.relay.connection import Connection, SendQueue
from server.relay.grants import Grant
from server.relay.limits import ConnectionLimits
from server.relay.presence_tracking import SLICE, PresenceTracker

pytestmark = pytest.mark.anyio


async def _send(message: object) -> None:
    return None


def _connection(user_id: int) -> Connection:
    grant = Grant(user_id=user_id, username=f"u{user_id}", name=f"U {user_id}", site_id=1,
                  scopes=frozenset({"friends", "messages"}), origins=(), token_hash=f"h{user_id}", hidden_sites=(),
                  friends=frozenset())
    connection = Connection(_send, grant, None, None, SendQueue(), ConnectionLimits())
    connection.held = None  # live (the resume replay is done)
    return connection


async def test_refresh_renews_every_live_entry_and_lets_the_loop_run_between_slices() -> None:
    broker = MemoryBroker()
    await broker.connect()
    connections = [_connection(uid) for uid in range(1, 3 * SLICE + 2)]
    closing = connections[5]
    closing.close_code = 1000
    tracker = PresenceTracker(broker, None, {}, ttl=30.0)  # type: ignore[arg-type]  # refresh needs no fan-out
    renewed_when_others_ran: list[int] = []

    async def other_task() -> None:
        for _ in range(4):
            renewed_when_others_ran.append(sum(1 for c in connections if c.refreshed == 100.0))
            await asyncio.sleep(0)

    other = asyncio.get_running_loop().create_task(other_task())
    await tracker.refresh(connections, now=100.0, every=10.0)
    await other
    assert all(c.refreshed == 100.0 for c in connections if c is not closing)
    assert closing.refreshed == 0.0  # a closing socket's entry is not renewed
    found = await broker.get_presence([c.user_id for c in connections])
    assert set(found) == {c.user_id for c in connections} - {closing.user_id}
    # the other task ran while the pass was under way, not only before or after it
    assert any(0 < n < len(connections) - 1 for n in renewed_when_others_ran)


async def test_refresh_skips_entries_renewed_recently() -> None:
    broker = MemoryBroker()
    await broker.connect()
    fresh, stale = _connection(1), _connection(2)
    fresh.refreshed, stale.refreshed = 95.0, 80.0
    tracker = PresenceTracker(broker, None, {}, ttl=30.0)  # type: ignore[arg-type]
    await tracker.refresh([fresh, stale], now=100.0, every=10.0)
    assert fresh.refreshed == 95.0 and stale.refreshed == 100.0
    assert set(await broker.get_presence([1, 2])) == {2}


class SlicesSeen(MemoryBroker):
    """The in-process broker, noting how many users each presence read asks for."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[int] = []

    async def get_presence(self, user_ids: Iterable[int]) -> dict[int, dict[str, PresenceEntry]]:
        ids = list(user_ids)
        self.reads.append(len(ids))
        return await super().get_presence(ids)


async def test_poll_reads_watched_friends_in_slices() -> None:
    broker = SlicesSeen()
    await broker.connect()
    users = {uid: [_connection(uid)] for uid in range(1, 2 * SLICE + 2)}
    tracker = PresenceTracker(broker, None, users, ttl=30.0)  # type: ignore[arg-type]  # nothing to show
    for uid in users:
        tracker.friends[uid] = frozenset({100_000 + uid})  # each watches one friend, offline
    await tracker.poll()
    assert broker.reads == [SLICE, SLICE, 1]  # every watched friend, never all in one synchronous read
