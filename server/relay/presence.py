"""Presence rules: what a device's broker entry holds and what each friend may see of it.

An entry (one per user and device, kept in the broker with a TTL) is a small dict:
``{"s": status, "site": site id, "t": page title or None, "hs": [sites the user hides from], "sess": session}``.

Visibility, from a viewer connected through site V (the viewer is always a friend: nothing goes to others):
- a device with status ``hidden`` is invisible (the friend sees it ``offline``); the status is the account's
  stored choice ("appear offline"), read with the token on ``hello`` before the first entry is published;
- a user who hides from a site (account setting, ``consents.hidden``) is invisible to friends viewing from
  that site, and the devices connected through that site are invisible to everyone;
- ``here`` is true when the device comes through V (rendezvous);
- the page ``title`` is shown only when ``here`` (friends elsewhere learn the site, never the page). A
  connection keeps a title only while its user shares titles on its site (``consents.share_title``, off by
  default), so an entry never holds one otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from parley import protocol as P

Entry = Mapping[str, Any]


def make_entry(
    status: str, site_id: int, title: str | None, hidden_sites: tuple[int, ...], session: str
) -> dict[str, Any]:
    """The broker entry for one device."""
    return {"s": status, "site": site_id, "t": title, "hs": list(hidden_sites), "sess": session}


def visible(entry: Entry, viewer_site: int) -> bool:
    """Whether a friend connected through ``viewer_site`` may see this device at all."""
    if entry.get("s") == P.HIDDEN:
        return False
    hidden = entry.get("hs") or ()
    return not hidden or (viewer_site not in hidden and entry.get("site") not in hidden)


def view(user_id: int, device: str, entry: Entry | None, viewer_site: int) -> dict[str, Any]:
    """The presence frame a friend on ``viewer_site`` gets for this device (offline if it may not see it)."""
    if entry is None or not visible(entry, viewer_site):
        return {"t": P.PRESENCE, "user": user_id, "device": device, "status": P.OFFLINE, "here": False}
    here = entry.get("site") == viewer_site
    frame: dict[str, Any] = {"t": P.PRESENCE, "user": user_id, "device": device, "status": entry["s"], "here": here}
    title = entry.get("t")
    if here and title:
        frame["title"] = title
    return frame


def welcome_list(found: Mapping[int, Mapping[str, Entry]], viewer_site: int) -> list[dict[str, Any]]:
    """The ``welcome.presence`` list: every visible device of every friend found online."""
    out = []
    for user_id, devices in found.items():
        for device, entry in devices.items():
            if visible(entry, viewer_site):
                frame = view(user_id, device, entry, viewer_site)
                del frame["t"]
                out.append(frame)
    return out


def event_payload(user_id: int, device: str, entry: Entry | None) -> str:
    """The broker payload announcing a device's new entry (None: the device left)."""
    return "P" + json.dumps({"u": user_id, "d": device, "e": entry}, separators=(",", ":"))


def parse_event(body: str) -> tuple[int, str, Entry | None]:
    """(user, device, entry) from an event payload without its leading kind letter."""
    data = json.loads(body)
    return int(data["u"]), str(data["d"]), data.get("e")


def fingerprint(entry: Entry) -> str:
    """A stable text of an entry, to notice changes between polls."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"))
