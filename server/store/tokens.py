"""The one rule for "may this access token still be used": not revoked, not expired, its user not deleted or
disabled, not banned from the token's site."""

from __future__ import annotations

from .records import TokenState


def token_state(revoked_at: int | None, access_expires_at: int, user_deleted_at: int | None, now: int,
                *, disabled_at: int | None = None, banned: bool = False) -> TokenState:
    """The state of an access token at ``now`` (a deleted user first, then revocation or a disabled account,
    then a ban of the user from the token's site, then expiry)."""
    if user_deleted_at is not None:
        return "user_gone"
    if revoked_at is not None or disabled_at is not None:
        return "revoked"
    if banned:
        return "banned"
    if access_expires_at <= now:
        return "expired"
    return "live"
