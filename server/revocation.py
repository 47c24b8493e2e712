"""Telling the relay that a grant ended, so live sockets close at once instead of at their next token check."""

from __future__ import annotations

import inspect
from typing import Any


async def close_live_sockets(app: Any, user_id: int, site_id: int | None) -> None:
    """Close the user's sockets for a site (every site when site_id is None) through `app.state.on_revoke`,
    which the relay registers; a no-op in apps without a relay."""
    hook: Any = getattr(app.state, "on_revoke", None)
    if hook is not None:
        result = hook(user_id, site_id)
        if inspect.isawaitable(result):
            await result
