"""A recording dispatcher shared by the broker tests."""

from __future__ import annotations

import anyio

from server.broker import Broker


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


async def drain(broker: Broker, channel: str, inbox: Inbox) -> list[str]:
    """Publish a sentinel on `channel` (whose dispatcher is `inbox`) and wait for it; return what came before it.

    Redis delivers one client's publishes in order and the memory broker synchronously, so whatever was published
    before the sentinel has arrived when it does: 'nothing else arrives' checks need no sleep."""
    await broker.publish(channel, "sentinel")
    with anyio.fail_after(3.0):
        while "sentinel" not in inbox.payloads:
            await inbox.wait_for(len(inbox.payloads) + 1)
    assert inbox.payloads[-1] == "sentinel", inbox.payloads
    return inbox.payloads[:-1]
