"""Ending a token family (one browser's sign-in on one site: a code and every token refreshed from it)."""

from __future__ import annotations

from typing import Any

from ..revocation import recheck_live_sockets


async def end_family(app: Any, family_id: str) -> None:
    """Revoke every token of the family, then close the live sockets opened with them at once."""
    await recheck_live_sockets(app, await app.state.store.revoke_family(family_id))
