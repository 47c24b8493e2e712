"""Hashing of bearer secrets (tokens, session ids, codes): only their SHA-256 digests are stored."""

from __future__ import annotations

import hashlib


def hash_secret(secret: str) -> str:
    """The lower-case hex SHA-256 digest under which a secret is stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
