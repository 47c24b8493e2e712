"""Password hashing with argon2id (argon2-cffi), run off the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 1024
# Stored for accounts that can never sign in again (deleted): not a valid argon2 hash.
UNUSABLE = "!unusable"


class Passwords:
    """Hash and verify passwords; `fast()` gives cheap parameters for tests only."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()
        # Verifying against this when a user does not exist keeps sign-in timing alike for both cases.
        self._dummy_hash = self.hasher.hash("parley-dummy-password")

    @classmethod
    def fast(cls) -> Passwords:
        """Minimal-cost parameters: for test suites, never for real accounts."""
        return cls(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))

    async def hash(self, password: str) -> str:
        """The argon2id hash of `password`."""
        return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """Whether `password` matches; a missing or unusable hash still costs one verification."""
        usable = stored_hash is not None and stored_hash != UNUSABLE
        candidate = stored_hash if usable and stored_hash is not None else self._dummy_hash
        try:
            ok = await asyncio.to_thread(self.hasher.verify, candidate, password)
        except (VerificationError, InvalidHashError, UnicodeError):
            return False
        return ok and usable

    def needs_rehash(self, stored_hash: str) -> bool:
        """Whether the hash was made with other parameters than the current ones."""
        try:
            return self.hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return False
