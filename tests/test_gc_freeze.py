"""The relay's freeze policy (server/gc_freeze.py): frozen after start-up and after bursts of sockets, thawed
and collected once enough of them closed, and what it leaves to the collector meanwhile."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest

from server import gc_freeze
from server.gc_freeze import GcFreezer


class Counts:
    def __init__(self) -> None:
        self.opened = 0
        self.closed = 0

    def __call__(self) -> tuple[int, int]:
        return self.opened, self.closed


@pytest.fixture
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


class Cycle:
    """Garbage only the cycle collector frees (as a coroutine's frame and the exception it caught)."""

    def __init__(self) -> None:
        self.me = self


def test_bursts_of_sockets_are_frozen_and_closes_thaw(thawed: None) -> None:
    counts = Counts()
    freezer = GcFreezer(counts)
    freezer._freeze()  # what start() does before it schedules ticks
    assert gc.get_freeze_count() > 0
    kept = [Cycle() for _ in range(500)]  # a burst of long-lived objects
    assert freezer.tick() == ""  # no sockets yet
    counts.opened = gc_freeze.MIN_NEW - 1
    assert freezer.tick() == ""
    counts.opened = gc_freeze.MIN_NEW
    assert freezer.tick() == "freeze"
    assert freezer.tick() == ""  # nothing new

    # Followed by weak references, not by gc.get_freeze_count(): other frozen objects of this process (pytest's)
    # may be freed by reference counting meanwhile, which lowers the count by an amount no test controls.
    alive = [weakref.ref(c) for c in kept]
    del kept  # the burst's cycles are frozen: the collector skips them, only a thaw frees them
    gc.collect()
    assert all(r() is not None for r in alive)
    counts.opened = counts.closed = 4 * gc_freeze.MIN_CLOSED  # all closed
    assert freezer.tick() == "thaw"
    assert all(r() is None for r in alive)  # the cycles were collected, the rest frozen again
    assert gc.get_freeze_count() > 0
    assert freezer.thaws == 1


def test_closes_thaw_once_as_many_as_are_open(thawed: None) -> None:
    counts = Counts()
    freezer = GcFreezer(counts)
    counts.opened = 20_000
    assert freezer.tick() == "freeze"
    counts.closed = 9_000  # 11,000 open
    assert freezer.tick() == ""
    counts.closed = 10_000  # 10,000 open: as many closed
    assert freezer.tick() == "thaw"
    counts.closed = 14_000  # 4,000 more closed, 6,000 open
    assert freezer.tick() == ""


@pytest.mark.anyio
async def test_start_freezes_and_stop_unfreezes(thawed: None) -> None:
    freezer = GcFreezer(Counts(), tick_s=0.01)
    freezer.start()
    assert gc.get_freeze_count() > 0
    await asyncio.sleep(0.05)
    await freezer.stop()
    assert gc.get_freeze_count() == 0
