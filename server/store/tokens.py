"""The one rule for "may this access token still be used": not revoked, not expired, its user not deleted."""

from __future__ import annotations

from .records import TokenState


def token_state(revoked_at: int | None, access_expires_at: int, user_deleted_at: int | None, now: int) -> TokenState:
    """The state of an access token at ``now`` (a deleted user first, then revocation, then expiry)."""
    if user_deleted_at is not None:
        return "user_gone"
    if revoked_at is not None:
        return "revoked"
    if access_expires_at <= now:
        return "expired"
    return "live"
