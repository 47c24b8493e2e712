"""The Store: every persistence operation of Parley behind one object, opened from a database URL."""

from __future__ import annotations

from ..passwords import Passwords
from .choices import Choices
from .content import MAX_GROUP_MEMBERS
from .engine import create_engine
from .files import Files
from .frame_kept import FrameKeptStore
from .friends import Friends
from .grants import Grants
from .groups import Groups
from .insight import InsightStore
from .invites import Invites
from .message_changes import MessageChanges
from .message_search import MessageSearch
from .messages import Messages
from .moderation import Moderation
from .people_search import PeopleSearch
from .principals import Principals
from .relations import Relations
from .relay_lookups import RelayLookups
from .schema import current_revision, upgrade
from .site_owners import SiteOwners
from .sites import Sites
from .users import Users
from .web_sessions import WebSessions


class Store(
    Users,
    Choices,
    Friends,
    Relations,
    PeopleSearch,
    Groups,
    Invites,
    Messages,
    MessageSearch,
    Files,
    MessageChanges,
    Principals,
    Sites,
    SiteOwners,
    Grants,
    WebSessions,
    RelayLookups,
    FrameKeptStore,
    InsightStore,
    Moderation,
):
    """Users and their choices, friends (relations, find, invites), conversations and groups, messages,
    uploaded files, principals, sites, OAuth grants, web sessions, the relay's look-ups and what copy-paste
    frames keep, the sites' insight aggregates and moderation (reports, bans, disabled accounts, the log),
    over one async engine."""

    async def schema_revision(self) -> str | None:
        """The database's schema revision (None on an empty database)."""
        return await current_revision(self.engine)


async def open_store(
    url: str,
    *,
    passwords: Passwords | None = None,
    migrate: bool = True,
    max_group_members: int = MAX_GROUP_MEMBERS,
) -> Store:
    """Open the database at `url`, upgrading its schema to head first; groups have at most
    ``max_group_members`` members.

    Raises SchemaTooNew if the database was migrated by a newer Parley than this code.
    """
    engine = create_engine(url)
    try:
        if migrate:
            await upgrade(engine)
    except BaseException:
        await engine.dispose()
        raise
    return Store(engine, passwords, max_group_members=max_group_members)
