"""Invite codes: an invite's id and an HMAC of it under the server's secret key.

Nothing of a code is stored (docs/security.md, "What is stored in clear, and what is hashed"): the database
holds the invite's id only, and whoever reads it cannot make a code without the secret key, which lives in
the server's settings (``PARLEY_SECRET_KEY`` or ``secret.key`` in the data directory), never in the database.
The server rebuilds a live invite's code for its inviter's ``list``; a code is checked in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

MAC_CHARS = 22  # 132 bits of the HMAC-SHA256, base64url
MAX_ID_DIGITS = 19


class InviteCodes:
    """Make and check invite codes under one secret key (every server process must share it)."""

    def __init__(self, secret_key: str) -> None:
        self._key = hashlib.sha256(b"parley-invite-codes:" + secret_key.encode()).digest()

    def _mac(self, invite_id: int) -> str:
        digest = hmac.new(self._key, str(invite_id).encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:MAC_CHARS]

    def code(self, invite_id: int) -> str:
        """The code of an invite: ``{id}.{mac}`` (at most 42 visible ASCII characters)."""
        return f"{invite_id}.{self._mac(invite_id)}"

    def invite_id(self, code: str) -> int | None:
        """The invite id a code names if its MAC is right, else None (the caller answers not_found)."""
        head, dot, mac = code.partition(".")
        if not dot or not head.isascii() or not head.isdigit() or len(head) > MAX_ID_DIGITS or head.startswith("0"):
            return None
        invite_id = int(head)
        if not hmac.compare_digest(mac.encode("ascii", "replace"), self._mac(invite_id).encode()):
            return None
        return invite_id
