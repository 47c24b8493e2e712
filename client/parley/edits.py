"""Edits, deletions and reactions in the widget's model: pure rules, no I/O (CPython and MicroPython).

A conversation keeps ``changes``, the change number up to which it has seen every edit, deletion and
reaction (None until known: a latest history page or a resume replay sets it), and ``changes_ahead``, live
numbers seen above it while an earlier one is still on its way (from another server process). A held
message is replaced only by a newer state of it (a higher ``change``): a late frame is older news.
See docs/protocol.md, "Edits, deletions, reactions and replies".
"""


def newer(held, incoming):
    """True if ``incoming`` is a later state of the message ``held``."""
    return (incoming.get("change") or 0) > (held.get("change") or 0)


def merge(held, incoming):
    """Replace the held message's fields (in place: every index keeps the same dict) with a newer state of
    it; True if it changed."""
    if not newer(held, incoming):
        return False
    held.clear()
    held.update(incoming)
    return True


def track(conv, number, resumed=False):
    """Count change ``number`` as seen in ``conv``: a resumed one moves ``changes`` up to it (the replay sends
    every change up to its last one), a live one only once the numbers below it are all seen."""
    if resumed:
        if conv.changes is None or number > conv.changes:
            conv.changes = number
    elif conv.changes is None or number <= conv.changes:
        return
    elif number not in conv.changes_ahead:
        conv.changes_ahead.append(number)
    while conv.changes + 1 in conv.changes_ahead:
        conv.changes += 1
    conv.changes_ahead = [n for n in conv.changes_ahead if n > conv.changes]


def start(conv, number):
    """A latest history page was read at change ``number``: start counting from it if nothing was known."""
    if conv.changes is None and number is not None:
        conv.changes = number


def resume_changes(conversations):
    """{conversation id: change number} for hello.changes: every conversation holding messages (0 when its
    number is unknown, so every change the server kept is replayed)."""
    out = {}
    for conv in conversations:
        if conv.changes is not None:
            out[conv.id] = conv.changes
        elif conv.messages:
            out[conv.id] = 0
    return out


def reactions_of(message, me):
    """[(emoji, count, users, mine)] of a message, in the fixed order."""
    out = []
    for entry in message.get("reactions") or []:
        users = entry["users"]
        out.append((entry["emoji"], len(users), users, me in users))
    return out


def quoted(conv, message):
    """The reply quote to show above ``message``: {id, pos, from, text, deleted} from the original when it is
    held (its current state), else the snippet the server sent; None for a message that is no reply."""
    target = message.get("reply_to")
    if target is None:
        return None
    held = conv.by_id.get(target) if conv is not None else None
    if held is not None:
        return {"id": target, "pos": held["pos"], "from": held.get("from"),
                "text": (held.get("text") or "")[:100], "deleted": bool(held.get("deleted"))}
    reply = message.get("reply")
    if reply is not None:
        return dict(reply)
    return {"id": target, "pos": None, "from": None, "text": "", "deleted": False}
