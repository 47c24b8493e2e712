"""The Store: every persistence operation of Parley behind one object, opened from a database URL."""

from __future__ import annotations

from ..passwords import Passwords
from .conversations import Conversations
from .engine import create_engine
from .friends import Friends
from .messages import Messages
from .principals import Principals
from .schema import upgrade
from .users import Users


class Store(Users, Friends, Conversations, Messages, Principals):
    """Users, friends, conversations, messages and principals over one async engine."""


async def open_store(url: str, *, passwords: Passwords | None = None, migrate: bool = True) -> Store:
    """Open the database at `url`, upgrading its schema to head first.

    Raises SchemaTooNew if the database was migrated by a newer Parley than this code.
    """
    engine = create_engine(url)
    try:
        if migrate:
            await upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
    return Store(engine, passwords)
