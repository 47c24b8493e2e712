"""The relay's broker channels and the payloads published on them.

Every user with a live socket in this process has the broker channel ``u:{user_id}``; anything for that
user (messages, typing, reads, friends' presence, close orders) is published there, by any process.
Payloads start with one letter:
- ``M{connection}|{frame}``: a frame already encoded once for every recipient; skip the connection named
  (the sender's own socket, which got the ack). Needs the ``messages`` scope.
- ``P{json}``: a friend's device changed (see presence.py); rendered per viewer site, needs ``friends``.
- ``X{site}|{code}``: close the user's sockets on that site (``*``: every site), e.g. a revoked grant.
- ``S{json}``: the user's choices changed (``{"s": status, "snd": sound, "hs": [sites hidden from], "ts":
  [sites sharing page titles]}``): apply them to the user's sockets and tell each one (a ``settings`` frame).
- ``R{site}``: some of the user's tokens for that site were revoked (one sign-in ended): re-check the tokens
  of the user's sockets on that site now and close those no longer valid.
- ``G{conversation}``: the conversation's members changed (a group change): forget the member list cached
  for it (``Fanout.members``). Published to every member, old and new, before the change's frames, so each
  process that serves one of them drops its list before it delivers those frames.

Publishing per member (not per conversation) means no subscription changes when conversations are
created, and any process can deliver to anyone.
"""

from __future__ import annotations

import json

MESSAGE, PRESENCE, CLOSE, RECHECK, SETTINGS, MEMBERS = "M", "P", "X", "R", "S", "G"
EVERY_SITE = "*"


def channel(user_id: int) -> str:
    """The broker channel of one user."""
    return f"u:{user_id}"


def message_payload(frame_text: str, skip: str = "") -> str:
    """An encoded frame for members' sockets, except the connection with id ``skip``."""
    return MESSAGE + skip + "|" + frame_text


def split_message(payload: str) -> tuple[str, str]:
    """(connection to skip, frame text) of a message payload."""
    bar = payload.index("|")
    return payload[1:bar], payload[bar + 1 :]


def close_payload(site_id: int | None, code: int) -> str:
    """Close the user's sockets on a site (None: on every site) with ``code``."""
    return f"{CLOSE}{EVERY_SITE if site_id is None else site_id}|{code}"


def parse_close(payload: str) -> tuple[int | None, int]:
    """(site or None for every site, close code) of a close payload."""
    site, _, code = payload[1:].partition("|")
    return (None if site == EVERY_SITE else int(site)), int(code)


def settings_payload(status: str, sound: str, hidden_sites: tuple[int, ...], title_sites: tuple[int, ...]) -> str:
    """The user's choices, whole (every process replaces what it held)."""
    body = {"s": status, "snd": sound, "hs": list(hidden_sites), "ts": list(title_sites)}
    return SETTINGS + json.dumps(body, separators=(",", ":"))


def parse_settings(payload: str) -> tuple[str, str, tuple[int, ...], tuple[int, ...]]:
    """(status, sound, sites hidden from, sites sharing titles) of a settings payload."""
    body = json.loads(payload[1:])
    return str(body["s"]), str(body["snd"]), tuple(int(s) for s in body["hs"]), tuple(int(s) for s in body["ts"])


def recheck_payload(site_id: int) -> str:
    """Re-check the tokens of the user's sockets on a site."""
    return f"{RECHECK}{site_id}"


def parse_recheck(payload: str) -> int:
    """The site of a recheck payload."""
    return int(payload[1:])


def members_payload(conversation_id: int) -> str:
    """The conversation's members changed: drop its cached member list."""
    return f"{MEMBERS}{conversation_id}"


def parse_members(payload: str) -> int:
    """The conversation of a members payload."""
    return int(payload[1:])
