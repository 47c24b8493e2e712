"""Parley wire protocol v1: frame types, codes, encode/decode and validation.

Pure and shared: the browser widget (MicroPython or Pyodide) and the server import this same module.
Only the stdlib ``json`` module and the pure ``parley.urls`` are used; no typing, dataclasses or enum at run time.

Every frame is one JSON object in one WebSocket text frame, with its type in ``"t"``. Frames are
described once, in the tables ``CLIENT_FRAMES`` and ``SERVER_FRAMES`` (type -> field specs); decoding
validates against them and returns a new dict holding only the known fields, normalized. See
docs/protocol.md for the semantics.
"""

import json

from parley.urls import host as url_host  # the host[:port] of an http(s) URL, lower-cased ("" if not one)

VERSION = 1
MAX_FRAME_BYTES = 16384  # default limit on one inbound frame, in UTF-8 bytes
MAX_TEXT_CHARS = 4000
MAX_CID_CHARS = 64
MAX_URL_CHARS = 2048
MAX_TITLE_CHARS = 300
MAX_DESCRIPTION_CHARS = 1000
MAX_SHARE_TARGETS = 20
MAX_HISTORY_LIMIT = 200
DEFAULT_HISTORY_LIMIT = 50
MAX_RESUME_CONVERSATIONS = 500
MAX_GROUP_TITLE_CHARS = 100
MAX_GROUP_ADD = 49  # users one group frame may name (a group holds at most 50 members: the server's rule)
MAX_FIND_RESULTS = 10  # people a "find" answers with, at most
MIN_FIND_CHARS = 2  # a "find" query has at least this many characters (after trimming)
MAX_FIND_CHARS = 64
MAX_SEARCH_CHARS = 200  # a "search" query, after trimming
SEARCH_PAGE = 20  # hits a "search_results" frame carries, at most
MAX_SNIPPET_CHARS = 300
MAX_INT = 9007199254740991  # 2**53 - 1: every id and position stays exact in JavaScript too
TYPING_INTERVAL_MS = 3000  # a client sends "typing" at most this often while the user types
TYPING_TTL_MS = 6000  # a "typing" notice shows until this long after it arrived

# -- frame types, client -> server --------------------------------------------------------------
HELLO = "hello"
SEND = "send"
SHARE = "share"
TYPING = "typing"  # both directions
READ = "read"  # both directions
PRESENCE = "presence"  # both directions
PAGE = "page"
PING = "ping"
HISTORY = "history"
SETTINGS = "settings"  # both directions
FRIEND = "friend"  # request, accept, decline, cancel, remove, block, unblock (scope people)
FIND = "find"  # search people by username or display name (scope people)
INVITE = "invite"  # invite links to a page: create, list, revoke, accept (scope people)
GROUP = "group"  # create, rename, add, remove, leave (scope messages)
SEARCH = "search"  # full-text search of the user's own conversations (scope messages)
EDIT = "edit"  # change the text of one's own message (scope messages)
DELETE = "delete"  # delete one's own message for everyone (scope messages)
REACT = "react"  # add or take back a reaction to a message (scope messages)
REPORT = "report"  # report a message or a person to the site's owners (any scope; answered by done)
# -- frame types, server -> client --------------------------------------------------------------
WELCOME = "welcome"
ACK = "ack"
MSG = "msg"
RESYNC = "resync"
ERROR = "error"
PONG = "pong"
HISTORY_PAGE = "history_page"
DONE = "done"  # a friend/invite/group operation succeeded (its rid)
FRIENDSHIP = "friendship"  # the relation with one person changed (to every socket of the user)
FOUND = "found"  # the answer to find
INVITES = "invites"  # the answer to invite create/list
SEARCH_RESULTS = "search_results"  # the answer to search
CONVERSATION = "conversation"  # a group's name, owner or members changed (to every socket of every member)
CHANGED = "changed"  # a stored message was edited, deleted or reacted to: its current state

# -- message kinds, presence statuses, resync reasons -------------------------------------------
KIND_TEXT = "text"
KIND_SHARE = "share"
KIND_SYSTEM = "system"  # a group event (created, renamed, added, removed, left): written by the server only
KIND_FILE = "file"  # a picture or file uploaded first (POST /api/v1/conversations/{id}/files), sent by its id
SEND_KINDS = (KIND_TEXT, KIND_SHARE, KIND_FILE)  # what a client may send
MESSAGE_KINDS = (KIND_TEXT, KIND_SHARE, KIND_SYSTEM, KIND_FILE)
MAX_FILE_NAME_CHARS = 255
# group events carried by system messages (data.event)
REACTIONS = ("\U0001f44d", "\u2764\ufe0f", "\U0001f602", "\U0001f62e", "\U0001f622", "\U0001f64f")  # the fixed set
MAX_QUOTE_CHARS = 100  # what a reply quotes of the message it answers
EDIT_WINDOW_MS = 24 * 3600 * 1000  # a message can be edited for 24 hours after it was sent

GROUP_CREATED = "created"
GROUP_RENAMED = "renamed"
GROUP_ADDED = "added"
GROUP_REMOVED = "removed"
GROUP_LEFT = "left"
GROUP_EVENTS = (GROUP_CREATED, GROUP_RENAMED, GROUP_ADDED, GROUP_REMOVED, GROUP_LEFT)
# friend operations and relations
FRIEND_OPS = ("request", "accept", "decline", "cancel", "remove", "block", "unblock")
REL_NONE = "none"
REL_FRIENDS = "friends"
REL_INCOMING = "incoming"  # they asked me
REL_OUTGOING = "outgoing"  # I asked them
REL_BLOCKED = "blocked"  # I blocked them (a blocked person is never told: they see "none")
RELATIONS = (REL_NONE, REL_FRIENDS, REL_INCOMING, REL_OUTGOING, REL_BLOCKED)
INVITE_OPS = ("create", "list", "revoke", "accept")
GROUP_OPS = ("create", "rename", "add", "remove", "leave")
# privacy choices (account-wide settings)
FINDABLE_EVERYONE = "everyone"
FINDABLE_NOBODY = "nobody"
FINDABLE_CHOICES = (FINDABLE_EVERYONE, FINDABLE_NOBODY)
REQUESTS_EVERYONE = "everyone"
REQUESTS_FRIENDS_OF_FRIENDS = "friends_of_friends"
REQUESTS_NOBODY = "nobody"
REQUESTS_CHOICES = (REQUESTS_EVERYONE, REQUESTS_FRIENDS_OF_FRIENDS, REQUESTS_NOBODY)
ONLINE = "online"
AWAY = "away"
HIDDEN = "hidden"  # only ever sent by a client: others then see "offline"
OFFLINE = "offline"
CLIENT_STATUSES = (ONLINE, AWAY, HIDDEN)
SERVER_STATUSES = (ONLINE, AWAY, OFFLINE)
SOUND_ON = "on"
SOUND_OFF = "off"
SOUND_SITE = "site"  # whatever the site owner chose (data-sound)
SOUNDS = (SOUND_ON, SOUND_OFF, SOUND_SITE)
RESYNC_TOO_OLD = "too_old"  # the gap is longer than the server replays
RESYNC_AHEAD = "ahead"  # the client claims a position the server never gave out
RESYNC_GONE = "gone"  # the conversation is gone or the user is no longer a member
RESYNC_REASONS = (RESYNC_TOO_OLD, RESYNC_AHEAD, RESYNC_GONE)

# -- error codes (the "code" of an error frame; ProtocolError.code) ------------------------------
E_BAD_JSON = "bad_json"  # not JSON text
E_BAD_FRAME = "bad_frame"  # JSON, but not an object with a string "t"
E_UNKNOWN_TYPE = "unknown_type"
E_BAD_FIELD = "bad_field"  # a field is missing or invalid; the message names it
E_TOO_BIG = "too_big"
E_VERSION = "unsupported_version"
E_AUTH_REQUIRED = "auth_required"  # a frame other than hello before welcome
E_FORBIDDEN = "forbidden"  # scope missing, not a member, not a friend
E_NOT_FOUND = "not_found"
E_RATE_LIMITED = "rate_limited"
E_UNAVAILABLE = "unavailable"  # the store is briefly unavailable: retry later
E_INTERNAL = "internal"
E_LIMIT = "limit"  # a product limit was reached (group size, invites per user); the message says which
ERROR_CODES = (
    E_BAD_JSON,
    E_BAD_FRAME,
    E_UNKNOWN_TYPE,
    E_BAD_FIELD,
    E_TOO_BIG,
    E_VERSION,
    E_AUTH_REQUIRED,
    E_FORBIDDEN,
    E_NOT_FOUND,
    E_RATE_LIMITED,
    E_UNAVAILABLE,
    E_INTERNAL,
    E_LIMIT,
)
RETRYABLE_ERRORS = (E_RATE_LIMITED, E_UNAVAILABLE, E_INTERNAL)  # a send failing with these stays queued

# -- WebSocket close codes ----------------------------------------------------------------------
CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001  # server shutting down
CLOSE_TOO_BIG = 1009  # a frame over the size limit
CLOSE_INTERNAL = 1011
CLOSE_RESTART = 1012  # server restarting or lost its broker: reconnect and resume
CLOSE_AUTH_FAILED = 4001  # token invalid or expired: refresh it, then reconnect
CLOSE_FORBIDDEN = 4003  # origin not registered for the site, or scope missing: do not retry
CLOSE_POLICY = 4008  # rate limit or other policy violation: reconnect after a long backoff
CLOSE_SLOW_CONSUMER = 4009  # the socket's send queue overflowed: reconnect at once and resume
CLOSE_REVOKED = 4010  # the grant was revoked: sign out
CLOSE_HEARTBEAT = 4011  # nothing received for two heartbeat intervals
CLOSE_BANNED = 4013  # the user is banned from this site's chat by its owners: say so, do not reconnect
CLOSE_PROTOCOL = 4400  # malformed frames before authentication, or too many after
CLOSE_AUTH_TIMEOUT = 4408  # no hello in time
CLOSE_VERSION = 4426  # protocol version not supported: reload the widget

HELLO_TIMEOUT_S = 10  # the server closes with CLOSE_AUTH_TIMEOUT if no hello arrives in time

# OAuth scope a client frame needs (frames not listed need none beyond a valid token)
SCOPE_MESSAGES = "messages"
SCOPE_SHARE = "share"
SCOPE_FRIENDS = "friends"  # friends' presence, rendezvous and page titles
SCOPE_PEOPLE = "people"  # find people, friend requests, blocks and invites on the visitor's behalf
FRAME_SCOPES = {
    "send": SCOPE_MESSAGES,
    "history": SCOPE_MESSAGES,
    "read": SCOPE_MESSAGES,
    "typing": SCOPE_MESSAGES,
    "share": SCOPE_SHARE,
    "group": SCOPE_MESSAGES,
    "edit": SCOPE_MESSAGES,
    "delete": SCOPE_MESSAGES,
    "react": SCOPE_MESSAGES,
    "friend": SCOPE_PEOPLE,
    "find": SCOPE_PEOPLE,
    "invite": SCOPE_PEOPLE,
    "search": SCOPE_MESSAGES,
}

RECONNECT = "reconnect"  # reconnect with backoff and resume
REFRESH = "refresh"  # refresh the access token, then reconnect
SIGN_OUT = "sign_out"  # forget the tokens; do not reconnect
STOP = "stop"  # do not reconnect automatically (configuration problem or outdated client)
BANNED = "banned"  # banned from this site: tell the visitor, do not reconnect (other sites are not affected)
CLOSE_ACTIONS = {
    CLOSE_NORMAL: STOP,
    CLOSE_GOING_AWAY: RECONNECT,
    CLOSE_TOO_BIG: RECONNECT,
    CLOSE_INTERNAL: RECONNECT,
    CLOSE_RESTART: RECONNECT,
    CLOSE_AUTH_FAILED: REFRESH,
    CLOSE_FORBIDDEN: STOP,
    CLOSE_POLICY: RECONNECT,
    CLOSE_SLOW_CONSUMER: RECONNECT,
    CLOSE_REVOKED: SIGN_OUT,
    CLOSE_HEARTBEAT: RECONNECT,
    CLOSE_BANNED: BANNED,
    CLOSE_PROTOCOL: RECONNECT,
    CLOSE_AUTH_TIMEOUT: RECONNECT,
    CLOSE_VERSION: STOP,
}


def close_action(code):
    """What a client does after the socket closed with ``code``: RECONNECT, REFRESH, SIGN_OUT, STOP or BANNED."""
    return CLOSE_ACTIONS.get(code, RECONNECT)


class ProtocolError(Exception):
    """A frame broke the protocol. ``code`` is one of the E_* codes; ``ref`` the frame's cid/rid if known."""

    def __init__(self, code, message, ref=None):
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.ref = ref

    def __str__(self):
        return self.code + ": " + self.message


def _fail(message):
    raise ProtocolError(E_BAD_FIELD, message)


# -- field validators: value -> normalized value, or ProtocolError ------------------------------
# A validator is a function (value, name) -> value. Factories below build them from parameters.


def _int(lo, hi):
    def check(value, name):
        if type(value) is not int or value < lo or value > hi:
            _fail(name + " must be an integer in " + str(lo) + ".." + str(hi))
        return value

    return check


ID = _int(1, MAX_INT)
POS = _int(0, MAX_INT)
TS = _int(0, MAX_INT)


def _bool(value, name):
    if type(value) is not bool:
        _fail(name + " must be true or false")
    return value


def _is_control(code):
    """C0 (below 32), DEL and C1 (U+0080..U+009F): the control characters of docs/protocol.md."""
    return code < 32 or 127 <= code <= 159


_WIDE_SPACES = (0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000)


def _is_space(code):
    """Non-ASCII white space, which a URL may not hold (listed: MicroPython's isspace knows only ASCII)."""
    return code in _WIDE_SPACES or 0x2000 <= code <= 0x200A


def _has_bad_chars(text, multiline):
    """True if ``text`` holds a control character (tab/newline allowed if multiline) or a surrogate."""
    if _ISPRINTABLE:
        probe = text.replace("\n", "").replace("\t", "") if multiline else text
        if probe.isprintable():
            return False
    for ch in text:
        code = ord(ch)
        if code < 32:
            if not (multiline and (code == 10 or code == 9)):
                return True
        elif 127 <= code <= 159 or 0xD800 <= code <= 0xDFFF:
            return True
    return False


_ISPRINTABLE = hasattr(str, "isprintable")


def _str(lo, hi, multiline=False):
    """A string of lo..hi characters; single-line strings have control characters replaced by spaces."""

    def check(value, name):
        if type(value) is not str:
            _fail(name + " must be a string")
        if multiline and "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        if _has_bad_chars(value, multiline):
            if multiline:
                _fail(name + " holds a control character")
            value = "".join(" " if _is_control(ord(c)) else c for c in value)
            if _has_bad_chars(value, False):
                _fail(name + " holds an unpaired surrogate")
        if len(value) < lo or len(value) > hi:
            _fail(name + " must have " + str(lo) + ".." + str(hi) + " characters")
        return value

    return check


_TEXT_CHARS = _str(1, MAX_TEXT_CHARS, multiline=True)


def _text(value, name):
    value = _TEXT_CHARS(value, name)
    if not value.strip():
        _fail(name + " is blank")
    return value


def text_length(text):
    """How many characters the server counts in a message text a client sends: code points (not UTF-16
    units or bytes), after the client's strip and the server's ``\r\n`` -> ``\n``. At most MAX_TEXT_CHARS."""
    return len(text.strip().replace("\r\n", "\n"))


def _token(hi):
    """Visible ASCII only (0x21..0x7e), 1..hi characters: client ids, request ids, device ids, tokens."""

    def check(value, name):
        if type(value) is not str or not value or len(value) > hi:
            _fail(name + " must be 1.." + str(hi) + " visible ASCII characters")
        for ch in value:
            if not ("!" <= ch <= "~"):
                _fail(name + " must be 1.." + str(hi) + " visible ASCII characters")
        return value

    return check


CID = _token(MAX_CID_CHARS)


def _choice(values):
    def check(value, name):
        if type(value) is not str or value not in values:
            _fail(name + " must be one of " + ", ".join(values))
        return value

    return check


def check_url(url, name="url"):
    """Return ``url`` normalized (scheme lower-cased) if it is a safe http(s) link; else ProtocolError."""
    if type(url) is not str or not url or len(url) > MAX_URL_CHARS:
        _fail(name + " must be a URL of 1.." + str(MAX_URL_CHARS) + " characters")
    for ch in url:
        code = ord(ch)
        if ch <= " " or ch == "\\" or _is_control(code) or _is_space(code) or 0xD800 <= code <= 0xDFFF:
            _fail(name + " holds a space, control character or backslash")
    scheme = url[: url.find(":")].lower() if ":" in url else ""
    if scheme not in ("http", "https") or url[len(scheme) : len(scheme) + 3] != "://":
        _fail(name + " must be an http or https URL")
    host = url_host(url)
    if not host or "@" in host:
        _fail(name + " must name a host and no user info")
    if host.startswith("["):  # IPv6 literal: [addr] or [addr]:port
        close = host.find("]")
        if close < 0:
            _fail(name + " has a broken IPv6 host")
        port = host[close + 2 :] if host[close + 1 : close + 2] == ":" else ""
        if host[close + 1 :] and not port:
            _fail(name + " has a broken IPv6 host")
    else:
        colon = host.find(":")
        port = host[colon + 1 :] if colon >= 0 else ""
        if colon == 0 or (colon > 0 and not port):
            _fail(name + " has an empty host or port")
    if port and (not port.isdigit() or not 1 <= int(port) <= 65535):
        _fail(name + " has an invalid port")
    return scheme + url[len(scheme) :]


def _url(value, name):
    return check_url(value, name)


def _object(fields, check=None):
    """A nested object validated by ``fields`` (same shape as a frame's fields), then by ``check``."""

    def validate(value, name):
        if type(value) is not dict:
            _fail(name + " must be an object")
        return _apply_fields(value, fields, check, name + ".")

    return validate


def _list(item, lo, hi):
    def check(value, name):
        if type(value) is not list or len(value) < lo or len(value) > hi:
            _fail(name + " must be a list of " + str(lo) + ".." + str(hi) + " items")
        return [item(v, name + "[]") for v in value]

    return check


def _unique_ids(lo, hi):
    ids = _list(ID, lo, hi)

    def check(value, name):
        value = ids(value, name)
        seen = []
        for v in value:
            if v not in seen:
                seen.append(v)
        return seen

    return check


def _positions(value, name):
    """{conversation id: last position}. JSON keys are strings; the result has int keys."""
    if type(value) is not dict or len(value) > MAX_RESUME_CONVERSATIONS:
        _fail(name + " must be an object of at most " + str(MAX_RESUME_CONVERSATIONS) + " entries")
    out = {}
    for key, pos in value.items():
        if not (type(key) is str and key.isdigit() and 0 < len(key) < 17):
            _fail(name + " keys must be conversation ids")
        out[ID(int(key), name + " key")] = POS(pos, name + "[" + key + "]")
    return out


# -- tables: field specs per frame type ---------------------------------------------------------
# A spec is (field name, validator, required). A frame may also have a cross-field check
# (normalized frame -> None or ProtocolError). Unknown fields are dropped (forward compatibility).

MAX_CARD_FIELDS = 20
MAX_CARD_FIELD_CHARS = 500


def _card_fields(value, name):
    """A custom card's fields: at most MAX_CARD_FIELDS names (1..32 visible ASCII) to a single-line string,
    a number or a boolean (nothing nested: a renderer draws them, as text, never as HTML)."""
    if type(value) is not dict or len(value) > MAX_CARD_FIELDS:
        _fail(name + " must be an object of at most " + str(MAX_CARD_FIELDS) + " fields")
    key_check = _token(32)
    text_check = _str(0, MAX_CARD_FIELD_CHARS)
    out = {}
    for key, item in value.items():
        key_check(key, name + " key")
        if type(item) is str:
            item = text_check(item, name + "." + key)
        elif type(item) is float:
            if item != item or item in (float("inf"), float("-inf")):
                _fail(name + "." + key + " must be a finite number")
        elif type(item) is not int and type(item) is not bool:
            _fail(name + "." + key + " must be text, a number or true/false")
        out[key] = item
    return out


CARD_FIELDS = (("type", _token(32), True), ("fields", _card_fields, False))
SHARE_DATA = (
    ("url", _url, True),
    ("title", _str(0, MAX_TITLE_CHARS), False),
    ("description", _str(0, MAX_DESCRIPTION_CHARS), False),
    ("card", _object(CARD_FIELDS), False),  # optional custom card, drawn by a site's renderer (parley.cards)
)
PAGE_FIELDS = (("url", _url, True), ("title", _str(0, MAX_TITLE_CHARS), False))
# The visitor's choices: status and sound are the account's (every device, every site); hidden ("hide me on
# this site") and share_title ("show friends the title of my page") are for the socket's site.
SETTINGS_FIELDS = (
    ("status", _choice(CLIENT_STATUSES), False),
    ("hidden", _bool, False),
    ("share_title", _bool, False),
    ("sound", _choice(SOUNDS), False),
    ("findable", _choice(FINDABLE_CHOICES), False),  # who finds me by name: everyone (default) or nobody
    ("requests", _choice(REQUESTS_CHOICES), False),  # who may send me friend requests (default everyone)
)
USERNAME = _str(1, 64)
PERSON_FIELDS = (("id", ID, True), ("username", _str(0, 64), False), ("name", _str(0, 128), False))
FOUND_FIELDS = PERSON_FIELDS + (("rel", _choice(RELATIONS), True),)
INVITE_CODE = _token(64)
INVITE_FIELDS = (
    ("code", INVITE_CODE, True),
    ("url", _url, True),
    ("expires", TS, True),
    ("inviter", _object(PERSON_FIELDS), False),
)
GROUP_TITLE = _str(0, MAX_GROUP_TITLE_CHARS)
# A file message's data as stored and delivered: the server writes it from its own record of the upload.
FILE_DATA = (
    ("id", ID, True),
    ("name", _str(1, MAX_FILE_NAME_CHARS), True),
    ("size", _int(0, MAX_INT), True),
    ("type", _str(1, 100), True),  # the type found in the content (never the sender's claim)
    ("image", _bool, False),  # true: a re-encoded picture with a thumbnail (w, h; tw, th for the thumbnail)
    ("w", _int(1, 100000), False),
    ("h", _int(1, 100000), False),
    ("tw", _int(1, 100000), False),
    ("th", _int(1, 100000), False),
)
SYSTEM_DATA = (
    ("event", _choice(GROUP_EVENTS), True),
    ("users", _list(ID, 0, 100), False),  # who was added or removed (created: the first members)
    ("title", GROUP_TITLE, False),  # created and renamed: the group's name ("" for none)
)


def _check_send(frame):
    if "reply_to" in frame and frame["kind"] != KIND_TEXT:
        _fail("reply_to is for text messages")
    if frame["kind"] == KIND_TEXT:
        if "text" not in frame:
            _fail("a text message needs text")
        frame.pop("data", None)
    elif "data" not in frame:
        _fail("a " + frame["kind"] + " message needs data")
    elif frame["kind"] == KIND_FILE:
        frame["data"] = _FILE_SEND_CHECK(frame["data"], "data")
        frame.pop("text", None)
    else:
        frame["data"] = _SHARE_DATA_CHECK(frame["data"], "data")


def _check_share(frame):
    targets = len(frame.get("to", ())) + len(frame.get("convs", ())) + (1 if "conv" in frame else 0)
    if not targets:
        _fail("a share needs to, conv or convs")
    if targets > MAX_SHARE_TARGETS:
        _fail("a share has at most " + str(MAX_SHARE_TARGETS) + " targets in to, conv and convs together")


def _check_friend(frame):
    if ("user" in frame) == ("username" in frame):
        _fail("a friend frame needs exactly one of user and username")
    if "username" in frame and frame["op"] != "request":
        _fail("username is only for op request")


def _check_find(frame):
    frame["q"] = frame["q"].strip()
    if len(frame["q"]) < MIN_FIND_CHARS:
        _fail("q must have at least " + str(MIN_FIND_CHARS) + " characters")


REPORT_REASONS = ("spam", "abuse", "harassment", "inappropriate", "other")
MAX_REPORT_NOTE = 500


def _check_report(frame):
    if "user" not in frame and "msg" not in frame:
        _fail("report needs user or msg")
    if "msg" in frame and "conv" not in frame:
        _fail("msg needs conv")
    if "note" in frame:
        frame["note"] = frame["note"].strip()


def _check_search(frame):
    frame["q"] = frame["q"].strip()
    if not frame["q"]:
        _fail("q must not be blank")


def _ranges(value, name):
    """[[start, end], ...]: ranges of a snippet (0 <= start < end)."""
    if type(value) is not list or len(value) > 100:
        _fail(name + " must be a list of at most 100 ranges")
    out = []
    for item in value:
        if type(item) is not list or len(item) != 2:
            _fail(name + " holds [start, end] pairs")
        start, end = POS(item[0], name), POS(item[1], name)
        if start >= end:
            _fail(name + " ranges end after they start")
        out.append([start, end])
    return out


def _check_invite(frame):
    op = frame["op"]
    if op == "create" and "url" not in frame:
        _fail("invite create needs url")
    if op in ("revoke", "accept") and "code" not in frame:
        _fail("invite " + op + " needs code")


def _check_group(frame):
    op = frame["op"]
    if op != "create" and "conv" not in frame:
        _fail("group " + op + " needs conv")
    if op in ("create", "add") and "users" not in frame:
        _fail("group " + op + " needs users")
    if op == "rename" and "title" not in frame:
        _fail("group rename needs title")
    if op == "remove" and "user" not in frame:
        _fail("group remove needs user")


def _check_history(frame):
    if "before" in frame and "after" in frame:
        _fail("history takes before or after, not both")
    frame.setdefault("limit", DEFAULT_HISTORY_LIMIT)


_SHARE_DATA_CHECK = None  # set below, once SHARE_DATA exists
_SYSTEM_DATA_CHECK = None
_FILE_DATA_CHECK = None
_FILE_SEND_CHECK = None


def _check_msg(frame):
    frame.setdefault("from", None)
    kind = frame["kind"]
    if frame.get("deleted"):  # deleted for everyone: no text, no data
        frame.pop("data", None)
        frame["text"] = ""
        return
    if ("text" if kind == KIND_TEXT else "data") not in frame:
        _fail("msg misses its " + ("text" if kind == KIND_TEXT else "data"))
    if "data" in frame:
        check = _SYSTEM_DATA_CHECK if kind == KIND_SYSTEM else _FILE_DATA_CHECK if kind == KIND_FILE else None
        frame["data"] = (check or _SHARE_DATA_CHECK)(frame["data"], "data")


def _any_object(value, name):
    if type(value) is not dict:
        _fail(name + " must be an object")
    return value


CLIENT_FRAMES = {
    HELLO: (
        (
            ("v", _int(1, 1000), True),
            ("token", _token(4096), True),
            ("resume", _positions, False),
            ("page", _object(PAGE_FIELDS), False),
            ("device", _token(64), False),
            ("dpop", _token(4096), False),
            ("changes", _positions, False),
        ),
        None,
    ),
    SEND: (
        (
            ("cid", CID, True),
            ("conv", ID, True),
            ("kind", _choice(SEND_KINDS), True),
            ("text", _text, False),
            ("data", _any_object, False),  # a link card (share) or a file reference (file): _check_send checks it
            ("reply_to", ID, False),
        ),
        _check_send,
    ),
    SHARE: (
        (
            ("cid", CID, True),
            ("to", _unique_ids(1, MAX_SHARE_TARGETS), False),
            ("conv", ID, False),
            ("convs", _unique_ids(1, MAX_SHARE_TARGETS), False),
            ("data", _object(SHARE_DATA), True),
            ("text", _text, False),
        ),
        _check_share,
    ),
    TYPING: ((("conv", ID, True),), None),
    READ: ((("conv", ID, True), ("pos", POS, True)), None),
    PRESENCE: ((("status", _choice(CLIENT_STATUSES), True),), None),
    PAGE: (PAGE_FIELDS, None),
    PING: ((), None),
    SETTINGS: ((("rid", _token(64), False),) + SETTINGS_FIELDS, None),
    HISTORY: (
        (
            ("rid", _token(64), True),
            ("conv", ID, True),
            ("before", POS, False),
            ("after", POS, False),
            ("limit", _int(1, MAX_HISTORY_LIMIT), False),
        ),
        _check_history,
    ),
    FRIEND: (
        (
            ("rid", _token(64), True),
            ("op", _choice(FRIEND_OPS), True),
            ("user", ID, False),
            ("username", USERNAME, False),
        ),
        _check_friend,
    ),
    FIND: ((("rid", _token(64), True), ("q", _str(1, MAX_FIND_CHARS), True)), _check_find),
    INVITE: (
        (
            ("rid", _token(64), True),
            ("op", _choice(INVITE_OPS), True),
            ("url", _url, False),
            ("code", INVITE_CODE, False),
        ),
        _check_invite,
    ),
    SEARCH: ((("rid", _token(64), True), ("q", _str(1, MAX_SEARCH_CHARS), True), ("before", ID, False)),
             _check_search),
    REPORT: (
        (
            ("rid", _token(64), True),
            ("user", ID, False),
            ("conv", ID, False),
            ("msg", ID, False),
            ("reason", _choice(REPORT_REASONS), True),
            ("note", _str(0, MAX_REPORT_NOTE, multiline=True), False),
        ),
        _check_report,
    ),
    GROUP: (
        (
            ("rid", _token(64), True),
            ("op", _choice(GROUP_OPS), True),
            ("conv", ID, False),
            ("users", _unique_ids(1, MAX_GROUP_ADD), False),
            ("user", ID, False),
            ("title", GROUP_TITLE, False),
        ),
        _check_group,
    ),
    EDIT: ((("rid", _token(64), True), ("conv", ID, True), ("id", ID, True), ("text", _text, True)), None),
    DELETE: ((("rid", _token(64), True), ("conv", ID, True), ("id", ID, True)), None),
    REACT: (
        (
            ("rid", _token(64), True),
            ("conv", ID, True),
            ("id", ID, True),
            ("emoji", _choice(REACTIONS), True),
            ("on", _bool, False),
        ),
        None,
    ),
}

PRESENCE_FIELDS = (
    ("user", ID, True),
    ("device", _token(64), False),
    ("status", _choice(SERVER_STATUSES), True),
    ("here", _bool, True),
    ("title", _str(0, MAX_TITLE_CHARS), False),
)
REPLY_FIELDS = (
    ("id", ID, True),
    ("pos", ID, True),
    ("from", ID, False),
    ("text", _str(0, MAX_QUOTE_CHARS, multiline=True), False),
    ("deleted", _bool, False),
)
REACTION_FIELDS = (("emoji", _choice(REACTIONS), True), ("users", _list(ID, 1, 100000), True))
MESSAGE_FIELDS = (
    ("id", ID, True),
    ("conv", ID, True),
    ("pos", ID, True),
    ("ts", TS, True),
    ("from", ID, False),  # null (normalized to None) once the sender's account is deleted
    ("kind", _choice(MESSAGE_KINDS), True),
    ("text", _str(0, MAX_TEXT_CHARS, multiline=True), False),
    ("data", _any_object, False),  # a link card (share) or a group event (system): _check_msg checks it by kind
    ("cid", CID, False),
    ("edited", TS, False),  # when its text was last edited
    ("deleted", _bool, False),  # deleted for everyone: text "" and no data
    ("change", POS, False),  # the conversation's change number of its latest change (0 or absent: none)
    ("reply_to", ID, False),  # the message it replies to
    ("reply", _object(REPLY_FIELDS), False),  # that message as quoted: {id, pos, from, text, deleted}
    ("reactions", _list(_object(REACTION_FIELDS), 0, len(REACTIONS)), False),  # [{emoji, users}]
)
_SHARE_DATA_CHECK = _object(SHARE_DATA)
_SYSTEM_DATA_CHECK = _object(SYSTEM_DATA)
# What a client sends: the uploaded file's id; the other fields are optional (the sender's own view of its
# pending message) and the server replaces them all with its record of the upload.
FILE_SEND_DATA = (FILE_DATA[0],) + tuple((name, check, False) for name, check, _required in FILE_DATA[1:])
_FILE_DATA_CHECK = _object(FILE_DATA)
_FILE_SEND_CHECK = _object(FILE_SEND_DATA)
CONVERSATION_FIELDS = (
    ("conv", ID, True),
    ("kind", _choice(("direct", "group")), True),
    ("title", GROUP_TITLE, False),
    ("owner", ID, False),
    ("members", _list(_object(PERSON_FIELDS), 0, 1000), True),
)

SEARCH_HIT_FIELDS = (
    ("id", ID, True),
    ("conv", ID, True),
    ("pos", ID, True),
    ("ts", TS, True),
    ("from", ID, False),
    ("kind", _choice(MESSAGE_KINDS), True),
    ("snippet", _str(0, MAX_SNIPPET_CHARS), True),
    ("marks", _ranges, True),
)

SERVER_FRAMES = {
    WELCOME: (
        (
            ("v", _int(1, 1000), True),
            (
                "me",
                _object((("id", ID, True), ("username", _str(0, 64), False), ("name", _str(0, 128), False))),
                True,
            ),
            ("session", _token(128), True),
            ("heartbeat", _int(1, 3600), True),
            ("presence", _list(_object(PRESENCE_FIELDS), 0, 100000), False),
            ("max_frame", _int(256, MAX_INT), False),
            ("settings", _object(SETTINGS_FIELDS), False),
        ),
        None,
    ),
    ACK: (
        (
            ("cid", CID, True),
            ("id", ID, True),
            ("conv", ID, True),
            ("pos", ID, True),
            ("ts", TS, True),
            ("rest", _int(0, MAX_SHARE_TARGETS), False),
        ),
        None,
    ),
    MSG: (MESSAGE_FIELDS, _check_msg),
    RESYNC: ((("conv", ID, True), ("reason", _str(1, 32), True)), None),
    TYPING: ((("conv", ID, True), ("from", ID, True)), None),
    READ: ((("conv", ID, True), ("user", ID, True), ("pos", POS, True)), None),
    PRESENCE: (PRESENCE_FIELDS, None),
    ERROR: (
        (("code", _str(1, 64), True), ("message", _str(0, 1000), False), ("ref", _token(64), False)),
        None,
    ),
    PONG: ((("ts", TS, False),), None),
    SETTINGS: ((("rid", _token(64), False),) + SETTINGS_FIELDS, None),
    HISTORY_PAGE: (
        (
            ("rid", _token(64), True),
            ("conv", ID, True),
            ("messages", _list(_object(MESSAGE_FIELDS, _check_msg), 0, MAX_HISTORY_LIMIT), True),
            ("next", POS, False),
            ("changes", POS, False),
        ),
        None,
    ),
    DONE: ((("rid", _token(64), True), ("conv", ID, False), ("rel", _choice(RELATIONS), False)), None),
    FRIENDSHIP: ((("user", _object(PERSON_FIELDS), True), ("rel", _choice(RELATIONS), True)), None),
    FOUND: ((("rid", _token(64), True), ("users", _list(_object(FOUND_FIELDS), 0, MAX_FIND_RESULTS), True)), None),
    INVITES: ((("rid", _token(64), True), ("invites", _list(_object(INVITE_FIELDS), 0, 1000), True)), None),
    CONVERSATION: (CONVERSATION_FIELDS, None),
    SEARCH_RESULTS: (
        (
            ("rid", _token(64), True),
            ("hits", _list(_object(SEARCH_HIT_FIELDS), 0, SEARCH_PAGE), True),
            ("next", ID, False),
        ),
        None,
    ),
    CHANGED: (
        (
            ("conv", ID, True),
            ("change", ID, True),
            ("message", _object(MESSAGE_FIELDS, _check_msg), True),
            ("resumed", _bool, False),
        ),
        None,
    ),
}


def _apply_fields(obj, fields, check, prefix, out=None):
    out = {} if out is None else out
    for name, validate, required in fields:
        if name in obj and obj[name] is not None:
            out[name] = validate(obj[name], prefix + name)
        elif required:
            _fail(prefix + name + " is missing")
    if check is not None:
        check(out)
    return out


# -- decode / validate / encode -----------------------------------------------------------------


def _visible(text, hi):
    """True if ``text`` is a string of 1..hi visible ASCII characters (safe to echo in an error frame)."""
    if type(text) is not str or not text or len(text) > hi:
        return False
    return all("!" <= ch <= "~" for ch in text)


def _ref_of(obj):
    """The frame's cid or rid for an error's ``ref``, only if it is well-formed: an error never echoes text
    that is not visible ASCII (an unpaired surrogate could not even be encoded)."""
    ref = obj.get("cid", obj.get("rid"))
    return ref if _visible(ref, MAX_CID_CHARS) else None


def validate(obj, table):
    """Validate a decoded frame against ``table``; return a new normalized dict (with "t")."""
    if type(obj) is not dict:
        raise ProtocolError(E_BAD_FRAME, "a frame must be a JSON object")
    kind = obj.get("t")
    if type(kind) is not str:
        raise ProtocolError(E_BAD_FRAME, 'a frame needs a string "t"', _ref_of(obj))
    spec = table.get(kind)
    if spec is None:
        shown = kind[:32] if _visible(kind[:32], 32) else "(not visible ASCII)"
        raise ProtocolError(E_UNKNOWN_TYPE, "unknown frame type " + shown, _ref_of(obj))
    try:
        return _apply_fields(obj, spec[0], spec[1], "", {"t": kind})
    except ProtocolError as exc:
        exc.ref = _ref_of(obj)
        raise


def _utf8_len(text):
    try:
        return len(text.encode("utf-8"))
    except Exception:  # CPython: a lone surrogate; it takes 3 bytes in any lenient encoding
        return len(text) * 3


def loads(text, max_bytes=MAX_FRAME_BYTES):
    """Parse one frame's JSON text (str or UTF-8 bytes) within ``max_bytes``; ProtocolError otherwise."""
    if type(text) is not str:
        if type(text) is not bytes and type(text) is not bytearray:
            raise ProtocolError(E_BAD_JSON, "a frame is JSON text")
        if len(text) > max_bytes:
            raise ProtocolError(E_TOO_BIG, "frame over " + str(max_bytes) + " bytes")
        try:
            text = bytes(text).decode("utf-8")
        except Exception:
            raise ProtocolError(E_BAD_JSON, "a frame is UTF-8 text") from None
    elif len(text) > max_bytes or (len(text) * 4 > max_bytes and _utf8_len(text) > max_bytes):
        raise ProtocolError(E_TOO_BIG, "frame over " + str(max_bytes) + " bytes")
    try:
        return json.loads(text)
    except Exception:  # ValueError, RecursionError, MemoryError: all mean "not a frame we accept"
        raise ProtocolError(E_BAD_JSON, "a frame is one JSON object") from None


def parse_client_frame(text, max_bytes=MAX_FRAME_BYTES):
    """Decode and validate a frame a client sent (server side). Returns a normalized dict."""
    return validate(loads(text, max_bytes), CLIENT_FRAMES)


def parse_server_frame(text, max_bytes=1 << 24):
    """Decode and validate a frame the server sent (client side). Returns a normalized dict."""
    return validate(loads(text, max_bytes), SERVER_FRAMES)


def encode(frame):
    """Serialize a frame dict to compact JSON text, non-ASCII characters as themselves (not \\u escapes):
    MicroPython's json cannot join an escaped surrogate pair, so an emoji must travel as UTF-8."""
    return json.dumps(frame, separators=_SEPARATORS, **_DUMPS_OPTIONS)


_SEPARATORS = (",", ":")
try:
    json.dumps("", ensure_ascii=False)
    _DUMPS_OPTIONS = {"ensure_ascii": False}
except TypeError:  # MicroPython: no such option, and it never escapes
    _DUMPS_OPTIONS = {}


# -- constructors, client -> server (validated: they raise ProtocolError on bad input) ----------


def _client(frame):
    return validate(frame, CLIENT_FRAMES)


def _wire_positions(positions):
    return {str(conv): pos for conv, pos in positions.items()}


def make_hello(token, resume=None, page=None, device=None, dpop=None, changes=None):
    """The first frame: ``resume`` maps conversation id -> last contiguous position the client holds; ``dpop``
    a DPoP proof (GET on the WebSocket URL, with ``ath``) for a token bound to a key; ``changes`` maps
    conversation id -> the change number up to which the client holds every edit, deletion and reaction."""
    frame = {"t": HELLO, "v": VERSION, "token": token}
    if changes:
        frame["changes"] = _wire_positions(changes)
    if dpop:
        frame["dpop"] = dpop
    if resume:
        frame["resume"] = _wire_positions(resume)
    if page:
        frame["page"] = page
    if device:
        frame["device"] = device
    out = _client(frame)
    for name in ("resume", "changes"):
        if name in out:
            out[name] = _wire_positions(out[name])
    return out


def make_send(cid, conv, text=None, data=None, kind=None, reply_to=None):
    """A ``send``: text (``reply_to``: the id of a message it replies to), a link card (``data``), or with
    ``kind`` KIND_FILE an uploaded file (``data`` {id})."""
    frame = {"t": SEND, "cid": cid, "conv": conv, "kind": kind or (KIND_SHARE if data is not None else KIND_TEXT)}
    if reply_to is not None:
        frame["reply_to"] = reply_to
    if text is not None:
        frame["text"] = text
    if data is not None:
        frame["data"] = data
    return _client(frame)


def make_share(cid, data, to=None, conv=None, text=None, convs=None):
    """Share a link with friends (``to``: user ids), a conversation (``conv``) or several (``convs``); at most
    MAX_SHARE_TARGETS targets in all."""
    frame = {"t": SHARE, "cid": cid, "data": data}
    if to is not None:
        frame["to"] = to
    if conv is not None:
        frame["conv"] = conv
    if convs is not None:
        frame["convs"] = convs
    if text is not None:
        frame["text"] = text
    return _client(frame)


def make_typing(conv):
    return _client({"t": TYPING, "conv": conv})


def make_read(conv, pos):
    return _client({"t": READ, "conv": conv, "pos": pos})


def make_presence(status):
    return _client({"t": PRESENCE, "status": status})


def make_page(url, title=None):
    frame = {"t": PAGE, "url": url}
    if title is not None:
        frame["title"] = title
    return _client(frame)


def make_settings(rid=None, **choices):
    """Read the visitor's choices (no choice given) or change some: status, hidden, share_title, sound."""
    frame = {"t": SETTINGS}
    if rid is not None:
        frame["rid"] = rid
    for name, value in choices.items():
        if value is not None:
            frame[name] = value
    return _client(frame)


def make_ping():
    return {"t": PING}


def make_friend(rid, op, user=None, username=None):
    """A friend operation (FRIEND_OPS) on a user id, or a request by ``username``."""
    frame = {"t": FRIEND, "rid": rid, "op": op}
    if user is not None:
        frame["user"] = user
    if username is not None:
        frame["username"] = username
    return _client(frame)


def make_report(rid, reason, user=None, conv=None, msg=None, note=None):
    """Report a message (``conv`` and ``msg``) or a person (``user``) to the site's owners (answered by done)."""
    frame = {"t": REPORT, "rid": rid, "reason": reason}
    for key, value in (("user", user), ("conv", conv), ("msg", msg), ("note", note)):
        if value is not None:
            frame[key] = value
    return _client(frame)


def make_find(rid, q):
    """Search people by username or display name (answered by a "found" frame)."""
    return _client({"t": FIND, "rid": rid, "q": q})


def make_search(rid, q, before=None):
    """Search the user's own conversations (answered by "search_results"); ``before``: the ``next`` of the
    previous page."""
    frame = {"t": SEARCH, "rid": rid, "q": q}
    if before is not None:
        frame["before"] = before
    return _client(frame)


def make_invite(rid, op, url=None, code=None):
    """Invite links: create (for the page ``url``), list, revoke or accept (by ``code``)."""
    frame = {"t": INVITE, "rid": rid, "op": op}
    if url is not None:
        frame["url"] = url
    if code is not None:
        frame["code"] = code
    return _client(frame)


def make_group(rid, op, conv=None, users=None, user=None, title=None):
    """A group operation (GROUP_OPS): create (users, title), rename (conv, title), add (conv, users),
    remove (conv, user) or leave (conv)."""
    frame = {"t": GROUP, "rid": rid, "op": op}
    for name, value in (("conv", conv), ("users", users), ("user", user), ("title", title)):
        if value is not None:
            frame[name] = value
    return _client(frame)


def make_edit(rid, conv, id, text):
    """Change the text of one's own text message ``id`` (answered by done; everyone gets "changed")."""
    return _client({"t": EDIT, "rid": rid, "conv": conv, "id": id, "text": text})


def make_delete(rid, conv, id):
    """Delete one's own message ``id`` for everyone."""
    return _client({"t": DELETE, "rid": rid, "conv": conv, "id": id})


def make_react(rid, conv, id, emoji, on=True):
    """Add (``on``) or take back one's reaction ``emoji`` (one of REACTIONS) to message ``id``."""
    return _client({"t": REACT, "rid": rid, "conv": conv, "id": id, "emoji": emoji, "on": on})


def make_history(rid, conv, before=None, after=None, limit=DEFAULT_HISTORY_LIMIT):
    frame = {"t": HISTORY, "rid": rid, "conv": conv, "limit": limit}
    if before is not None:
        frame["before"] = before
    if after is not None:
        frame["after"] = after
    return _client(frame)


# -- constructors, server -> client (trusted input: not validated, for speed) -------------------


def make_welcome(me, session, heartbeat, presence=None, max_frame=MAX_FRAME_BYTES, settings=None):
    frame = {
        "t": WELCOME,
        "v": VERSION,
        "me": me,
        "session": session,
        "heartbeat": heartbeat,
        "presence": presence or [],
        "max_frame": max_frame,
    }
    if settings is not None:
        frame["settings"] = settings
    return frame


def make_user_settings(status, hidden, share_title, sound, rid=None):
    """The visitor's choices as seen from one socket's site (to every socket of the user on a change)."""
    frame = {"t": SETTINGS, "status": status, "hidden": hidden, "share_title": share_title, "sound": sound}
    if rid is not None:
        frame["rid"] = rid
    return frame


def make_ack(cid, id, conv, pos, ts, rest=0):
    frame = {"t": ACK, "cid": cid, "id": id, "conv": conv, "pos": pos, "ts": ts}
    if rest:
        frame["rest"] = rest
    return frame


def message_fields(id, conv, pos, ts, sender, kind, text=None, data=None, cid=None):
    """A stored message as it travels on the wire (in msg frames and history pages), without "t"."""
    out = {"id": id, "conv": conv, "pos": pos, "ts": ts, "from": sender, "kind": kind}
    if kind == KIND_TEXT or text:
        out["text"] = text or ""
    if data is not None:
        out["data"] = data
    if cid is not None:
        out["cid"] = cid
    return out


def make_msg(id, conv, pos, ts, sender, kind, text=None, data=None, cid=None):
    frame = message_fields(id, conv, pos, ts, sender, kind, text, data, cid)
    frame["t"] = MSG
    return frame


def make_resync(conv, reason):
    return {"t": RESYNC, "conv": conv, "reason": reason}


def make_user_typing(conv, sender):
    return {"t": TYPING, "conv": conv, "from": sender}


def make_user_read(conv, user, pos):
    return {"t": READ, "conv": conv, "user": user, "pos": pos}


def make_user_presence(user, status, here, title=None, device=None):
    frame = {"t": PRESENCE, "user": user, "status": status, "here": here}
    if device is not None:
        frame["device"] = device
    if title:
        frame["title"] = title
    return frame


def make_error(code, message="", ref=None):
    frame = {"t": ERROR, "code": code, "message": message}
    if ref is not None:
        frame["ref"] = ref
    return frame


def make_pong(ts=None):
    return {"t": PONG} if ts is None else {"t": PONG, "ts": ts}


def make_history_page(rid, conv, messages, next_before=None, changes=None):
    frame = {"t": HISTORY_PAGE, "rid": rid, "conv": conv, "messages": messages, "next": next_before}
    if changes:
        frame["changes"] = changes
    return frame


def message_state(out, edited=None, deleted=False, change=0, reply_to=None, reply=None, reactions=None):
    """Add a message's changes to its wire fields ``out`` (see message_fields): the edit time, deletion, change
    number, the message it replies to (``reply``: its snippet, see reply_fields) and reactions
    ([{emoji, users}]). Returns ``out``."""
    if deleted:
        out["deleted"] = True
        out["text"] = ""
        out.pop("data", None)
    elif edited is not None:
        out["edited"] = edited
    if change:
        out["change"] = change
    if reply_to is not None and not deleted:
        out["reply_to"] = reply_to
        if reply is not None:
            out["reply"] = reply
    if reactions and not deleted:
        out["reactions"] = reactions
    return out


def reply_fields(id, pos, sender, text, deleted=False):
    """The quoted start of a replied-to message (at most MAX_QUOTE_CHARS of its text)."""
    out = {"id": id, "pos": pos, "from": sender, "text": "" if deleted else text[:MAX_QUOTE_CHARS]}
    if deleted:
        out["deleted"] = True
    return out


def make_changed(conv, change, message, resumed=False):
    """A stored message changed (edit, deletion, reaction): its current state as ``message`` (message fields);
    ``resumed`` when sent by a resume replay rather than live."""
    frame = {"t": CHANGED, "conv": conv, "change": change, "message": message}
    if resumed:
        frame["resumed"] = True
    return frame


def person(id, username, name):
    """A person as frames carry one: id, username and display name (the username when none is set)."""
    return {"id": id, "username": username, "name": name or username}


def make_done(rid, conv=None, rel=None):
    frame = {"t": DONE, "rid": rid}
    if conv is not None:
        frame["conv"] = conv
    if rel is not None:
        frame["rel"] = rel
    return frame


def make_friendship(user, rel):
    """The relation of the receiving user with ``user`` (a person) is now ``rel`` (RELATIONS)."""
    return {"t": FRIENDSHIP, "user": user, "rel": rel}


def make_found(rid, users):
    """The answer to find: people (person fields and "rel"), at most MAX_FIND_RESULTS."""
    return {"t": FOUND, "rid": rid, "users": users}


def search_hit(id, conv, pos, ts, sender, kind, snippet, marks):
    """One hit of "search_results": the message's place, sender and time, and a snippet of its text with the
    matches as [start, end] ranges of the snippet (code points)."""
    return {"id": id, "conv": conv, "pos": pos, "ts": ts, "from": sender, "kind": kind, "snippet": snippet,
            "marks": [[a, b] for a, b in marks]}


def make_search_results(rid, hits, next_before=None):
    """The answer to search: at most SEARCH_PAGE hits, newest first; ``next``: the ``before`` of older ones."""
    return {"t": SEARCH_RESULTS, "rid": rid, "hits": hits, "next": next_before}


def invite_fields(code, url, expires, inviter=None):
    out = {"code": code, "url": url, "expires": expires}
    if inviter is not None:
        out["inviter"] = inviter
    return out


def make_invites(rid, invites):
    return {"t": INVITES, "rid": rid, "invites": invites}


def make_conversation(conv, kind, members, title=None, owner=None):
    """A conversation's info: every member as a person, its title and owner (groups)."""
    frame = {"t": CONVERSATION, "conv": conv, "kind": kind, "members": members}
    if title is not None:
        frame["title"] = title
    if owner is not None:
        frame["owner"] = owner
    return frame


def system_data(event, users=None, title=None):
    """The data of a system message (a group event): who was added or removed, the new name."""
    data = {"event": event}
    if users is not None:
        data["users"] = users
    if title is not None:
        data["title"] = title
    return data


def error_frame(exc):
    """The error frame answering a ProtocolError."""
    return make_error(exc.code, exc.message, exc.ref)
