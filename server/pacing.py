"""How often one user may search for people and send friend requests, shared by every door of one process
(relay frames, the JSON API, the /account/friends page): paced so accounts cannot be enumerated."""

from __future__ import annotations

from typing import Any

from .security import SlidingWindow, app_limiter

# Searches: a burst of 10, then one every 3 seconds on average (a sliding window of 10 per 30 s).
FIND_PACE = (10, 30.0)
# Message searches: a burst of 20 (a few typed queries), then one every 1.5 seconds on average.
SEARCH_PACE = (20, 30.0)
# Friend requests: 30 per 10 minutes (also slows down probing which usernames exist).
FRIEND_REQUESTS = (30, 600.0)
# Reports to a site's owners: 10 per user in 10 minutes (enough for a bad evening, not for flooding owners).
REPORT_PACE = (10, 600.0)


def find_pacer(app: Any) -> SlidingWindow:
    """The app's window of people searches per user."""
    return app_limiter(app, "people_find", *FIND_PACE)


def search_pacer(app: Any) -> SlidingWindow:
    """The app's window of message searches per user."""
    return app_limiter(app, "message_search", *SEARCH_PACE)


def request_pacer(app: Any) -> SlidingWindow:
    """The app's window of friend requests per user."""
    return app_limiter(app, "friend_requests", *FRIEND_REQUESTS)


def report_pacer(app: Any) -> SlidingWindow:
    """The app's window of reports per user (relay frames and the JSON API share it)."""
    return app_limiter(app, "reports", *REPORT_PACE)
