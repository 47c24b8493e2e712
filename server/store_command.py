"""One store action run from a `parley` subcommand: open the store, run it, close it, and turn what can go
wrong into one line on stderr and exit code 1 (admin.py, account_admin.py)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

from .settings import Settings
from .store import Store, StoreError, open_store


def run_with_store(settings: Settings, action: Callable[[Store], Awaitable[int]], uses: str = "the database") -> int:
    """The exit code of ``action(store)`` on the configured database; 1 with a message when it fails (``uses``
    names what the command needed, for that message)."""

    async def main() -> int:
        store = await open_store(settings.database_url)
        try:
            return await action(store)
        finally:
            await store.close()

    try:
        return asyncio.run(main())
    except StoreError as error:
        print(f"parley: {error.message}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print(f"parley: cannot use {uses}: {error}", file=sys.stderr)
        return 1
