"""The scopes a site may ask for, each with the plain words the consent screen shows."""

from __future__ import annotations

SCOPE_DESCRIPTIONS: dict[str, str] = {
    "profile": "See your Parley name and display name",
    "friends": "See which of your friends are on this site right now",
    "messages": "Read and send your messages while you use this site",
    "share": "Share pages from this site with your friends",
    "people": "Find people and manage your friend requests, blocks and invites",
}
ALL_SCOPES: tuple[str, ...] = tuple(SCOPE_DESCRIPTIONS)


def scope_list(scope: str | None) -> list[str]:
    """Space-separated scope text as a de-duplicated list in canonical order (unknown names kept last)."""
    names = list(dict.fromkeys((scope or "").split()))
    known = [name for name in ALL_SCOPES if name in names]
    return known + [name for name in names if name not in SCOPE_DESCRIPTIONS]


def scope_text(names: list[str] | tuple[str, ...] | set[str]) -> str:
    """A scope list as canonical space-separated text."""
    return " ".join(scope_list(" ".join(names)))


def covers(granted: str, requested: str) -> bool:
    """Whether the granted scope text includes every requested scope."""
    return set(scope_list(requested)) <= set(scope_list(granted))


def widened(granted: str, added: str) -> str:
    """A remembered consent's scope text widened by newly granted scopes (canonical text)."""
    return scope_text(granted.split() + added.split())
