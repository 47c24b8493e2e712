"""Who is on a socket: the access token from `hello`, checked against the store in one read.

Also the batched re-checks the hub runs for every live socket (revoked or expired tokens, friend lists).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from parley import protocol as P

from ..store import Store, TokenState
from ..store.secrets import hash_secret

NO_FRIENDS: frozenset[int] = frozenset()  # shared: an empty frozenset is no singleton (216 bytes each)
# Close codes of tokens that may no longer be used: on `hello` a deleted user's token is unknown (4001);
# on the periodic re-check it is revoked (4010) like a revoked token. A user banned from the token's site: 4013.
HELLO_REFUSALS: dict[TokenState, int] = {
    "user_gone": P.CLOSE_AUTH_FAILED, "revoked": P.CLOSE_REVOKED, "expired": P.CLOSE_AUTH_FAILED,
    "banned": P.CLOSE_BANNED,
}
RECHECK_VERDICTS: dict[TokenState, int] = {
    "user_gone": P.CLOSE_REVOKED, "revoked": P.CLOSE_REVOKED, "expired": P.CLOSE_AUTH_FAILED,
    "banned": P.CLOSE_BANNED,
}


@dataclass(frozen=True, slots=True)
class Grant:
    """A live access token's user, site, scopes and the facts presence needs (friends, hidden sites)."""

    user_id: int
    username: str
    name: str
    site_id: int
    scopes: frozenset[str]
    origins: tuple[str, ...]
    token_hash: str
    hidden_sites: tuple[int, ...]
    friends: frozenset[int]
    status: str = P.ONLINE  # the account's chosen status, read with the token (no flash of "online")
    share_title: bool = False  # the user shares page titles with friends on this site
    sound: str = "site"  # the account's sound choice (told to the widget in the welcome)
    findable: str = P.FINDABLE_EVERYONE  # the account's privacy choices (told in the welcome too)
    requests: str = P.REQUESTS_EVERYONE
    jkt: str | None = None  # the DPoP key a bound token is bound to (hello proves possession)


@functools.lru_cache(maxsize=64)
def scope_set(scope: str) -> frozenset[str]:
    """The scopes of a space-separated scope string; one shared set per distinct string (sockets with the
    same scopes do not each hold a copy)."""
    return frozenset(scope.split())


async def authenticate(store: Store, token: str) -> Grant | int:
    """The token's Grant, or the close code refusing it (4001 unknown/expired, 4010 revoked)."""
    digest = hash_secret(token)
    found = await store.access_grant(digest)
    if found is None:
        return int(P.CLOSE_AUTH_FAILED)
    if found.state != "live":
        return int(HELLO_REFUSALS[found.state])
    return Grant(
        user_id=found.user_id,
        username=found.username,
        name=found.display_name,
        site_id=found.site_id,
        scopes=scope_set(found.scope),
        origins=found.origins,
        token_hash=digest,
        hidden_sites=found.hidden_sites,
        friends=frozenset(found.friends) if found.friends else NO_FRIENDS,
        status=found.status,
        share_title=found.share_title,
        sound=found.sound,
        findable=found.findable,
        requests=found.requests,
        jkt=found.jkt,
    )


async def token_verdicts(store: Store, digests: Iterable[str]) -> dict[str, int]:
    """For tokens that may no longer be used: digest -> close code (4010 revoked or gone, 4001 expired)."""
    wanted = set(digests)
    states = await store.token_states(wanted)
    found = {digest: RECHECK_VERDICTS[state] for digest, state in states.items() if state != "live"}
    for digest in wanted - states.keys():
        found[digest] = P.CLOSE_REVOKED
    return found
