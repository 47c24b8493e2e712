"""Core Table objects for the ORM models, for typed Core queries inside the store."""

from __future__ import annotations

from sqlalchemy import Table

from . import models

metadata = models.Base.metadata


def _table(name: str) -> Table:
    return metadata.tables[name]


users = _table("users")
friendships = _table("friendships")
conversations = _table("conversations")
members = _table("members")
messages = _table("messages")
reactions = _table("reactions")
sites = _table("sites")
site_owners = _table("site_owners")
consents = _table("consents")
user_settings = _table("user_settings")
person_terms = _table("person_terms")
invites = _table("invites")
frame_kept = _table("frame_kept")
files = _table("files")
oauth_codes = _table("oauth_codes")
oauth_tokens = _table("oauth_tokens")
web_sessions = _table("web_sessions")
site_daily = _table("site_daily")
site_daily_pages = _table("site_daily_pages")
site_daily_seen = _table("site_daily_seen")
reports = _table("reports")
site_bans = _table("site_bans")
moderation_log = _table("moderation_log")
