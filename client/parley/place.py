"""The visitor's place in the widget, kept across the pages of one visit (pure: no I/O, no clock).

A visit is many pages: the widget keeps where the visitor was (panel open or closed, the screen, the open
conversation and how far it was scrolled, the draft of every conversation) and the messages not yet
acknowledged (the outbox), so the next page of the same site opens as they left it and sends what was left.
This module says what is saved and checks what is read back; parley.storage reads and writes it (the frame's
own sessionStorage on the Parley origin in the copy-paste widget: see docs/security.md). A stored value is
untrusted input (another version of the widget, a corrupt or hostile value): ``read_place`` and
``read_outbox`` never raise, they keep what is valid and drop the rest.

Runs on CPython and MicroPython alike: plain dicts and lists, json only.
"""

import json

from parley import protocol as P

VERSION = 1
PLACE_KEY = "parley.place."  # + the site's client id
OUTBOX_KEY = "parley.outbox."  # + the site's client id
SCREENS = ("home", "chat", "share")
MAX_DRAFTS = 50  # conversations with a draft (the most recently written are kept)
MAX_OUTBOX = 200  # unsent messages kept
MAX_STORED_CHARS = 1 << 20  # a stored value longer than this is not read at all
MAX_SCROLL_PX = 1 << 24
PAINT_SCREENS = ("home", "chat")  # the screens whose last drawing is kept to paint the next page at once
MAX_PAINT_CHARS = 200000  # a bigger drawing is not kept (the next page then waits for Python to draw)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _id(value):
    """A conversation or user id, or None."""
    return value if _is_int(value) and 0 < value <= P.MAX_INT else None


def _loads(raw):
    """The JSON object stored as `raw`, or None."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_STORED_CHARS:
        return None
    try:
        value = json.loads(raw)
    except Exception:  # ValueError on CPython, ValueError/other on MicroPython: not ours either way
        return None
    return value if isinstance(value, dict) else None


def empty_place():
    """What a first visit starts from: nothing known (``open`` None: the widget has no opinion)."""
    return {"open": None, "screen": "home", "conv": None, "scroll": None, "drafts": {}, "paint": None}


def scroll_anchor(pos, offset):
    """Where the log was scrolled: the message at position `pos` was `offset` px below the log's top edge.
    None means "at the end" (the newest message in view), which is also where a conversation opens."""
    if _id(pos) is None or not _is_int(offset) or abs(offset) > MAX_SCROLL_PX:
        return None
    return {"pos": pos, "offset": offset}


def _clean_drafts(drafts):
    kept = {}
    if not isinstance(drafts, dict):
        return kept
    for key, text in drafts.items():
        try:
            conv = int(key) if isinstance(key, str) else key
        except ValueError:
            continue
        if _id(conv) is None or not isinstance(text, str) or not text or len(text) > P.MAX_TEXT_CHARS:
            continue
        kept[conv] = text
        if len(kept) >= MAX_DRAFTS:
            break
    return kept


def paint_of(screen, conv, html):
    """The panel's last drawing (its markup, as the browser serializes the DOM the widget built), kept so
    that the copy-paste frame's next page paints it before Python is up (client/static/frame-boot.js); None
    when that screen is not painted or the markup is too big."""
    if screen not in PAINT_SCREENS or not isinstance(html, str) or not html or len(html) > MAX_PAINT_CHARS:
        return None
    return {"screen": screen, "conv": _id(conv) if screen == "chat" else None, "html": html}


def save_place(user_id, is_open, screen, conv, scroll, drafts, paint=None):
    """The text to store for the visitor's place; `drafts` maps conversation id -> text (empty ones dropped,
    at most MAX_DRAFTS: the last ones in the dict, i.e. the most recently written). `paint` (from
    ``paint_of``) is kept only when it shows this same screen and conversation."""
    items = [(conv_id, text) for conv_id, text in drafts.items() if text]
    items = items[-MAX_DRAFTS:]
    place = {
        "v": VERSION,
        "user": user_id,
        "open": bool(is_open),
        "screen": screen if screen in SCREENS else "home",
        "conv": _id(conv),
        "scroll": scroll if isinstance(scroll, dict) else None,
        "drafts": {str(conv_id): text for conv_id, text in items},
    }
    if _paint_matches(paint, place["screen"], place["conv"]):
        place["paint"] = paint
    return json.dumps(place)


def _paint_matches(paint, screen, conv):
    return isinstance(paint, dict) and paint.get("screen") == screen and \
        (screen != "chat" or paint.get("conv") == conv) and paint_of(screen, conv, paint.get("html")) is not None


def read_place(raw, user_id):
    """The place stored as `raw` for `user_id`, checked: a dict like ``empty_place()``. Anything unreadable,
    of another version or of another user gives the empty place (never an exception)."""
    place = empty_place()
    data = _loads(raw)
    if data is None or data.get("v") != VERSION or _id(data.get("user")) is None or data.get("user") != user_id:
        return place
    if isinstance(data.get("open"), bool):
        place["open"] = data["open"]
    place["drafts"] = _clean_drafts(data.get("drafts"))
    screen = data.get("screen")
    conv = _id(data.get("conv"))
    if screen in SCREENS and (screen != "chat" or conv is not None):
        place["screen"] = screen
        place["conv"] = conv if screen == "chat" else None
    scroll = data.get("scroll")
    if place["screen"] == "chat" and isinstance(scroll, dict):
        place["scroll"] = scroll_anchor(scroll.get("pos"), scroll.get("offset"))
    paint = data.get("paint")
    if _paint_matches(paint, place["screen"], place["conv"]):
        place["paint"] = paint_of(place["screen"], place["conv"], paint["html"])
    return place


def restorable_screen(place, known_conversations):
    """(screen, conv) to show on boot: the stored chat only if that conversation is still one of the
    visitor's (`known_conversations`: ids); else home."""
    if place["screen"] == "chat":
        if place["conv"] in known_conversations:
            return "chat", place["conv"]
        return "home", None
    return place["screen"], None


def save_outbox(user_id, outbox):
    """The text to store for the outbox (ChatState.outbox entries, in the order written), or None when
    there is nothing to keep (the caller removes the stored value)."""
    entries = []
    for entry in outbox[:MAX_OUTBOX]:
        record = entry.get("record") or {}
        entries.append({"frame": entry["frame"], "ts": record.get("ts") or 0})
    if not entries:
        return None
    return json.dumps({"v": VERSION, "user": user_id, "entries": entries})


def read_outbox(raw, user_id):
    """The stored outbox for `user_id`: a list of (frame, ts) with every frame re-validated as the server
    would (a send or share frame, its client id kept, so a resend is stored once); invalid ones dropped."""
    data = _loads(raw)
    if data is None or data.get("v") != VERSION or _id(data.get("user")) is None or data.get("user") != user_id:
        return []
    entries = data.get("entries")
    if not isinstance(entries, list):
        return []
    kept = []
    seen = set()
    for entry in entries[:MAX_OUTBOX]:
        if not isinstance(entry, dict) or not isinstance(entry.get("frame"), dict):
            continue
        frame = entry["frame"]
        if frame.get("t") not in (P.SEND, P.SHARE):
            continue
        try:
            frame = P.validate(dict(frame), P.CLIENT_FRAMES)
        except P.ProtocolError:
            continue
        if frame["cid"] in seen:
            continue
        seen.add(frame["cid"])
        ts = entry.get("ts")
        kept.append((frame, ts if _is_int(ts) and 0 <= ts <= P.MAX_INT else 0))
    return kept


def requeue(state, entries):
    """Put stored outbox entries (from ``read_outbox``) back into a ChatState's outbox, in order, with their
    client ids; those already there are skipped. Returns the ids of the conversations whose pending list
    changed."""
    present = set(entry["cid"] for entry in state.outbox)
    convs = []
    for frame, ts in entries:
        if frame["cid"] in present:
            continue
        present.add(frame["cid"])
        if frame["t"] == P.SEND:
            state.queue_send(frame["conv"], frame["kind"], text=frame.get("text"), data=frame.get("data"),
                             cid=frame["cid"], now=ts)
        else:
            state.queue_share(frame["cid"], frame["data"], to=frame.get("to"), conv_id=frame.get("conv"),
                              text=frame.get("text"), now=ts)
        conv = frame.get("conv")
        if conv is not None and conv not in convs:
            convs.append(conv)
    return convs


def has_unsent(outbox):
    """True while a message waits for its acknowledgement."""
    return len(outbox) > 0
