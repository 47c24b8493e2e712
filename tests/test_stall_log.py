"""The benchmarks' stall log (server/stall_log.py, Settings.bench_stall_log): collections and loop stalls,
and what tests/perf/stalls.py makes of its lines."""

from __future__ import annotations

import asyncio
import gc
import time
from pathlib import Path

from server.stall_log import StallLog
from tests.perf.stalls import cause, parse, summarize


def _block_the_loop(seconds: float) -> None:
    time.sleep(seconds)  # a callback that never yields, as a long synchronous step would


def test_a_blocked_loop_and_a_collection_are_logged(tmp_path: Path) -> None:
    path = tmp_path / "stalls.log"

    async def main() -> None:
        log = StallLog(str(path))
        log.start()
        try:
            await asyncio.sleep(0.05)
            _block_the_loop(0.12)
            await asyncio.sleep(0.05)
            gc.collect()
            await asyncio.sleep(0.05)
        finally:
            log.stop()

    started = time.time()
    asyncio.run(main())
    events = parse(path.read_text().splitlines())
    stalls = [e for e in events if e.kind == "stall"]
    assert any(e.ms >= 100 and "_block_the_loop" in e.where for e in stalls), stalls
    assert any(e.kind == "gc" and e.generation == 2 for e in events)
    window = summarize(events, started, time.time() + 1)
    assert window.gc_count[2] >= 1 and window.stalls >= 1 and window.stall_max_ms >= 100


def test_the_setting_is_off_by_default() -> None:
    from server.settings import Settings

    assert Settings().bench_stall_log == ""


def test_a_stall_mostly_spent_collecting_is_blamed_on_gc() -> None:
    assert cause("x.py:1:f", 100.0, 60.0) == "gc"
    assert cause("x.py:1:f", 100.0, 10.0) == "x.py:1:f"
    assert cause("runners.py:118:run|_compat.py:30:asyncio_run", 100.0, 0.0).startswith("no-python-frame")
    line = "stall 1700000000.000 42.5 30.0 runners.py:118:run|a.py:1:b\n"
    (event,) = parse([line, "torn li"])
    assert (event.kind, event.ms, event.where) == ("stall", 42.5, "gc")
