"""The people a visitor knows of: relations (friends, requests both ways, blocks) and the names of everyone
met in a conversation (group members need not be friends). Pure: fed by ``friendship`` and ``conversation``
frames and the JSON API's lists; no I/O, runs on CPython and MicroPython alike.
"""

from parley.sorting import sorted_by

NONE = "none"
FRIENDS = "friends"
INCOMING = "incoming"
OUTGOING = "outgoing"
BLOCKED = "blocked"
RELATIONS = (NONE, FRIENDS, INCOMING, OUTGOING, BLOCKED)

# The JSON API's lists of people, the relation each list holds.
LIST_RELATIONS = (("friends", FRIENDS), ("incoming", INCOMING), ("outgoing", OUTGOING), ("blocked", BLOCKED))


def person(raw):
    """A person {id, username, name} from a frame's or the JSON API's user object (``display_name`` or
    ``name``; the username when there is no name)."""
    username = raw.get("username") or ""
    name = raw.get("name") or raw.get("display_name") or username or ("#" + str(raw["id"]))
    return {"id": raw["id"], "username": username, "name": name}


def _by_name(people):
    return sorted_by(people, lambda p: (str(p["name"]).lower(), p["id"]))


class People:
    """Every relation of the visitor (``rel_of``), and a directory of names (``name_of``)."""

    def __init__(self):
        self.relations = {}  # user id -> relation (never NONE: those are dropped)
        self.directory = {}  # user id -> person, everyone whose name we learned

    def remember(self, people):
        """Learn names (a conversation's members, search results); relations are unchanged."""
        for raw in people or []:
            self.directory[raw["id"]] = person(raw)

    def load(self, lists):
        """Replace every relation from the JSON API's lists: {"friends": [...], "incoming": [...], ...}
        (a list missing from ``lists`` keeps its relations). Returns True if anything changed."""
        before = dict(self.relations)
        for name, rel in LIST_RELATIONS:
            if lists.get(name) is None:
                continue
            for user in [u for u, r in self.relations.items() if r == rel]:
                del self.relations[user]
            for raw in lists[name]:
                self.directory[raw["id"]] = person(raw)
                self.relations[raw["id"]] = rel
        return before != self.relations

    def set(self, raw, rel):
        """The relation with one person is now ``rel`` (a friendship frame, a done's rel). Returns the
        relation it replaced (NONE if there was none)."""
        self.directory[raw["id"]] = person(raw)
        old = self.relations.get(raw["id"], NONE)
        if rel == NONE:
            self.relations.pop(raw["id"], None)
        else:
            self.relations[raw["id"]] = rel
        return old

    def rel_of(self, user):
        return self.relations.get(user, NONE)

    def name_of(self, user):
        """The person's display name, or None if we never learned it."""
        known = self.directory.get(user)
        return known["name"] if known is not None else None

    def get(self, user):
        return self.directory.get(user)

    def with_rel(self, rel):
        """The people with one relation, sorted by name."""
        return _by_name([self.directory[u] for u, r in self.relations.items() if r == rel and u in self.directory])

    def friend_ids(self):
        return set(u for u, r in self.relations.items() if r == FRIENDS)

    def counts(self):
        """How many people per relation (NONE excluded)."""
        counts = {}
        for rel in self.relations.values():
            counts[rel] = counts.get(rel, 0) + 1
        return counts


def actions_for(rel):
    """What the visitor can do about a person in relation ``rel``: the friend operations, most useful first."""
    return {
        NONE: ("request", "block"),
        FRIENDS: ("remove", "block"),
        INCOMING: ("accept", "decline", "block"),
        OUTGOING: ("cancel", "block"),
        BLOCKED: ("unblock",),
    }.get(rel, ())


def system_line(actor, data, name_of, t):
    """The text of a group event (a ``system`` message's data ``{event, users, title}``) as one line:
    "Alice added Carol", "Bob renamed the group to Trip". ``name_of(user_id)`` names a person (None: the
    deleted user), ``t`` is the widget's translator."""
    who = name_of(actor)
    users = data.get("users") or []
    names = join_names([name_of(u) for u in users], t)
    event = data.get("event")
    title = data.get("title")
    if event == "created":
        return t("sys_created_named", who=who, title=title) if title else t("sys_created", who=who)
    if event == "renamed":
        return t("sys_renamed", who=who, title=title) if title else t("sys_unnamed", who=who)
    if event == "added":
        return t("sys_added", who=who, names=names)
    if event == "removed":
        return t("sys_removed", who=who, names=names)
    if event == "left":
        return t("sys_left", who=who)
    return t("sys_changed", who=who)


def join_names(names, t):
    """"A", "A and B", "A, B and C" (in the widget's language)."""
    names = [str(n) for n in names]
    if len(names) <= 1:
        return "".join(names)
    return t("and_names", names=", ".join(names[:-1]), last=names[-1])


class Selection:
    """A picker's chosen items (friends by id, groups by conversation id), at most ``limit`` in all, in the
    order chosen. Keys are ("user", id) or ("conv", id)."""

    def __init__(self, limit):
        self.limit = limit
        self.keys = []

    def toggle(self, key):
        """Choose or un-choose ``key``; False (nothing changes) when choosing one more would pass the limit."""
        if key in self.keys:
            self.keys.remove(key)
            return True
        if len(self.keys) >= self.limit:
            return False
        self.keys.append(key)
        return True

    def has(self, key):
        return key in self.keys

    @property
    def full(self):
        return len(self.keys) >= self.limit

    def ids(self, kind):
        """The chosen ids of one kind ("user" or "conv"), in the order chosen."""
        return [key[1] for key in self.keys if key[0] == kind]

    def clear(self):
        self.keys = []

    def __len__(self):
        return len(self.keys)


INVITE_FRAGMENT = "parley-invite="


def invite_link(url, code):
    """The link given out for an invite: the page URL (without any fragment) with ``#parley-invite=<code>``."""
    return str(url).split("#", 1)[0] + "#" + INVITE_FRAGMENT + code


def invite_code(url_or_hash):
    """The invite code carried by a URL or a location.hash (``#parley-invite=<code>``), or None. Only visible
    ASCII (as the protocol's codes): anything else is no code."""
    text = str(url_or_hash or "")
    at = text.find("#")
    fragment = text[at + 1:] if at >= 0 else text
    for part in fragment.split("&"):
        if part.startswith(INVITE_FRAGMENT):
            code = part[len(INVITE_FRAGMENT):]
            if 0 < len(code) <= 64 and all(0x21 <= ord(c) <= 0x7E for c in code):
                return code
    return None


def without_invite(url):
    """The URL with its invite fragment removed (other fragment parts kept): what replaceState writes back."""
    text = str(url)
    at = text.find("#")
    if at < 0:
        return text
    kept = [part for part in text[at + 1:].split("&") if part and not part.startswith(INVITE_FRAGMENT)]
    return text[:at] + ("#" + "&".join(kept) if kept else "")
