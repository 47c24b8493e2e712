"""The realtime relay: /v1/ws (messages, presence, rendezvous, typing, reads, shares) over one WebSocket.

``hub = Hub(store, broker, ...)`` holds this process's sockets and fans out through the broker;
``relay_router()`` serves the endpoint, finding the hub at ``app.state.hub``.
"""

from __future__ import annotations

from .endpoint import relay_router
from .hub import Hub

__all__ = ["Hub", "relay_router"]
