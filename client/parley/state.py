"""The widget's conversation state: a pure model fed by server frames and local commands.

No I/O and no clock: every time is passed in (integer ms). ``ChatState.apply(frame, now)`` takes a
decoded server frame and returns the list of change events, each a tuple whose first item is one of
the EV_* names below, so the view re-renders only what changed. Local commands (``queue_send``,
``mark_read``, ...) update the model and return the frame the connection should send.

Runs on CPython and MicroPython alike: plain classes, dicts and lists only.
"""

from parley import edits
from parley import protocol as P
from parley.sorting import sorted_by

EV_ME = "me"  # ("me", user_id): welcome received
EV_CONVERSATION = "conversation"  # ("conversation", conv): new, or its metadata/read/unread changed
EV_MESSAGES = "messages"  # ("messages", conv): its message list (or pending list) changed
EV_UNREAD = "unread"  # ("unread", total): the total unread count changed
EV_TYPING = "typing"  # ("typing", conv): who is typing there changed
EV_READ = "read"  # ("read", conv): another member's read position moved
EV_PRESENCE = "presence"  # ("presence", user): a friend's aggregate presence changed
EV_HERE = "here"  # ("here", count): the set of friends on this site changed
EV_GAP = "gap"  # ("gap", conv): positions are missing after conv.head: fetch history(after=head)
EV_RESYNC = "resync"  # ("resync", conv): history must be reloaded from the latest page
EV_GONE = "gone"  # ("gone", conv): the conversation is gone or the visitor is no longer a member: removed
EV_FAILED = "failed"  # ("failed", conv, cid): the server refused a pending message for good
EV_RETRY = "retry"  # ("retry", cid): a pending message met a transient error: resend later
EV_ERROR = "error"  # ("error", code, message): an error not tied to a pending frame
EV_CHANGED = "changed"  # ("changed", conv, message id): a held message was edited, deleted or reacted to

PENDING = "pending"
FAILED = "failed"


def _join(first, second):
    """first + second, in place (MicroPython has no ``*`` unpacking in list displays)."""
    first.extend(second)
    return first


def _bisect_pos(items, pos):
    """Index where a message with ``pos`` goes in ``items`` (sorted by "pos")."""
    lo, hi = 0, len(items)
    while lo < hi:
        mid = (lo + hi) // 2
        if items[mid]["pos"] < pos:
            lo = mid + 1
        else:
            hi = mid
    return lo


class Conversation:
    """One conversation as the widget knows it.

    ``messages`` are stored messages sorted by position, unique by id; ``pending`` are the user's own
    messages not yet acknowledged (or failed), in the order written. ``head`` is the position up to
    which the live stream is complete (what a resume asks from); None until known (after a resync).
    ``latest_loaded`` tells whether the latest page of history is held: a live message that arrives before
    the conversation was ever opened is one message, not the latest page (``needs_latest()``).
    """

    def __init__(self, conv_id, last_pos=0, read_pos=0, info=None):
        self.id = conv_id
        self.info = info or {}
        self.messages = []
        self.by_id = {}
        self.by_pos = {}
        self.pending = []
        self.head = last_pos
        self.last_pos = last_pos
        self.read_pos = read_pos
        self.read_by = {}  # other member -> read position
        self.typing = {}  # member -> expiry (ms)
        self.has_more = last_pos > 0  # older history may exist on the server
        self.last_ts = 0
        self.gap_reported = False
        self.latest_loaded = last_pos == 0  # a conversation with no message yet has nothing to load
        self.changes = None  # change number up to which every edit, deletion and reaction is held (edits.py)
        self.changes_ahead = []

    @property
    def unread(self):
        return self.last_pos - self.read_pos if self.last_pos > self.read_pos else 0

    @property
    def oldest_pos(self):
        return self.messages[0]["pos"] if self.messages else None

    def insert(self, message):
        """Add a stored message; False if it was already there (same id or position). A held message takes
        a newer state of it (edits.merge)."""
        held = self.by_id.get(message["id"])
        if held is not None:
            edits.merge(held, message)
            return False
        if message["pos"] in self.by_pos:
            return False
        self.messages.insert(_bisect_pos(self.messages, message["pos"]), message)
        self.by_id[message["id"]] = message
        self.by_pos[message["pos"]] = message
        if message["pos"] > self.last_pos:
            self.last_pos = message["pos"]
        if message["ts"] > self.last_ts:
            self.last_ts = message["ts"]
        return True

    def needs_latest(self):
        """True while the latest page of history was never loaded and the server may hold more than we do:
        opening the conversation must ask for it, whatever live messages arrived meanwhile."""
        if self.latest_loaded:
            return False
        return self.has_more or not self.messages

    def last_unread(self):
        """The newest stored message from someone else past the read position, or None."""
        for message in reversed(self.messages):
            if message["pos"] <= self.read_pos:
                return None
            if message.get("from") is not None:
                return message
        return None

    def advance_head(self):
        """Move ``head`` over every contiguous position now held; True if a gap remains after it."""
        if self.head is None:
            return False
        while self.head + 1 in self.by_pos:
            self.head += 1
        return self.last_pos > self.head

    def typing_users(self, now):
        """Members typing at ``now``, sorted."""
        return sorted(user for user, until in self.typing.items() if until > now)


class ChatState:
    """Conversations, messages, outbox, unread counts, typing, presence and rendezvous."""

    def __init__(self, me=None):
        self.me = me
        self.profile = {}
        self.session = None
        self.heartbeat = None
        self.conversations = {}
        self.outbox = []  # entries {"frame", "conv", "cid", "record"}, in the order written
        self.presence = {}  # user -> {device: {"status", "here", "title"}}
        self.history_requests = {}  # rid -> (conv, before, after)
        self._typing_sent = {}  # conv -> last time we sent typing
        self._here = []
        self._unread_total = 0

    # -- queries ----------------------------------------------------------------------------------

    def conversation(self, conv_id, create=False):
        conv = self.conversations.get(conv_id)
        if conv is None and create:
            conv = self.conversations[conv_id] = Conversation(conv_id)
        return conv

    def unread_total(self):
        return sum(conv.unread for conv in self.conversations.values())

    def needs_latest(self, conv_id):
        """True if opening ``conv_id`` must ask for its latest page of history (not held, not asked yet)."""
        conv = self.conversations.get(conv_id)
        if conv is not None and not conv.needs_latest():
            return False
        for request in self.history_requests.values():
            if request[0] == conv_id and request[1] is None and request[2] is None:
                return False  # already on its way
        return True

    def unread_summary(self):
        """Who wrote what the visitor has not read: one entry per conversation with unread messages, newest
        first, each {"conv", "count", "from", "message"}. "from" is the writer of the newest unread message
        held, else the other member of a direct conversation, else None; "message" is that message or None."""
        entries = []
        for conv in self.conversations.values():
            count = conv.unread
            if not count:
                continue
            message = conv.last_unread()
            sender = message["from"] if message is not None else None
            if sender is None and conv.info.get("kind") == "direct":
                others = [m for m in conv.info.get("members") or [] if m != self.me]
                sender = others[0] if others else None
            entries.append({"conv": conv.id, "count": count, "from": sender, "message": message,
                            "ts": conv.last_ts})
        entries = sorted_by(entries, lambda entry: (-entry["ts"], entry["conv"]))
        for entry in entries:
            del entry["ts"]
        return entries

    def status_of(self, user):
        """Aggregate status over the user's devices: online beats away beats offline."""
        devices = self.presence.get(user)
        if not devices:
            return P.OFFLINE
        statuses = [entry["status"] for entry in devices.values()]
        return P.ONLINE if P.ONLINE in statuses else (P.AWAY if P.AWAY in statuses else P.OFFLINE)

    def is_here(self, user):
        """True if one of the user's live devices is on this site (rendezvous)."""
        devices = self.presence.get(user) or {}
        return any(entry["here"] for entry in devices.values())

    def title_of(self, user):
        """The page title a friend on this site shares, if any."""
        for entry in (self.presence.get(user) or {}).values():
            if entry["here"] and entry.get("title"):
                return entry["title"]
        return None

    def friends_here(self):
        """Friends on this site now, sorted by user id."""
        return sorted(user for user in self.presence if user != self.me and self.is_here(user))

    def resume_positions(self):
        """{conversation id: contiguous position held} for the hello frame's "resume"."""
        known = [conv for conv in self.conversations.values() if conv.head is not None]
        if len(known) > P.MAX_RESUME_CONVERSATIONS:
            known = sorted_by(known, lambda conv: -conv.last_ts)[: P.MAX_RESUME_CONVERSATIONS]
        return {conv.id: conv.head for conv in known}

    def resume_changes(self):
        """{conversation id: change number held} for the hello frame's "changes"."""
        known = list(self.conversations.values())
        if len(known) > P.MAX_RESUME_CONVERSATIONS:
            known = sorted_by(known, lambda conv: -conv.last_ts)[: P.MAX_RESUME_CONVERSATIONS]
        return edits.resume_changes(known)

    def outbox_frames(self):
        """Frames still waiting for an ack, in the order written: resend them all after welcome."""
        return [entry["frame"] for entry in self.outbox]

    # -- local commands ---------------------------------------------------------------------------

    def add_conversation(self, conv_id, last_pos=0, read_pos=0, info=None):
        """Register or refresh a conversation known from the REST API. Returns events."""
        conv = self.conversations.get(conv_id)
        if conv is None:
            self.conversations[conv_id] = Conversation(conv_id, last_pos, read_pos, info)
        else:
            if info:
                conv.info = info
            conv.last_pos = max(conv.last_pos, last_pos)
            conv.read_pos = max(conv.read_pos, read_pos)
            conv.has_more = conv.has_more or (conv.oldest_pos or last_pos + 1) > 1
        return _join([(EV_CONVERSATION, conv_id)], self._unread_event())

    def queue_send(self, conv_id, kind, text=None, data=None, cid=None, now=0, reply_to=None):
        """Queue a message for ``conv_id`` (``reply_to``: the id of a message it replies to): returns the send
        frame (ProtocolError if invalid)."""
        frame = P.make_send(cid, conv_id, text=text, data=data if kind in (P.KIND_SHARE, P.KIND_FILE) else None,
                            kind=kind, reply_to=reply_to)
        conv = self.conversation(conv_id, create=True)
        record = self._pending_record(frame, conv_id, frame["kind"], now)
        conv.pending.append(record)
        self.outbox.append({"frame": frame, "conv": conv_id, "cid": cid, "record": record})
        return frame

    def queue_share(self, cid, data, to=None, conv_id=None, text=None, now=0, convs=None):
        """Queue a link share to friends (``to``), a conversation or several (``convs``): returns the share
        frame."""
        frame = P.make_share(cid, data, to=to, conv=conv_id, text=text, convs=convs)
        record = self._pending_record(frame, conv_id, P.KIND_SHARE, now)
        if conv_id is not None:
            self.conversation(conv_id, create=True).pending.append(record)
        self.outbox.append({"frame": frame, "conv": conv_id, "cid": cid, "record": record})
        return frame

    def retry(self, cid):
        """Queue a failed message again; returns its frame, or None if there is no such message."""
        for conv in self.conversations.values():
            for record in conv.pending:
                if record["cid"] == cid and record["status"] == FAILED:
                    record["status"] = PENDING
                    frame = record["frame"]
                    self.outbox.append({"frame": frame, "conv": conv.id, "cid": cid, "record": record})
                    return frame
        return None

    def discard(self, cid):
        """Forget a pending or failed message. Returns events."""
        self.outbox = [entry for entry in self.outbox if entry["cid"] != cid]
        events = []
        for conv in self.conversations.values():
            kept = [record for record in conv.pending if record["cid"] != cid]
            if len(kept) != len(conv.pending):
                conv.pending = kept
                events.append((EV_MESSAGES, conv.id))
        return events

    def forget(self, conv_id):
        """Remove a conversation the visitor is no longer in, with its unsent messages. Returns events."""
        self.outbox = [entry for entry in self.outbox if entry["conv"] != conv_id]
        for rid in [rid for rid, request in self.history_requests.items() if request[0] == conv_id]:
            del self.history_requests[rid]
        if self.conversations.pop(conv_id, None) is None:
            return [(EV_GONE, conv_id)]
        return _join([(EV_GONE, conv_id)], self._unread_event())

    def mark_read(self, conv_id, pos=None):
        """Mark read up to ``pos`` (default: the last position). Returns the read frame, or None."""
        conv = self.conversations.get(conv_id)
        if conv is None:
            return None
        pos = conv.last_pos if pos is None else pos
        if pos <= conv.read_pos:
            return None
        conv.read_pos = pos
        self._unread_total = self.unread_total()
        return P.make_read(conv_id, pos)

    def typing_frame(self, conv_id, now):
        """The typing frame to send while the user types, at most every TYPING_INTERVAL_MS; else None."""
        last = self._typing_sent.get(conv_id)
        if last is not None and now - last < P.TYPING_INTERVAL_MS:
            return None
        self._typing_sent[conv_id] = now
        return P.make_typing(conv_id)

    def request_history(self, rid, conv_id, before=None, after=None, limit=P.DEFAULT_HISTORY_LIMIT):
        """A history frame; with neither ``before`` nor ``after`` it asks for the latest page."""
        frame = P.make_history(rid, conv_id, before=before, after=after, limit=limit)
        self.history_requests[rid] = (conv_id, before, after)
        return frame

    def expire_typing(self, now):
        """Drop typing notices that expired by ``now``. Returns events."""
        events = []
        for conv in self.conversations.values():
            expired = [user for user, until in conv.typing.items() if until <= now]
            for user in expired:
                del conv.typing[user]
            if expired:
                events.append((EV_TYPING, conv.id))
        return events

    def disconnected(self):
        """The socket closed: typing notices are void (presence is replaced by the next welcome)."""
        events = []
        for conv in self.conversations.values():
            if conv.typing:
                conv.typing = {}
                events.append((EV_TYPING, conv.id))
        return events

    # -- server frames ----------------------------------------------------------------------------

    def apply(self, frame, now=0):
        """Apply one decoded server frame; returns the list of change events."""
        handler = _HANDLERS.get(frame.get("t"))
        if handler is None:
            return []
        return handler(self, frame, now)

    def _on_welcome(self, frame, now):
        self.me = frame["me"]["id"]
        self.profile = frame["me"]
        self.session = frame["session"]
        self.heartbeat = frame["heartbeat"]
        old_users = list(self.presence)
        self.presence = {}
        for entry in frame.get("presence") or []:
            self._set_presence(entry)
        users = sorted(set(old_users) | set(self.presence))
        return [(EV_ME, self.me)] + [(EV_PRESENCE, user) for user in users] + self._here_event()

    def _on_ack(self, frame, now):
        cid = frame["cid"]
        events = []
        record = None
        for index, entry in enumerate(self.outbox):
            if entry["cid"] == cid:
                record = entry["record"]
                if not frame.get("rest"):  # the last (or only) ack for this cid
                    del self.outbox[index]
                    record["status"] = "acked"
                    self._drop_pending(entry["conv"], cid, events)
                break
        if record is None:  # a late duplicate ack: the message is stored already, or replay brings it
            return events
        message = {"id": frame["id"], "conv": frame["conv"], "pos": frame["pos"], "ts": frame["ts"]}
        message["from"] = self.me
        message["kind"] = record["kind"]
        message["cid"] = cid
        for key in ("text", "data", "reply_to"):
            if key in record:
                message[key] = record[key]
        return events + self._store_message(message, own=True)

    def _on_msg(self, frame, now):
        message = dict(frame)
        del message["t"]
        own = message["from"] == self.me
        events = []
        if own and message.get("cid"):
            for index, entry in enumerate(self.outbox):
                if entry["cid"] == message["cid"] and entry["conv"] in (None, message["conv"]):
                    if entry["frame"]["t"] == P.SEND:
                        del self.outbox[index]
                        self._drop_pending(entry["conv"], message["cid"], events)
                    break
        conv = self.conversations.get(message["conv"])
        if conv is not None and conv.typing.pop(message["from"], None) is not None:
            events.append((EV_TYPING, conv.id))
        return events + self._store_message(message, own=own)

    def _on_resync(self, frame, now):
        if frame.get("reason") == P.RESYNC_GONE:
            return self.forget(frame["conv"])
        conv = self.conversation(frame["conv"], create=True)
        conv.messages = []
        conv.by_id = {}
        conv.by_pos = {}
        conv.head = None
        conv.gap_reported = False
        conv.latest_loaded = False
        return [(EV_RESYNC, conv.id), (EV_MESSAGES, conv.id)]

    def _on_typing(self, frame, now):
        if frame["from"] == self.me:
            return []
        conv = self.conversation(frame["conv"], create=True)
        conv.typing[frame["from"]] = now + P.TYPING_TTL_MS
        return [(EV_TYPING, conv.id)]

    def _on_read(self, frame, now):
        conv = self.conversation(frame["conv"], create=True)
        pos = frame["pos"]
        if frame["user"] == self.me:  # another tab or device of ours read it
            if pos <= conv.read_pos:
                return []
            conv.read_pos = pos
            return _join([(EV_CONVERSATION, conv.id)], self._unread_event())
        if pos <= conv.read_by.get(frame["user"], -1):
            return []
        conv.read_by[frame["user"]] = pos
        return [(EV_READ, conv.id)]

    def _on_presence(self, frame, now):
        user = frame["user"]
        before = (self.status_of(user), self.is_here(user), self.title_of(user))
        self._set_presence(frame)
        after = (self.status_of(user), self.is_here(user), self.title_of(user))
        if before == after:
            return []
        return _join([(EV_PRESENCE, user)], self._here_event())

    def _on_error(self, frame, now):
        ref = frame.get("ref")
        if ref is not None and ref in self.history_requests:
            del self.history_requests[ref]
        for index, entry in enumerate(self.outbox):
            if entry["cid"] == ref:
                if frame["code"] in P.RETRYABLE_ERRORS:
                    return [(EV_RETRY, ref)]
                del self.outbox[index]
                entry["record"]["status"] = FAILED
                entry["record"]["error"] = frame["code"]
                return [(EV_FAILED, entry["conv"], ref)]
        return [(EV_ERROR, frame["code"], frame.get("message", ""))]

    def _on_history_page(self, frame, now):
        request = self.history_requests.pop(frame["rid"], None)
        conv = self.conversation(frame["conv"], create=True)
        latest = request is not None and request[1] is None and request[2] is None
        before = request is not None and request[1] is not None
        changed = False
        for message in frame["messages"]:
            held = conv.by_id.get(message["id"])
            if held is not None and edits.newer(held, message):
                changed = True
            changed = conv.insert(dict(message)) or changed
        if latest:
            conv.latest_loaded = True
            edits.start(conv, frame.get("changes") or 0)
        if latest and conv.head is None:
            conv.head = max([m["pos"] for m in frame["messages"]] or [conv.last_pos])
        if latest or before:
            conv.has_more = frame.get("next") is not None
        events = [(EV_MESSAGES, conv.id)] if changed or latest else []
        conv.gap_reported = conv.advance_head()
        if conv.gap_reported:
            events.append((EV_GAP, conv.id))
        events.append((EV_CONVERSATION, conv.id))
        return _join(events, self._unread_event())

    # -- helpers ----------------------------------------------------------------------------------

    def _on_changed(self, frame, now):
        """A held message changed (edited, deleted, reacted to): take its newer state."""
        conv = self.conversations.get(frame["conv"])
        if conv is None:
            return []
        message = frame["message"]
        held = conv.by_id.get(message["id"])
        changed = held is not None and edits.merge(held, dict(message))
        edits.track(conv, frame["change"], bool(frame.get("resumed")))
        return [(EV_CHANGED, conv.id, message["id"]), (EV_MESSAGES, conv.id)] if changed else []

    def _pending_record(self, frame, conv_id, kind, now):
        record = {"cid": frame["cid"], "conv": conv_id, "from": self.me, "ts": now, "kind": kind}
        record["status"] = PENDING
        record["frame"] = frame
        for key in ("text", "data", "reply_to"):
            if key in frame:
                record[key] = frame[key]
        return record

    def _drop_pending(self, conv_id, cid, events):
        conv = self.conversations.get(conv_id) if conv_id is not None else None
        if conv is None:
            return
        kept = [record for record in conv.pending if record["cid"] != cid]
        if len(kept) != len(conv.pending):
            conv.pending = kept
            events.append((EV_MESSAGES, conv.id))

    def _store_message(self, message, own):
        conv_id = message["conv"]
        conv = self.conversations.get(conv_id)
        events = []
        if conv is None:
            conv = self.conversations[conv_id] = Conversation(conv_id, message["pos"] - 1, message["pos"] - 1)
            conv.has_more = message["pos"] > 1
            events.append((EV_CONVERSATION, conv_id))
        if not conv.insert(message):
            return events
        events.append((EV_MESSAGES, conv_id))
        if own and message["pos"] > conv.read_pos:  # writing implies having read up to here
            conv.read_pos = message["pos"]
        if conv.advance_head():
            if not conv.gap_reported:
                conv.gap_reported = True
                events.append((EV_GAP, conv_id))
        else:
            conv.gap_reported = False
        events.append((EV_CONVERSATION, conv_id))
        return events + self._unread_event()

    def _set_presence(self, entry):
        user = entry["user"]
        device = entry.get("device") or ""
        devices = self.presence.setdefault(user, {})
        if entry["status"] == P.OFFLINE:
            if entry.get("device"):
                devices.pop(device, None)
            else:
                devices.clear()
        else:
            devices[device] = {"status": entry["status"], "here": entry["here"], "title": entry.get("title")}
        if not devices:
            del self.presence[user]

    def _unread_event(self):
        total = self.unread_total()
        if total == self._unread_total:
            return []
        self._unread_total = total
        return [(EV_UNREAD, total)]

    def _here_event(self):
        here = self.friends_here()
        if here == self._here:
            return []
        self._here = here
        return [(EV_HERE, len(here))]


_HANDLERS = {
    P.WELCOME: ChatState._on_welcome,
    P.ACK: ChatState._on_ack,
    P.MSG: ChatState._on_msg,
    P.RESYNC: ChatState._on_resync,
    P.TYPING: ChatState._on_typing,
    P.READ: ChatState._on_read,
    P.PRESENCE: ChatState._on_presence,
    P.ERROR: ChatState._on_error,
    P.HISTORY_PAGE: ChatState._on_history_page,
    P.CHANGED: ChatState._on_changed,
}
