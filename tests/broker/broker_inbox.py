"""A recording dispatcher shared by the broker tests."""

from __future__ import annotations

import anyio


class Inbox:
    """A dispatcher that records payloads and lets a test wait for a number of them."""

    def __init__(self) -> None:
        self.payloads: list[str] = []
        self._changed = anyio.Event()

    def __call__(self, payload: str) -> None:
        self.payloads.append(payload)
        self._changed.set()

    async def wait_for(self, count: int, timeout: float = 3.0) -> list[str]:
        with anyio.fail_after(timeout):
            while len(self.payloads) < count:
                self._changed = anyio.Event()
                await self._changed.wait()
        return self.payloads
