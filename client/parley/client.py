"""The Parley client: sign-in, friends, conversations, live messages and presence (browser I/O, no UI).

The copy-paste widget draws its UI on top of a Client, and developers use the same object from Python. All chat
state lives in parley.state.ChatState (pure); this module feeds it server frames and REST results, sends what
the user does, and turns state changes into events (parley.events).
"""

import asyncio

from pyscript import window

from parley import people as PP
from parley import place, urls
from parley import protocol as P
from parley import state as S
from parley.auth import LIST_SCOPES
from parley.clock import now_ms
from parley.connection import CONNECTING, OFFLINE, ONLINE, Connection
from parley.errors import ParleyError
from parley.events import Emitter
from parley.http import request
from parley.replies import Replies

CONNECT_WAIT_S = 10.0  # an operation asked while the socket connects waits this long for it

RESTORE_BACKOFF_S = (1, 2, 4, 8, 15, 30, 30, 30, 60, 60, 120, 300)  # silent sign-in retries when unreachable


def new_cid():
    """A client message id: unique per sender, so a resend after a reconnect is stored once."""
    return str(window.crypto.randomUUID())


class Client:
    """One visitor's Parley session on one site, signed in through `auth`: parley.auth.FrameAuth (cookie-backed)
    in the copy-paste frame, parley.inline_auth.InlineAuth (PKCE in the page) inline; both have one interface."""

    def __init__(self, auth, ws_url=None, storage=None):
        self.auth = auth
        self.storage = storage  # parley.storage.Storage: the outbox is kept there across pages (None: nowhere)
        self.server = auth.public_url
        self.client_id = auth.client_id
        self.ws_url = ws_url or (urls.websocket_url(self.server) + "/v1/ws")
        self.state = S.ChatState()
        self.events = Emitter()
        self.banned = False  # the site's owners banned the visitor from its chat (close code 4013)
        self.me = None
        self.friends = {}
        self.conv_info = {}
        self.people = PP.People()  # relations (friends, requests, blocks) and names of everyone met
        self.replies = Replies()  # friend/find/invite/group operations waiting for their answer
        self._welcomed = False  # a later welcome is a reconnect: the lists are reloaded then
        self.status = "online"
        self.settings = None  # the visitor's choices as the server keeps them (from welcome / settings frames)
        self._unsent_settings = {}  # choices made while the socket was down: sent after the next welcome
        self._title_sent = False  # whether the server got this page's title (only while sharing titles)
        self.page = None
        self.device = new_cid()[:16]
        self.connection = Connection(self.ws_url, self._hello, self._on_frame, self._on_status, self._on_auth_lost)
        self.listeners = []  # callables(events) from the UI
        self.commands = {}  # slash command name -> run(args, conv): parley.registry installs them
        self.filters = []  # run(text, conv) -> text or None: parley.registry installs them
        self.unsent_hooks = []  # callables(at_risk): an unsent message would be lost by leaving the page
        self._rid = 0
        self._tasks = set()
        self._here = set()
        self._kept_cids = ()
        self._at_risk = False
        self._kept = True

    # -- session --------------------------------------------------------------------------------------

    @property
    def signed_in(self):
        return self.auth.signed_in and self.me is not None

    @property
    def connection_status(self):
        return self.connection.status

    def on(self, name, handler=None):
        """Register a developer event handler (see parley.events.EVENTS)."""
        return self.events.on(name, handler)

    async def start(self):
        """Restore an earlier sign-in of this browser on this site, if any; then go live."""
        try:
            user = await self.auth.restore(with_lists=True)
        except ParleyError:  # unreachable: stay signed out for now and try again in the background
            user = None
            self._later(self._restore_later())
        if user is not None:
            await self._signed_in(user)
        elif self.auth.refused == "banned":  # the saved sign-in is refused: the site's owners banned the visitor
            self._banned()
        self.events.emit("ready", {"signed_in": self.signed_in})

    async def _restore_later(self):
        """Retry the silent sign-in with backoff while the server is unreachable (unless the visitor signs
        in meanwhile)."""
        for delay in RESTORE_BACKOFF_S:
            await asyncio.sleep(delay)
            if self.signed_in:
                return
            try:
                user = await self.auth.restore(with_lists=True)
            except ParleyError:
                continue
            if user is not None and not self.signed_in:
                await self._signed_in(user)
            return

    def begin_sign_in(self):
        """Open the sign-in popup; call it synchronously from a click, then await finish_sign_in()."""
        return self.auth.open_popup()

    async def finish_sign_in(self, attempt):
        user = await self.auth.finish(attempt)
        await self._signed_in(user)
        return self.me

    async def sign_in(self):
        """Open the popup and wait for the visitor to sign in (call from a click handler)."""
        return await self.finish_sign_in(self.begin_sign_in())

    async def sign_out(self):
        """Forget this site's sign-in in this browser and close the connection."""
        self.connection.stop()
        await self.auth.sign_out()
        if self.storage is not None:
            self.storage.save(self.outbox_key, None)
        self.me = None
        self.friends = {}
        self.conv_info = {}
        self.people = PP.People()
        self._welcomed = False
        self.state = S.ChatState()
        self._kept_cids = ()
        self._notify([("signed_out", None)])
        self.events.emit("signed_out", {})

    async def _signed_in(self, user):
        self.banned = False  # signed in again: a ban was lifted
        self.me = user
        self.state.me = user["id"]
        await self.refresh_lists(self.auth.take_lists())
        self._restore_outbox()
        self.connection.start()
        self._notify([("signed_in", None)])
        self.events.emit("signed_in", {"user": user})

    async def api(self, method, path, body=None):
        """Call the JSON API (/api/v1) with this visitor's access token."""
        token = await self.auth.token()
        if token is None:
            raise ParleyError("not_signed_in", "sign in first")
        return await request(method, self.server + "/api/v1" + path, body, token=token, dpop=self.auth.token_dpop())

    async def refresh_lists(self, known=None):
        """Load friends and conversations (REST; `known` holds lists that came with the sign-in)."""
        known = known or {}
        for name, scope in LIST_SCOPES:
            if known.get(name) is None and self.auth.granted and scope not in self.auth.granted:
                known[name] = []  # this site may not see them: nothing to ask for
        missing = [name for name, _ in LIST_SCOPES if known.get(name) is None]
        if missing:
            answers = await asyncio.gather(*[self.api("GET", "/" + name) for name in missing])
            for name, answer in zip(missing, answers):  # noqa: B905 (MicroPython's zip has no strict=)
                known[name] = answer[name]
        self.people.load({"friends": known["friends"]})
        self._friends_from_people()
        events = []
        for conv in known["conversations"]:
            events = events + self._adopt_conversation(conv)
        self._notify(events + [("friends", None)])
        if self.has_scope(P.SCOPE_PEOPLE):
            self._later(self.refresh_people())

    async def refresh_people(self):
        """Load the pending requests (and blocks, where the server lists them) into ``people``."""
        lists = {}
        try:
            answer = await self.api("GET", "/friends/requests")
            lists["incoming"], lists["outgoing"] = answer["incoming"], answer["outgoing"]
        except ParleyError as error:
            print("parley: friend requests not loaded:", error.message)
        try:
            lists["blocked"] = (await self.api("GET", "/blocks"))["blocked"]
        except (ParleyError, KeyError, TypeError):
            pass  # a server without the list: blocks made here still show
        if self.people.load(lists):
            self._notify([("people", None)])

    def has_scope(self, scope):
        """Whether this site's grant holds ``scope`` (an unknown grant: assume it does)."""
        return not self.auth.granted or scope in self.auth.granted

    def _friends_from_people(self):
        self.friends = {}
        for friend in self.people.with_rel(PP.FRIENDS):
            self.friends[friend["id"]] = dict(friend)

    def _adopt_conversation(self, conv):
        """A conversation from the JSON API or a ``conversation`` frame (members as ids or as people)."""
        members = [m["id"] if isinstance(m, dict) else m for m in conv.get("members") or []]
        people = conv.get("people") or [m for m in conv.get("members") or [] if isinstance(m, dict)]
        self.people.remember(people)
        info = dict(self.conv_info.get(conv["id"]) or {})
        info.update(conv)
        info["members"] = members
        if "kind" not in info or info["kind"] == "unknown":
            info["kind"] = conv.get("kind") or "group"
        self.conv_info[conv["id"]] = info
        return self.state.add_conversation(
            conv["id"], conv.get("last_position") or 0, conv.get("read_position") or 0,
            {"kind": info["kind"], "title": info.get("title"), "members": members})

    # -- the outbox across pages ---------------------------------------------------------------------

    @property
    def outbox_key(self):
        return place.OUTBOX_KEY + self.client_id

    def _restore_outbox(self):
        """Messages left unsent by an earlier page of this visit go back in the outbox, in order, with their
        client ids: sent after the welcome, stored once by the server even if the earlier page's send got
        through."""
        if self.storage is None or self.me is None:
            return
        entries = place.read_outbox(self.storage.load(self.outbox_key), self.me["id"])
        convs = place.requeue(self.state, entries)
        self._notify([(S.EV_MESSAGES, conv) for conv in convs])

    def _keep_outbox(self):
        """Store the outbox when it changed; tell the hooks when an unsent message could not be kept."""
        if self.me is None:
            return
        cids = tuple(entry["cid"] for entry in self.state.outbox)
        if cids != self._kept_cids:
            self._kept_cids = cids
            text = place.save_outbox(self.me["id"], self.state.outbox) if self.state.outbox else None
            self._kept = self.storage is not None and self.storage.save(self.outbox_key, text)
        self._tell_at_risk()

    def storage_settled(self):
        """The storage confirmed (or failed) a write it had to make later (parley.kept: the server's keep):
        re-check whether an unsent message is at risk."""
        if self.me is not None and self.storage is not None:
            self._kept = self.storage.holds(self.outbox_key)
            self._tell_at_risk()

    def _tell_at_risk(self):
        at_risk = place.has_unsent(self.state.outbox) and not self._kept
        if at_risk != self._at_risk:
            self._at_risk = at_risk
            for hook in list(self.unsent_hooks):
                hook(at_risk)

    @property
    def unsent_at_risk(self):
        """True while a message waits for its ack and could not be kept for the next page."""
        return self._at_risk

    # -- live connection ------------------------------------------------------------------------------

    async def _hello(self):
        token = await self.auth.token()
        if token is None:
            return None
        page = None
        self._title_sent = False
        if self.page and self.page.get("url"):
            page = {"url": self.page["url"]}
            if self.page.get("title") and self._shares_title():  # the title only when the visitor shares it
                page["title"] = self.page["title"]
                self._title_sent = True
        dpop = self.auth.token_dpop()
        proof = await dpop.proof("GET", self.ws_url, token) if dpop is not None else None
        return P.make_hello(token, resume=self.state.resume_positions(), page=page, device=self.device, dpop=proof,
                            changes=self.state.resume_changes())

    def _shares_title(self):
        return bool(self.settings and self.settings.get("share_title"))

    def _on_frame(self, frame):
        if self.replies.take(frame):
            return
        kind = frame["t"]
        if kind == P.FRIENDSHIP:
            self._on_friendship(frame)
            return
        if kind == P.CONVERSATION:
            self._on_conversation(frame)
            return
        events = self.state.apply(frame, now_ms())
        if frame["t"] == P.WELCOME:
            if self._welcomed:  # a reconnect: what changed meanwhile (friends, groups) is reloaded
                self._later(self._reload_lists())
            self._welcomed = True
            for outgoing in self.state.outbox_frames():
                self.connection.send(outgoing)
            # The server's stored choices win on connect: nothing here re-sends a status of this tab.
            self._settings_from_server(frame.get("settings") or {}, False)
            if self._unsent_settings:
                unsent, self._unsent_settings = self._unsent_settings, {}
                self.update_settings(**unsent)
        elif frame["t"] == P.SETTINGS:
            self._settings_from_server(frame, True)
        elif frame["t"] == P.MSG:
            self._message_events(frame)
            if frame["kind"] == P.KIND_SYSTEM:
                self._later(self._learn_conversation(frame["conv"]))
        elif frame["t"] == P.ACK:
            self.events.emit("message_sent", {"message": dict(frame)})
        elif frame["t"] == P.CHANGED and events:
            self.events.emit("message_changed", {"message": dict(frame["message"]), "conversation": frame["conv"]})
        self._notify(events)
        for event in events:
            if event[0] == S.EV_CONVERSATION and event[1] not in self.conv_info:
                self.conv_info[event[1]] = {"id": event[1], "kind": "unknown", "members": []}
                self._later(self._learn_conversation(event[1]))
            elif event[0] == S.EV_GAP or event[0] == S.EV_RESYNC:
                conv = self.state.conversation(event[1])
                after = conv.head if (conv is not None and event[0] == S.EV_GAP) else None
                self.load_history(event[1], after=after)
            elif event[0] == S.EV_RETRY:
                self._later(self._resend(event[1]))
            elif event[0] == S.EV_GONE:
                info = self.conv_info.pop(event[1], None)
                self.events.emit("conversation", {"conversation": event[1], "gone": True,
                                                  "kind": (info or {}).get("kind")})

    async def _reload_lists(self):
        try:
            await self.refresh_lists()
        except ParleyError as error:
            print("parley: lists not reloaded:", error.message)

    def _on_friendship(self, frame):
        """The relation with one person changed (here, another tab, another site, the account page)."""
        user = frame["user"]
        old = self.people.set(user, frame["rel"])
        self._friends_from_people()
        events = [("people", user["id"]), ("friends", None)]
        if frame["rel"] != PP.FRIENDS:  # presence only goes to friends: forget theirs at once
            events = events + self.state.apply(P.make_user_presence(user["id"], P.OFFLINE, False), now_ms())
        self._notify(events)
        detail = {"user": PP.person(user), "rel": frame["rel"], "was": old}
        self.events.emit("friendship", detail)
        if frame["rel"] == PP.INCOMING:
            self.events.emit("friend_request", {"user": PP.person(user)})

    def _on_conversation(self, frame):
        """A group's name, owner or members changed (or the visitor was added to one)."""
        known = frame["conv"] in self.conv_info
        conv = {"id": frame["conv"], "kind": frame["kind"], "title": frame.get("title"),
                "owner": frame.get("owner"), "members": frame["members"], "people": frame["members"]}
        events = self._adopt_conversation(conv)
        self._notify(events + [(S.EV_CONVERSATION, frame["conv"]), ("friends", None)])
        if not known:
            self.load_history(frame["conv"])
        info = self.conv_info[frame["conv"]]
        self.events.emit("conversation", {"conversation": frame["conv"], "kind": info["kind"],
                                          "title": info.get("title"), "owner": info.get("owner"),
                                          "members": [PP.person(m) for m in frame["members"]]})

    async def _learn_conversation(self, conv_id):
        """A message arrived in a conversation started elsewhere: fetch who is in it."""
        try:
            conv = await self.api("GET", "/conversations/" + str(conv_id))
        except ParleyError:
            self.conv_info.pop(conv_id, None)
            return
        if conv_id not in self.state.conversations:  # gone meanwhile
            return
        self._adopt_conversation(conv)
        self._notify([(S.EV_CONVERSATION, conv_id), ("friends", None)])

    def _message_events(self, frame):
        detail = {"message": dict(frame), "conversation": frame["conv"]}
        if frame["kind"] == P.KIND_SYSTEM:
            detail["event"] = frame["data"]["event"]
            self.events.emit("group", detail)
            return
        if self.me is None or frame["from"] == self.me["id"]:
            return
        self.events.emit("message", detail)
        if frame["kind"] == P.KIND_SHARE:
            self.events.emit("share", detail)

    def _on_status(self, status):
        if status != ONLINE:
            self.replies.fail_all("network", "the connection closed before the server answered")
        self._notify([("connection", status)])
        self.events.emit("connection", {"status": status})

    def _on_auth_lost(self, action):
        if action == P.BANNED:
            self._banned()
            return
        if action == P.REFRESH:
            self._later(self._refresh_and_reconnect())
        else:
            self._later(self.sign_out())

    def _banned(self):
        """The site's owners banned the visitor: from a live socket (4013) or a refused sign-in."""
        self.banned = True
        self._notify([("banned", None)])
        self.events.emit("banned", {})

    async def _refresh_and_reconnect(self):
        try:
            user = await self.auth.restore()
        except ParleyError:  # unreachable: the sign-in stands; try again after the backoff
            self.connection.retry_later()
            return
        if user is None and self.auth.refused == "banned":
            self.connection.stop()
            self._banned()
        elif user is None:
            await self.sign_out()
        else:
            self.connection.reconnect_now()

    async def _resend(self, cid):
        await asyncio.sleep(2)
        for entry in self.state.outbox:
            if entry["cid"] == cid:
                self.connection.send(entry["frame"])

    # -- actions --------------------------------------------------------------------------------------

    def set_page(self, url, title):
        """The host page the visitor is on (rendezvous and 'share this page'); its title goes to the server
        only while the visitor shares page titles on this site."""
        self.page = {"url": url, "title": title or ""}
        self._send_page()

    def _send_page(self):
        page = self.page or {}
        title = page.get("title") if self._shares_title() else None
        try:
            self._title_sent = bool(self.connection.send(P.make_page(page.get("url") or "", title or None))
                                    and title)
        except P.ProtocolError:
            pass

    def _settings_from_server(self, frame, changed):
        """The server's choices (welcome or a settings frame): adopt them, tell the UI and the developer."""
        new = {}
        for name in ("status", "hidden", "share_title", "sound", "findable", "requests"):
            if name in frame:
                new[name] = frame[name]
        if not new:
            return
        old = self.settings or {}
        self.settings = new
        self.status = new.get("status") or "online"
        if self.page and self.page.get("title") and new.get("share_title") and not self._title_sent:
            self._send_page()  # sharing titles is on: now the server may have this page's title
        if changed or old != new:
            self._notify([("my_status", self.status), ("settings", None)])
        if changed and old != new:
            self.events.emit("settings", dict(new))

    def update_settings(self, **changes):
        """Change the visitor's choices (status, hidden, share_title, sound); the server keeps them and tells
        every tab and device. Made while offline, they are sent after the next welcome."""
        frame = P.make_settings(**changes)  # raises ProtocolError on a bad value
        del frame["t"]
        if not frame:
            return
        if not self.connection.send(P.make_settings(**frame)):
            self._unsent_settings.update(frame)
        if self.settings is not None:  # shown at once; the server's answer confirms it
            mine = dict(self.settings)
            mine.update(frame)
            self.settings = mine
        if "status" in frame:
            self.status = frame["status"]
        self._notify([("my_status", self.status), ("settings", None)])

    def set_status(self, status):
        """online, away or hidden (appear offline): the account's status, kept by the server."""
        self.update_settings(status=status)

    async def open_direct(self, user_id):
        """The conversation with one friend (created on first use); returns its id."""
        for conv_id, info in self.conv_info.items():
            if info["kind"] == "direct" and user_id in info["members"]:
                return conv_id
        conv = await self.api("POST", "/conversations", {"members": [int(user_id)]})
        self._notify(self._adopt_conversation(conv))
        return conv["id"]

    def send_text(self, conv_id, text, reply_to=None):
        """Send a text message (slash commands and outgoing filters apply first), as a reply to the message
        ``reply_to`` if given. Returns the cid or None."""
        text = text.strip()
        if not text:
            return None
        if text.startswith("/"):
            name = text[1:].split(" ", 1)[0]
            handler = self.commands.get(name)
            if handler is not None:
                self._run_command(handler, conv_id, text[len(name) + 1:].strip())
                return None
        for function in self.filters:
            text = function(text, conv_id)
            if not text:
                return None
        cid = new_cid()
        frame = self.state.queue_send(conv_id, P.KIND_TEXT, text=text, cid=cid, now=now_ms(), reply_to=reply_to)
        self.connection.send(frame)
        self._notify([(S.EV_MESSAGES, conv_id)])
        return cid

    def send_file(self, conv_id, info):
        """Send an uploaded file (the server's answer to the upload) as a ``file`` message. Returns the cid."""
        from parley.attachments import file_frame_data

        cid = new_cid()
        frame = self.state.queue_send(conv_id, P.KIND_FILE, data=file_frame_data(info), cid=cid, now=now_ms())
        self.connection.send(frame)
        self._notify([(S.EV_MESSAGES, conv_id)])
        return cid

    def share(self, data, to=None, conv_id=None, text=None):
        """Share a link card {url, title[, description]} with friends (`to`: user ids) or a conversation."""
        cid = new_cid()
        frame = self.state.queue_share(cid, data, to=to, conv_id=conv_id, text=text, now=now_ms())
        self.connection.send(frame)
        if conv_id is not None:
            self._notify([(S.EV_MESSAGES, conv_id)])
        else:
            self._keep_outbox()
        return cid

    def share_many(self, data, to=None, convs=None, text=None):
        """Share a link card with several friends (``to``: user ids) and conversations (``convs``) at once: one
        share frame, at most 20 targets (ProtocolError otherwise). Returns the cid."""
        cid = new_cid()
        frame = self.state.queue_share(cid, data, to=to or None, text=text or None, convs=convs or None,
                                       now=now_ms())
        self.connection.send(frame)
        self._keep_outbox()
        return cid

    # -- people and groups: operations answered by done / found / invites ----------------------------

    async def _until_connected(self, timeout_s):
        """Wait (at most `timeout_s`) for the socket's welcome: an operation asked right after the sign-in or a
        page load, while the socket is still connecting, goes out then instead of failing at once."""
        waited = 0.0
        while not self.connection.welcomed and self.connection.running and waited < timeout_s:
            await asyncio.sleep(0.05)
            waited += 0.05

    async def ask(self, make, **fields):
        """Send a rid-answered frame (``make(rid, **fields)``, a protocol.make_* function) and return the
        server's answer; raises ParleyError with the server's code (or "network", "timeout")."""
        rid = self.replies.new_rid()
        try:
            frame = make(rid, **fields)
        except P.ProtocolError as error:
            raise ParleyError(P.E_BAD_FIELD, error.message) from None
        await self._until_connected(CONNECT_WAIT_S)
        waiter = self.replies.expect(rid)
        if not self.connection.send(frame):
            self.replies.take(P.make_error("network", "not connected: try again when online", ref=rid))
        return await self.replies.wait(rid, waiter)

    async def friend(self, op, user=None, username=None):
        """A friend operation (request, accept, decline, cancel, remove, block, unblock); returns the relation
        now. The friendship frame that follows updates ``people`` (here it is applied at once)."""
        done = await self.ask(P.make_friend, op=op, user=user, username=username)
        rel = done.get("rel")
        if rel is not None and user is not None:
            known = self.people.get(user) or {"id": user}
            if self.people.rel_of(user) != rel:
                self.people.set(known, rel)
                self._friends_from_people()
                self._notify([("people", user), ("friends", None)])
        return rel

    async def report(self, reason, user=None, conv=None, msg=None, note=None):
        """Report a message (``conv`` and ``msg``) or a person (``user``) to this site's owners."""
        await self.ask(P.make_report, reason=reason, user=user, conv=conv, msg=msg, note=note)

    async def find(self, q):
        """People matching ``q`` (2..64 characters): [{id, username, name, rel}]."""
        found = await self.ask(P.make_find, q=q)
        for user in found["users"]:  # the server's view of each relation is the latest
            self.people.set(user, user["rel"])
        return [dict(PP.person(u), rel=u["rel"]) for u in found["users"]]

    async def search(self, q, before=None):
        """Messages of the visitor's conversations matching ``q``: {"hits": [...], "next": id or None}."""
        found = await self.ask(P.make_search, q=q, before=before)
        return {"hits": found["hits"], "next": found.get("next")}

    async def invite(self, op, url=None, code=None):
        """An invite operation: create/list return the invites, revoke/accept the done frame."""
        answer = await self.ask(P.make_invite, op=op, url=url, code=code)
        if op == "accept" and answer.get("conv") is not None:
            await self._ensure_conversation(answer["conv"])
        return answer.get("invites") if answer["t"] == P.INVITES else answer

    async def group(self, op, conv=None, users=None, user=None, title=None):
        """A group operation (create, rename, add, remove, leave); returns the conversation id."""
        done = await self.ask(P.make_group, op=op, conv=conv, users=users, user=user, title=title)
        if op != "leave" and done.get("conv") is not None:
            await self._ensure_conversation(done["conv"])
        elif op == "leave":
            self._notify(self.state.forget(conv))
            self.conv_info.pop(conv, None)
        return done.get("conv")

    async def edit(self, conv_id, message_id, text):
        """Replace the text of one's own message; the ``changed`` frame updates every tab (this one too)."""
        await self.ask(P.make_edit, conv=conv_id, id=message_id, text=text)

    async def delete(self, conv_id, message_id):
        """Delete one's own message for everyone."""
        await self.ask(P.make_delete, conv=conv_id, id=message_id)

    async def react(self, conv_id, message_id, emoji, on=True):
        """Add (``on``) or take back a reaction (one of protocol.REACTIONS)."""
        await self.ask(P.make_react, conv=conv_id, id=message_id, emoji=emoji, on=on)

    async def _ensure_conversation(self, conv_id):
        """Know a conversation's members before the visitor lands in it (its conversation frame may come
        later than the done)."""
        if conv_id in self.conv_info and self.conv_info[conv_id].get("kind") != "unknown":
            return
        try:
            conv = await self.api("GET", "/conversations/" + str(conv_id))
        except ParleyError:
            return
        self._notify(self._adopt_conversation(conv) + [("friends", None)])

    def retry(self, cid):
        frame = self.state.retry(cid)
        if frame is not None:
            self._keep_outbox()
            self.connection.send(frame)

    def mark_read(self, conv_id):
        frame = self.state.mark_read(conv_id)
        if frame is not None:
            self.connection.send(frame)
            self._notify([(S.EV_CONVERSATION, conv_id)] + [(S.EV_UNREAD, self.state.unread_total())])

    def typing(self, conv_id):
        frame = self.state.typing_frame(conv_id, now_ms())
        if frame is not None:
            self.connection.send(frame)

    def load_history(self, conv_id, before=None, after=None):
        """Ask for a page of history (the latest page by default)."""
        self._rid += 1
        frame = self.state.request_history("h" + str(self._rid), conv_id, before=before, after=after)
        self.connection.send(frame)

    def expire_typing(self):
        events = self.state.expire_typing(now_ms())
        if events:
            self._notify(events)

    # -- extension points -----------------------------------------------------------------------------

    def _run_command(self, handler, conv_id, args):
        try:
            result = handler(args, conv_id)
            if result is not None and hasattr(result, "send"):
                self._later(result)
        except Exception as error:
            print("parley: command failed:", error)

    # -- plumbing -------------------------------------------------------------------------------------

    def _notify(self, events):
        self._keep_outbox()
        if not events:
            return
        for listener in list(self.listeners):
            listener(events)
        for event in events:
            if event[0] == S.EV_UNREAD:
                self.events.emit("unread", self.unread_detail(event[1]))
            elif event[0] == S.EV_PRESENCE:
                user = event[1]
                self.events.emit("presence", {"user": user, "status": self.state.status_of(user),
                                              "here": self.state.is_here(user)})
            elif event[0] == S.EV_HERE:
                here = set(self.state.friends_here())
                for user in sorted(here - self._here):
                    self.events.emit("friend_here", {"user": user, "friend": self.friends.get(user)})
                self._here = here

    def unread_detail(self, count=None):
        """The "unread" event's detail: the total and who wrote, per conversation, newest first (no text)."""
        summary = self.state.unread_summary()
        conversations = [{"conversation": e["conv"], "count": e["count"], "from": e["from"]} for e in summary]
        writers = []
        for entry in summary:
            if entry["from"] is not None and entry["from"] not in writers:
                writers.append(entry["from"])
        total = self.state.unread_total() if count is None else count
        return {"count": total, "from": writers, "conversations": conversations}

    def _later(self, coroutine):
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        self._tasks = set(t for t in self._tasks if not t.done())
        return task


__all__ = ["CONNECTING", "OFFLINE", "ONLINE", "Client"]
