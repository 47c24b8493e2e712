"""The relay's broker channels and the payloads published on them.

Every user with a live socket in this process has the broker channel ``u:{user_id}``; anything for that
user (messages, typing, reads, friends' presence, close orders) is published there, by any process.
Payloads start with one letter:
- ``M{connection}|{frame}``: a frame already encoded once for every recipient; skip the connection named
  (the sender's own socket, which got the ack). Needs the ``messages`` scope.
- ``P{json}``: a friend's device changed (see presence.py); rendered per viewer site, needs ``friends``.
- ``X{site}|{code}``: close the user's sockets on that site (``*``: every site), e.g. a revoked grant.
- ``S{json}``: the user's choices changed (``{"s": status, "snd": sound, "hs": [sites hidden from], "ts":
  [sites sharing page titles], "fd": findable, "rq": requests}``): apply them to the user's sockets and tell
  each one (a ``settings`` frame).
- ``R{site}``: some of the user's tokens for that site were revoked (one sign-in ended): re-check the tokens
  of the user's sockets on that site now and close those no longer valid.
- ``G{conversation}``: the conversation's members changed (a group change): forget the member list cached
  for it (``Fanout.members``). Published to every member, old and new, before the change's frames, so each
  process that serves one of them drops its list before it delivers those frames.
- ``F{json}``: a relation between two people changed (``{"a": [id, username, name], "ra": a's rel, "b": ...,
  "rb": b's rel, "fc": whether they became or stopped being friends}``), published to each person whose own
  view changed (a blocked person whose view stays ``none`` gets nothing): each process updates the friend set
  it caches for the channel's user, sends that user's sockets a ``friendship`` frame (their own view) and
  makes presence follow at once (people_fanout.py).

Publishing per member (not per conversation) means no subscription changes when conversations are
created, and any process can deliver to anyone.
"""

from __future__ import annotations

import json

MESSAGE, PRESENCE, CLOSE, RECHECK, SETTINGS, MEMBERS, FRIENDSHIP = "M", "P", "X", "R", "S", "G", "F"
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


def settings_payload(
    status: str,
    sound: str,
    hidden_sites: tuple[int, ...],
    title_sites: tuple[int, ...],
    privacy: tuple[str, str] = ("everyone", "everyone"),
) -> str:
    """The user's choices, whole (every process replaces what it held); ``privacy``: (findable, requests)."""
    body = {
        "s": status, "snd": sound, "hs": list(hidden_sites), "ts": list(title_sites), "fd": privacy[0],
        "rq": privacy[1],
    }
    return SETTINGS + json.dumps(body, separators=(",", ":"))


def parse_settings(payload: str) -> tuple[str, str, tuple[int, ...], tuple[int, ...], tuple[str, str]]:
    """(status, sound, sites hidden from, sites sharing titles, (findable, requests)) of a settings payload."""
    body = json.loads(payload[1:])
    privacy = (str(body.get("fd", "everyone")), str(body.get("rq", "everyone")))
    hidden, titles = tuple(int(s) for s in body["hs"]), tuple(int(s) for s in body["ts"])
    return str(body["s"]), str(body["snd"]), hidden, titles, privacy


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


def friendship_payload(a: tuple[int, str, str], rel_a: str, b: tuple[int, str, str], rel_b: str, changed: bool) -> str:
    """A relation changed: both people (id, username, name), each one's view, and whether the friendship
    itself began or ended."""
    body = {"a": list(a), "ra": rel_a, "b": list(b), "rb": rel_b, "fc": changed}
    return FRIENDSHIP + json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def parse_friendship(payload: str, user_id: int) -> tuple[tuple[int, str, str], str, bool]:
    """For the channel of ``user_id``: (the other person, this user's view, whether the friendship began or
    ended) of a friendship payload."""
    body = json.loads(payload[1:])
    mine, other = ("a", "b") if int(body["a"][0]) == user_id else ("b", "a")
    person = body[other]
    return (int(person[0]), str(person[1]), str(person[2])), str(body["r" + mine]), bool(body["fc"])
