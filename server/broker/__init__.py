"""Fan-out and presence backends, chosen by URL scheme and imported only when chosen.

``await open_broker("memory://")`` for one process; ``await open_broker("redis://host:6379/0?prefix=parley")``
to let several server processes behave as one. Both honour the contract in ``server.broker.base``.
"""

from __future__ import annotations

import importlib

from server.broker.base import Broker, Dispatch, PresenceEntry

__all__ = ["BACKENDS", "Broker", "Dispatch", "PresenceEntry", "open_broker"]

BACKENDS: dict[str, str] = {
    "memory": "server.broker.memory:MemoryBroker",
    "redis": "server.broker.redis:RedisBroker",
    "rediss": "server.broker.redis:RedisBroker",
}


async def open_broker(url: str) -> Broker:
    """Import the backend for ``url``'s scheme, connect it and return it (close it with ``close()``)."""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    target = BACKENDS.get(scheme)
    if target is None:
        raise ValueError(f"unsupported broker URL scheme {scheme!r}: use one of {', '.join(BACKENDS)}")
    module_name, class_name = target.split(":")
    backend: type[Broker] = getattr(importlib.import_module(module_name), class_name)
    broker = backend(url)
    await broker.connect()
    return broker
