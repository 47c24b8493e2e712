"""In-process broker: the default for a single server process. Payloads and entries stay in memory."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from server.broker.base import Broker, PresenceEntry, check_ttl, logger

CLAIMS_SWEEP = 4096  # claims held before expired ones are swept


class MemoryBroker(Broker):
    """Fan-out during ``publish`` itself (the dispatchers only queue on sockets, so nothing waits; the
    publication order is kept), presence as {user: {device: (expiry, json)}}.

    Delivering at once rather than in a later loop callback lets the relay write a message's ack and its
    local deliveries in the same flush of its outbox, one loop iteration sooner."""

    def __init__(self, url: str = "memory://") -> None:
        super().__init__(url)
        self._presence: dict[int, dict[str, tuple[float, str]]] = {}
        self._claims: dict[str, float] = {}  # key -> expiry (monotonic seconds)
        self._closed = False

    async def connect(self) -> None:
        self._closed = False

    async def close(self) -> None:
        self._closed = True
        self._dispatchers.clear()

    async def publish(self, channel: str, payload: str) -> None:
        if self._closed:
            raise RuntimeError("broker is closed")
        self._deliver(channel, payload)

    async def publish_many(self, channels: Sequence[str], payload: str) -> None:
        if self._closed:
            raise RuntimeError("broker is closed")
        self._deliver_all(channels, payload)

    def publish_later(self, channels: Sequence[str], payload: str) -> None:
        """Delivered now, like ``publish_many`` (nothing to wait for in memory)."""
        if self._closed:
            logger.warning("publish to a closed broker dropped")
            return
        self._deliver_all(channels, payload)

    def _deliver_all(self, channels: Sequence[str], payload: str) -> None:
        """``_deliver`` for each channel, inlined: this loop runs once per recipient of a fan-out."""
        dispatchers = self._dispatchers
        for channel in channels:
            dispatch = dispatchers.get(channel)
            if dispatch is None:
                continue
            try:
                dispatch(payload)
            except Exception:
                logger.exception("dispatcher for channel %r failed", channel)

    async def claim_once(self, key: str, ttl_s: float) -> bool:
        now = time.monotonic()
        claims = self._claims
        if len(claims) >= CLAIMS_SWEEP:  # forget expired claims now and then: memory stays bounded by the TTL
            for old in [k for k, expires in claims.items() if expires <= now]:
                del claims[old]
        expires = claims.get(key)
        if expires is not None and expires > now:
            return False
        claims[key] = now + check_ttl(ttl_s) / 1000
        return True

    async def _subscribe(self, channel: str) -> None:
        return None

    async def _unsubscribe(self, channel: str) -> None:
        return None

    async def set_presence(self, user_id: int, device_id: str, entry: Mapping[str, Any], ttl_s: float) -> None:
        expires = time.monotonic() + check_ttl(ttl_s) / 1000
        self._presence.setdefault(user_id, {})[device_id] = (expires, json.dumps(entry))

    async def remove_presence(self, user_id: int, device_id: str) -> None:
        devices = self._presence.get(user_id)
        if devices is not None:
            devices.pop(device_id, None)
            if not devices:
                del self._presence[user_id]

    async def get_presence(self, user_ids: Iterable[int]) -> dict[int, dict[str, PresenceEntry]]:
        now = time.monotonic()
        found: dict[int, dict[str, PresenceEntry]] = {}
        for user_id in user_ids:
            devices = self._presence.get(user_id)
            if not devices:
                continue
            for device_id in [d for d, (expires, _) in devices.items() if expires <= now]:
                del devices[device_id]
            if not devices:
                del self._presence[user_id]
                continue
            found[user_id] = {device_id: json.loads(raw) for device_id, (_, raw) in devices.items()}
        return found
