"""The widget: a Client plus the panel that draws it, the screens a visitor moves through, and the host bridge.

Used by the copy-paste page (parley.copypaste) and by developers mounting the widget inline (parley.mount).
"""

import asyncio

from pyscript import window
from pyscript.ffi import create_proxy

from parley import painted, place
from parley import people as PP
from parley import protocol as P
from parley import state as S
from parley.errors import ParleyError
from parley.i18n import Translator, is_rtl
from parley.listeners import listen
from parley.ui import format as fmt
from parley.ui.panel import Panel
from parley.widget_files import FilesController
from parley.widget_messages import MessageActions
from parley.widget_report import ReportController
from parley.widget_search import SearchController
from parley.widget_social import SocialController

TYPING_SWEEP_S = 1
PAINT_DELAY_S = 3.0  # the panel's drawing is kept this long after its last change (and when the page goes)
PREVIEW_CHARS = 80  # the notice's preview of the newest unread message (shown in the Parley-origin frame only)
NOTICE_NAMES = 3  # at most this many writers are named in the notice


class Widget:
    """Screens: 'signed_out', 'home', 'chat' (current_conv), 'share' (picker for the current page), 'settings',
    'people' (find, requests, friends, blocked), 'invite', 'group_new', 'group_info' (current_conv)."""

    def __init__(self, client, root, site_name, lang="en", on_counts=None, on_close=None, on_notice=None,
                 on_sound=None, storage=None):
        self.client = client
        self.storage = storage  # parley.storage.Storage: the visitor's place is kept there (None: nowhere)
        self.restored_open = None  # the panel was open (True) or closed (False) on the last page; None: unknown
        self._opened_once = False  # the first opening of a page that restored an open panel is a restore
        self.scroll = None  # the open conversation's scroll anchor (parley.place.scroll_anchor; None: at the end)
        self.pending_scroll = None  # an anchor to restore once its message is drawn
        self._starting = True  # until start() has restored the place: nothing drawn or saved before
        self.paints = False  # keep the panel's drawing with the place (the copy-paste frame paints it early)
        self.paint = None  # that drawing (parley.place.paint_of), as last kept
        self._paint_task = None
        self.site_name = site_name
        self.lang = lang
        self.t = Translator(lang)
        self.screen = "signed_out"
        self.current_conv = None
        self.drafts = {}
        self.busy = False
        self.is_open = False
        self.page = None
        self.on_counts = on_counts
        self.on_close = on_close
        self.on_notice = on_notice
        self.on_sound = on_sound  # on_sound("on" | "off" | "site"): the visitor's sound choice, for the host
        self._sound = None
        self._last_counts = None
        self._last_notice = None
        self._asked_before = None
        root.setAttribute("dir", "rtl" if is_rtl(lang) else "ltr")
        self.social = SocialController(self)  # people, invites, groups, sharing with several
        self.files = FilesController(self)  # pictures and files: pick, paste, drop, uploads, viewer
        self.messages = MessageActions(self)  # one message's actions: react, reply, edit, delete
        self.on_invite_taken = None  # called when an invite in the page's address was used or dismissed
        self.social.on_invite_taken = lambda: self.on_invite_taken and self.on_invite_taken()
        self.search = SearchController(self)  # the search screen: queries, hits, opening one
        self.reports = ReportController(self)  # "Report" on a message or a person, the report dialog
        self.reporting = None  # what the report dialog is about ({"user", "conv", "msg", "name"})
        self.panel = Panel(root, self)
        self._bind()
        client.listeners.append(self._on_changes)
        self._sweeper = asyncio.create_task(self._sweep_typing())

    # -- what the panel reads -------------------------------------------------------------------------

    @property
    def me(self):
        return self.client.me

    @property
    def friends(self):
        return self.client.friends

    @property
    def state(self):
        return self.client.state

    @property
    def connection(self):
        return self.client.connection_status

    @property
    def my_status(self):
        return self.client.status

    @property
    def settings(self):
        return self.client.settings

    def user_name(self, user_id):
        if self.me and user_id == self.me["id"]:
            return self.t("you")
        if user_id is None:
            return self.t("deleted_user")
        friend = self.friends.get(user_id)
        if friend:
            return friend["name"]
        return self.client.people.name_of(user_id) or "#" + str(user_id)

    def system_line(self, message):
        """A group event's message as its one line of text ("Alice added Carol")."""
        return PP.system_line(message.get("from"), message.get("data") or {}, self.user_name, self.t)

    def is_group(self, conv_id):
        return (self.client.conv_info.get(conv_id) or {}).get("kind") == "group"

    def direct_peer(self, conv_id):
        info = self.client.conv_info.get(conv_id) or {}
        if info.get("kind") != "direct":
            return None
        others = [m for m in info.get("members", []) if not self.me or m != self.me["id"]]
        return others[0] if others else None

    def conversation_title(self, conv_id):
        info = self.client.conv_info.get(conv_id) or {}
        if info.get("title"):
            return info["title"]
        peer = self.direct_peer(conv_id)
        if peer is not None:
            return self.user_name(peer)
        names = [self.user_name(m) for m in info.get("members", []) if not self.me or m != self.me["id"]]
        return ", ".join(names) or self.t("title")

    def conversation_subtitle(self, conv_id):
        peer = self.direct_peer(conv_id)
        if peer is not None:
            status = self.state.status_of(peer)
            title = self.state.title_of(peer)
            return self.t("on_page", title=title) if title else self.t(status)
        info = self.client.conv_info.get(conv_id) or {}
        return ", ".join(self.user_name(m) for m in info.get("members", []))

    def group_conversations(self):
        convs = [self.state.conversation(cid) for cid, info in self.client.conv_info.items()
                 if info.get("kind") == "group"]
        return [conv for conv in convs if conv is not None]

    def unread_with(self, user_id):
        for conv_id, info in self.client.conv_info.items():
            if info.get("kind") == "direct" and user_id in info.get("members", []):
                conv = self.state.conversation(conv_id)
                return conv.unread if conv else 0
        return 0

    def notice(self):
        """What the closed widget tells about unread messages: {"unread", "convs" (conversations with unread
        messages, newest first), "writers" (names, at most NOTICE_NAMES), "more" (writers not named),
        "conv", "name" and "text" (the newest unread message's conversation, writer and a short preview, if
        held), "id" (that message's id)}. The preview text stays in the Parley-origin frame (docs/security.md)."""
        summary = self.state.unread_summary() if self.client.signed_in else []
        names = []
        for entry in summary:
            name = self.user_name(entry["from"]) if entry["from"] is not None else \
                self.conversation_title(entry["conv"])
            if name not in names:
                names.append(name)
        notice = {"unread": sum(entry["count"] for entry in summary), "convs": [e["conv"] for e in summary],
                  "writers": names[:NOTICE_NAMES], "more": max(0, len(names) - NOTICE_NAMES),
                  "conv": None, "name": None, "text": None, "id": None}
        top = summary[0] if summary else None
        if top is not None:
            notice["conv"] = top["conv"]
            notice["name"] = names[0]
            message = top["message"]
            if message is not None:
                notice["id"] = message.get("id")
                if message.get("kind") == "share":
                    notice["text"] = self.t("shared_link")
                else:
                    notice["text"] = fmt.preview(message.get("text") or "", PREVIEW_CHARS)
        return notice

    def draft(self, conv_id):
        return self.drafts.get(conv_id, "")

    def page_host(self):
        from parley.urls import host

        return host((self.page or {}).get("url") or "")

    # -- lifecycle ------------------------------------------------------------------------------------

    async def start(self):
        """Restore the visitor's sign-in and their place on the last page of this visit, then draw."""
        await self.client.start()
        self._starting = False
        self.screen = "home" if self.client.signed_in else "signed_out"
        if self.client.signed_in and self.storage is not None:
            self._restore_place()
        early = painted.take(self.panel.root) if self.paints else None
        if self.screen == "chat":
            self.go("chat", self.current_conv)
        else:
            self.panel.render()
        if early is not None:
            self._adopt(early)
        if self.client.banned:  # the saved sign-in was refused: the site's owners banned the visitor
            self.panel.show_notice(self.t("banned_here"))
        self._counts()

    # -- the visitor's place across the pages of a visit (parley.place) -------------------------------

    @property
    def place_key(self):
        return place.PLACE_KEY + self.client.client_id

    def _restore_place(self):
        saved = place.read_place(self.storage.load(self.place_key), self.me["id"])
        self.restored_open = saved["open"]
        self.drafts = saved["drafts"]
        self.screen, self.current_conv = place.restorable_screen(saved, set(self.client.conv_info))
        self.pending_scroll = saved["scroll"] if self.screen == "chat" else None
        self.paint = saved["paint"]

    def save_place(self):
        """Keep where the visitor is (called on every change of it)."""
        if self.storage is None or not self.client.signed_in or self._starting:
            return
        screen = self.screen if self.screen in place.SCREENS else "home"
        self.storage.save(self.place_key, place.save_place(
            self.me["id"], self.is_open, screen, self.current_conv, self.scroll, self.drafts,
            self.paint if self.paints else None))
        self._repaint_later()

    def keep_drawing(self):
        """Keep the panel's drawing with the place (the copy-paste frame's next page paints it at once): a
        PAINT_DELAY_S after each change, and when the page goes away (before the storage's last write)."""
        self.paints = True
        if hasattr(self.storage, "on_leave"):
            self.storage.on_leave.append(self._paint_now)
        else:
            listen(window, "pagehide", create_proxy(lambda event: self._paint_now()))

    def _paint_now(self):
        if self.paints and not self._starting and self.client.signed_in:
            self._paint()

    def _paint(self):
        if self.screen in place.PAINT_SCREENS:
            paint = place.paint_of(self.screen, self.current_conv, str(self.panel.root.innerHTML))
        else:
            paint = None
        if paint != self.paint:
            self.paint = paint
            self.save_place()

    def _repaint_later(self):
        """Keep the panel's drawing with the place PAINT_DELAY_S after a change (at most that often)."""
        if self.paints and self._paint_task is None and not self._starting and self.client.signed_in:
            self._paint_task = asyncio.create_task(self._repaint())

    async def _repaint(self):
        await asyncio.sleep(PAINT_DELAY_S)
        self._paint_task = None
        if self.client.signed_in:
            self._paint()

    def _adopt(self, early):
        """What the visitor did in the painted panel before Python was up (parley.painted.take): the text
        typed in its message box becomes the draft, and what they sent from it is sent now, in order."""
        if self.screen != "chat" or early["conv"] != self.current_conv:
            self._keep_unsent(early)
            return
        for text in early["sends"]:
            if text.strip() and len(text) <= P.MAX_TEXT_CHARS:
                self.client.send_text(self.current_conv, text)
        composer = self.panel.composer
        if early["typed"] and composer is not None:
            composer.value = early["text"]
            self.drafts.pop(self.current_conv, None)
            if early["text"]:
                self.drafts[self.current_conv] = early["text"]
            self.panel.chat.update_counter()
        if composer is not None and early["focused"]:
            composer.focus()
            end = len(str(composer.value))
            composer.setSelectionRange(end, end)
        self.save_place()

    def _keep_unsent(self, early):
        """The live widget did not open the painted conversation: what was written there is not dropped. It
        becomes that conversation's draft while it is still the visitor's, else a notice says it was not sent."""
        texts = painted.unsent(early)
        if not texts:
            return
        conv = early["conv"]
        if self.client.signed_in and conv in self.client.conv_info:
            self.drafts[conv] = "\n".join(texts)
            self.save_place()
        else:
            self.panel.show_notice(self.t("painted_unsent"))

    def scroll_restored(self):
        self.pending_scroll = None
        self.search.drawn()

    def load_older_for_anchor(self):
        """The restored anchor is older than the page of history loaded: ask for the page before."""
        self._older(None, None, None)

    def set_open(self, is_open):
        opening = is_open and not self.is_open
        if is_open != self.is_open:
            self.client.events.emit("open" if is_open else "close", {})
        self.is_open = is_open
        restoring = opening and self.restored_open and not self._opened_once  # back as the visitor left it
        if opening:
            self._opened_once = True
        if opening and not restoring and self.client.signed_in and self.screen in ("home", "chat"):
            self._go_to_unread()
        if is_open and self.screen == "chat":
            self.client.mark_read(self.current_conv)
            if self.panel.composer is not None:
                self.panel.composer.focus()
        self.save_place()

    def _go_to_unread(self):
        """Opening with unread messages: to that conversation when one has them, to the list when several."""
        convs = [entry["conv"] for entry in self.state.unread_summary()]
        if len(convs) == 1 and (self.screen != "chat" or self.current_conv != convs[0]):
            self.go("chat", convs[0])
        elif len(convs) > 1 and self.screen == "chat" and self.current_conv not in convs:
            self.go("home")

    def set_page(self, url, title):
        """The host page (its address may carry an invite code: taken, and never passed on with the URL)."""
        code = PP.invite_code(url)
        url = PP.without_invite(url)
        self.page = {"url": url, "title": title}
        self.client.set_page(url, title)
        if code is not None:
            task = asyncio.create_task(self.social.take_invite(code, self.client.server))
            self.social.pending_task = task

    def go(self, screen, conv_id=None):
        if screen != self.screen or conv_id != self.current_conv:
            self.scroll = None  # a conversation opens at its end
            self.messages.reset()
        self.screen = screen
        self.current_conv = conv_id
        self.panel.render()
        self.save_place()
        if screen == "chat":
            if self.state.needs_latest(conv_id):  # also when live messages arrived before it was opened
                self.client.load_history(conv_id)
            if self.is_open:
                self.client.mark_read(conv_id)

    # -- state changes from the client ----------------------------------------------------------------

    def _on_changes(self, events):
        kinds = set(event[0] for event in events)
        if "banned" in kinds:  # the site's owners banned the visitor (4013): say so, the widget stays quiet
            self.panel.show_notice(self.t("banned_here"))
            self.panel.render_header()
        if "signed_out" in kinds:
            self.drafts = {}
            self.scroll = self.pending_scroll = None
            if self.storage is not None:
                self.storage.save(self.place_key, None)  # the next visitor of this tab finds nothing of theirs
            self.go("signed_out")
        elif "signed_in" in kinds and self.screen == "signed_out" and not self._starting:
            self.go("home")  # (on start, start() draws the place the visitor left)
        if self.screen == "chat":
            if S.EV_ME in kinds:  # welcomed: a page of history asked for before the socket was up is asked again
                conv = self.state.conversation(self.current_conv)
                if conv is None or not conv.messages:
                    self.client.load_history(self.current_conv)
            mine = [e for e in events if len(e) > 1 and e[1] == self.current_conv]
            if any(e[0] == S.EV_MESSAGES for e in mine):
                self.panel.render_log()
                if self.is_open and window.document.visibilityState == "visible":
                    self.client.mark_read(self.current_conv)
            elif any(e[0] == S.EV_READ for e in mine):
                self.panel.render_log()
            if any(e[0] == S.EV_TYPING for e in mine):
                self.panel.render_typing()
            if kinds & {"connection", S.EV_PRESENCE, "my_status"}:
                self.panel.render_header()
        elif self.screen in ("home", "share", "group_new"):
            if kinds & {S.EV_PRESENCE, S.EV_HERE, S.EV_CONVERSATION, S.EV_UNREAD, "friends", "people"}:
                self.panel.render()
            elif kinds & {"connection", "my_status"}:
                self.panel.render_header()
        elif self.screen == "people" and kinds & {"people", "friends", S.EV_PRESENCE}:
            self.social.refresh()
        elif self.screen == "group_info":
            if any(len(e) > 1 and e[1] == self.current_conv and e[0] == S.EV_CONVERSATION for e in events) or \
                    kinds & {"people", "friends"}:
                self.panel.render()
        elif self.screen == "settings" and kinds & {"settings", "connection"}:
            self.panel.render()
        if "settings" in kinds:
            sound = (self.client.settings or {}).get("sound") or "site"
            if sound != self._sound:
                self._sound = sound
                if self.on_sound:
                    self.on_sound(sound)
        for event in events:
            if event[0] == S.EV_FAILED:
                self.panel.show_notice(self.t("failed"))
            elif event[0] == S.EV_GONE and event[1] == self.current_conv and \
                    self.screen in ("chat", "group_info"):  # removed from the group shown: leave it gracefully
                title = self.conversation_title(event[1])  # its info is still known here
                self.go("home")
                self.panel.show_notice(self.t("left_group", title=title))
            elif event[0] == S.EV_CONVERSATION and event[1] == self.current_conv and self.screen == "chat":
                self.panel.render_header()
        self._counts()
        self._repaint_later()

    def _counts(self):
        here = len([u for u in self.state.friends_here() if u in self.friends]) if self.client.signed_in else 0
        counts = (self.state.unread_total() if self.client.signed_in else 0, here)
        if counts != self._last_counts:
            self._last_counts = counts
            if self.on_counts:
                self.on_counts(counts[0], counts[1])
        if self.on_notice is not None:
            notice = self.notice()
            notice["here"] = counts[1]
            if notice != self._last_notice:
                self._last_notice = notice
                self.on_notice(notice)

    async def _sweep_typing(self):
        while True:
            await asyncio.sleep(TYPING_SWEEP_S)
            if self.client.signed_in:
                self.client.expire_typing()

    # -- what the visitor does ------------------------------------------------------------------------

    def _bind(self):
        on = self.panel.events.on
        on("click", "sign-in", self._sign_in)
        on("click", "sign-out", lambda arg, event, node: self.client.sign_out())
        on("click", "close", lambda arg, event, node: self.on_close and self.on_close())
        on("click", "back", lambda arg, event, node: self._back())
        on("click", "open-user", self._open_user)
        on("click", "open-conv", lambda arg, event, node: self.go("chat", int(arg)))
        on("click", "send", lambda arg, event, node: self._send())
        on("click", "share-start", lambda arg, event, node: self.social.open_share())
        on("click", "share-here", self._share_here)
        on("click", "share-to", self._share_to)
        on("click", "share-conv", self._share_conv)
        on("click", "older", self._older)
        on("scroll", "log-scroll", self._log_scrolled)
        on("click", "retry", lambda arg, event, node: self.client.retry(arg))
        on("change", "status", lambda arg, event, node: self.client.set_status(str(node.value)))
        on("click", "settings-open", lambda arg, event, node: self.go("settings"))
        on("change", "set-status", lambda arg, event, node: self.client.update_settings(status=str(node.value)))
        on("change", "set-hidden", lambda arg, event, node: self.client.update_settings(hidden=bool(node.checked)))
        on("change", "set-title",
           lambda arg, event, node: self.client.update_settings(share_title=bool(node.checked)))
        on("change", "set-sound", lambda arg, event, node: self.client.update_settings(sound=str(node.value)))
        on("change", "set-findable",
           lambda arg, event, node: self.client.update_settings(findable=str(node.value)))
        on("change", "set-requests",
           lambda arg, event, node: self.client.update_settings(requests=str(node.value)))
        self.social.bind(on)
        self.search.bind(on)
        self.reports.bind(on)
        self.files.bind(on)
        self.messages.bind(on)
        on("keydown", "compose", self._compose_key)
        on("input", "compose", self._compose_input)

    def _back(self):
        """Back: from a group's info to its conversation, from the invite screen to People, else home."""
        if self.screen == "group_info" and self.current_conv in self.client.conv_info:
            self.go("chat", self.current_conv)
        else:
            self.go("home")

    def _sign_in(self, arg, event, node):
        attempt = self.client.begin_sign_in()  # synchronously, inside the click: popup blockers allow it
        self.busy = True
        self.panel.render()
        return self._finish_sign_in(attempt)

    async def _finish_sign_in(self, attempt):
        try:
            await self.client.finish_sign_in(attempt)
            self.panel.show_notice("")
        except ParleyError as error:
            if error.code == "popup_blocked":
                message = self.t("popup_blocked")
            elif error.code == "banned":  # the site's owners banned this account
                message = self.t("banned_here")
            else:
                message = self.t("sign_in_failed", reason=error.message)
            self.panel.show_notice(message)
        finally:
            self.busy = False
            self.screen = "home" if self.client.signed_in else "signed_out"
            self.panel.render()

    async def _open_user(self, arg, event, node):
        conv_id = await self.client.open_direct(int(arg))
        self.go("chat", conv_id)

    def _send(self):
        composer = self.panel.composer
        if composer is None:
            return
        text = str(composer.value)
        if not text.strip():
            return
        if self.panel.chat.update_counter()["over"]:  # too long: keep the text, the counter says why
            return
        composer.value = ""
        self.drafts.pop(self.current_conv, None)
        self.panel.chat.update_counter()
        if not self.messages.send(text):  # an edit or a reply, else an ordinary message
            self.client.send_text(self.current_conv, text)
        self.save_place()
        composer.focus()

    def _compose_key(self, arg, event, node):
        if event.key == "Enter" and not event.shiftKey and not event.isComposing:
            event.preventDefault()
            self._send()
        elif event.key == "Escape" and (self.messages.replying is not None or self.messages.editing is not None):
            event.preventDefault()
            self.messages.cancel()

    def _compose_input(self, arg, event, node):
        self.drafts.pop(self.current_conv, None)
        self.drafts[self.current_conv] = str(node.value)  # last written last: parley.place keeps the newest
        self.panel.chat.update_counter()
        self.save_place()
        self.client.typing(self.current_conv)

    def _share_data(self):
        page = self.page or {}
        data = {"url": page.get("url") or "", "title": (page.get("title") or page.get("url") or "")[:300]}
        return data

    def _share_here(self, arg, event, node):
        if self.current_conv is not None:
            self.client.share(self._share_data(), conv_id=self.current_conv)

    async def _share_to(self, arg, event, node):
        user = int(arg)
        conv_id = await self.client.open_direct(user)
        self.client.share(self._share_data(), conv_id=conv_id)
        self.panel.show_notice(self.t("shared", name=self.user_name(user)))
        self.go("chat", conv_id)

    def _share_conv(self, arg, event, node):
        conv_id = int(arg)
        self.client.share(self._share_data(), conv_id=conv_id)
        self.panel.show_notice(self.t("shared", name=self.conversation_title(conv_id)))
        self.go("chat", conv_id)

    def _older(self, arg, event, node):
        conv = self.state.conversation(self.current_conv)
        if conv is not None and conv.oldest_pos is not None and self._asked_before != conv.oldest_pos:
            self._asked_before = conv.oldest_pos  # one request per page, however many scroll events
            self.client.load_history(self.current_conv, before=conv.oldest_pos)

    def _log_scrolled(self, arg, event, node):
        """Infinite scroll: reaching the top of the log loads the previous page."""
        conv = self.state.conversation(self.current_conv)
        if conv is not None and conv.has_more and node.scrollTop < 80:
            self._older(arg, event, node)
        if self.pending_scroll is None:
            self.scroll = self.panel.chat.scroll_anchor()
            self.save_place()

    def open_user(self, user_id):
        """Open the conversation with a friend (public: widget.open_user(id))."""
        return self._open_user(str(user_id), None, None)
