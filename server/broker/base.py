"""The broker contract: publish/subscribe for fan-out, and presence entries that expire on their own.

A process holds one broker. The broker runs at most one listener task and hands each payload to the single
local dispatcher registered for its channel (the relay's per-channel fan-out to its sockets). Dispatchers
are plain functions: they must not block (put the payload on per-socket queues and return).

Presence is one entry per (user, device) with a TTL; refreshing is calling ``set_presence`` again. If a
process dies, its entries are not removed by anyone: they expire, so its users fade out within the TTL.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

Dispatch = Callable[[str], None]
PresenceEntry = dict[str, Any]  # JSON-serializable; what the relay needs (status, site, title...)

logger = logging.getLogger("parley.broker")


class Broker(ABC):
    """Fan-out and presence for one server process. Create with ``server.broker.open_broker(url)``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._dispatchers: dict[str, Dispatch] = {}
        self._reset_callbacks: list[Callable[[], None]] = []

    @abstractmethod
    async def connect(self) -> None:
        """Open connections and start the listener (called once by ``open_broker``)."""

    @abstractmethod
    async def close(self) -> None:
        """Stop the listener and release every connection. Presence entries are left to expire."""

    @abstractmethod
    async def publish(self, channel: str, payload: str) -> None:
        """Deliver ``payload`` to the dispatcher of ``channel`` in every process subscribed to it."""

    async def publish_many(self, channels: Sequence[str], payload: str) -> None:
        """Deliver one ``payload`` to several channels, in order, in as few round trips as the backend
        allows (fan-out of one message to every member's channel)."""
        for channel in channels:
            await self.publish(channel, payload)

    def publish_later(self, channels: Sequence[str], payload: str) -> None:
        """``publish_many`` without waiting for the backend: queued after every earlier publish of this
        process (so the order holds), failures logged. For the relay's commit loop, which must not wait on
        the broker once per message."""
        task = asyncio.get_running_loop().create_task(self.publish_many(channels, payload))
        task.add_done_callback(_log_failure)

    async def subscribe(self, channel: str, dispatch: Dispatch) -> None:
        """Route ``channel``'s payloads to ``dispatch`` (replacing any earlier one for that channel)."""
        first = channel not in self._dispatchers
        self._dispatchers[channel] = dispatch
        if first:
            await self._subscribe(channel)

    async def unsubscribe(self, channel: str) -> None:
        """Stop receiving ``channel`` in this process."""
        if self._dispatchers.pop(channel, None) is not None:
            await self._unsubscribe(channel)

    async def ping(self) -> None:
        """Raise if the backend is unreachable (for readiness probes)."""
        return None

    def subscribed(self) -> list[str]:
        """The channels this process listens to."""
        return list(self._dispatchers)

    def on_reset(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the listener recovered from a lost connection: payloads may have been
        missed in between, so the relay should make its clients resume (e.g. close with 1012)."""
        self._reset_callbacks.append(callback)

    @abstractmethod
    async def set_presence(self, user_id: int, device_id: str, entry: Mapping[str, Any], ttl_s: float) -> None:
        """Store or refresh one device's presence entry; it expires ``ttl_s`` seconds from now."""

    @abstractmethod
    async def remove_presence(self, user_id: int, device_id: str) -> None:
        """Remove one device's entry at once (clean disconnect)."""

    @abstractmethod
    async def get_presence(self, user_ids: Iterable[int]) -> dict[int, dict[str, PresenceEntry]]:
        """Live entries per user: {user_id: {device_id: entry}}; users with none are left out."""

    @abstractmethod
    async def claim_once(self, key: str, ttl_s: float) -> bool:
        """True the first time ``key`` is claimed within ``ttl_s`` seconds, in every process sharing this
        broker; False while an earlier claim holds (single-use values: DPoP proof ``jti``s)."""

    @abstractmethod
    async def _subscribe(self, channel: str) -> None: ...

    @abstractmethod
    async def _unsubscribe(self, channel: str) -> None: ...

    def _deliver(self, channel: str, payload: str) -> None:
        """Hand one payload to the channel's local dispatcher; a failing dispatcher never stops others."""
        dispatch = self._dispatchers.get(channel)
        if dispatch is None:
            return
        try:
            dispatch(payload)
        except Exception:
            logger.exception("dispatcher for channel %r failed", channel)

    def _reset(self) -> None:
        for callback in list(self._reset_callbacks):
            try:
                callback()
            except Exception:
                logger.exception("broker reset callback failed")


def _log_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.warning("publish failed: %r", future.exception())


def check_ttl(ttl_s: float) -> int:
    """A presence TTL in whole milliseconds (at least 1)."""
    if not ttl_s > 0:
        raise ValueError("presence TTL must be positive")
    return max(1, round(ttl_s * 1000))
