"""The conversation screen: the message log (kept across redraws, scroll position kept), the typing line and
the composer. It reads the widget controller (`panel.model`) and owns no chat state."""

import json

from pyscript import window
from pyscript.ffi import create_proxy

from parley import edits
from parley import protocol as P
from parley.cards import composer_buttons
from parley.clock import now_ms
from parley.links import runs as link_runs
from parley.ui import files as files_ui
from parley.ui import format as fmt
from parley.ui.dom import el, icon, replace
from parley.ui.keyed import KeyedChildren
from parley.widget_files import attach_controls

FLASH_MS = 2500  # how long a message opened from search stays highlighted


def _day_separator(label):
    return lambda: el("li", {"class_": "p-day", "role": "separator"}, label)


def _date_text(ts, lang):
    return lambda: str(window.Date.new(float(ts)).toLocaleDateString(lang))


def _message_builder(screen, conv, message, offset):
    return lambda: screen._message_item(conv, message, offset)


class ChatScreen:
    """The open conversation (`model.current_conv`) drawn into the panel's body."""

    def __init__(self, panel):
        self.panel = panel
        self.log = None
        self.log_items = None  # KeyedChildren of self.log
        self.typing = None
        self.composer = None
        self.counter = None
        self.send_button = None
        self.uploads = None  # the rows of uploads in progress (parley.widget_files)
        self.file_input = None
        self.context = None  # above the composer: the message being replied to or edited
        self._rendered_conv = None

    def leave(self):
        """Another screen is drawn: forget this one's nodes."""
        self._rendered_conv = None
        self.log = self.log_items = self.typing = self.composer = self.counter = self.send_button = None
        self.uploads = self.file_input = None
        self.context = None

    def show(self):
        """Draw the conversation (only its log when it is already on screen)."""
        m, t = self.panel.model, self.panel.t
        if self._rendered_conv == m.current_conv and self.log is not None:
            self.render_log()
            return
        self._rendered_conv = m.current_conv
        self.log = el("ol", {"class_": "p-log", "role": "log", "aria-live": "polite", "aria-label": t("messages"),
                             "data-action": "log-scroll", "tabindex": "0"})
        self.log_items = KeyedChildren(self.log)
        self.typing = el("p", {"class_": "p-typing", "aria-live": "polite"})
        # no maxlength: the browser would cut a long paste silently (and counts UTF-16 units, not characters);
        # the counter below says how many characters are left, as the server counts them, and blocks sending
        self.composer = el("textarea", {"class_": "p-input", "rows": "1", "aria-label": t("message"),
                                        "placeholder": t("message"), "data-action": "compose",
                                        "aria-describedby": "p-counter"})
        self.counter = el("p", {"class_": "p-counter", "id": "p-counter", "aria-live": "polite", "hidden": True})
        self.send_button = el("button", {"type": "button", "class_": "p-send", "data-action": "send",
                                         "aria-label": t("send"), "aria-describedby": "p-counter"}, t("send"))
        self.uploads = el("ul", {"class_": "p-uploads", "aria-live": "polite", "hidden": True})
        attach, self.file_input = attach_controls(t)
        draft = m.draft(m.current_conv)
        if draft:
            self.composer.value = draft
        form = el(
            "div", {"class_": "p-composer"},
            el("button", {"type": "button", "class_": "p-icon p-share-inline", "data-action": "share-here",
                          "aria-label": t("share_page"), "title": t("share_page")}, icon("share")),
            attach, self.file_input,  # pictures and files (parley.widget_files)
            composer_buttons(),  # actions added by extensions (parley.composer_action)
            self.composer,
            self.send_button,
        )
        self.context = el("div", {"class_": "p-compose-ctx", "hidden": True})
        replace(self.panel.body, self.log, self.typing, self.counter, self.context, self.uploads, form)
        m.files.render()
        self.render_context()
        self.update_counter()
        self.render_log(scroll_to_end=True)
        self.composer.focus()

    def render_log(self, scroll_to_end=None):
        """Redraw the open conversation's messages, keeping the reader's scroll position."""
        if self.log is None:
            return
        m, t = self.panel.model, self.panel.t
        conv = m.state.conversation(m.current_conv)
        log = self.log
        at_end = log.scrollHeight - log.scrollTop - log.clientHeight < 40
        keep = None if at_end else self.scroll_anchor()  # the message in view stays in view (older pages above)
        old_height = log.scrollHeight
        old_top = log.scrollTop
        items = []
        if conv is not None and conv.has_more:
            items.append(("older", t("load_older"), lambda: el(
                "li", {"class_": "p-older"},
                el("button", {"type": "button", "class_": "p-link", "data-action": "older"}, t("load_older")))))
        offset = window.Date.new().getTimezoneOffset()
        now = now_ms()
        last_day = None
        messages = list(conv.messages) if conv is not None else []
        pending = list(conv.pending) if conv is not None else []
        for index, message in enumerate(messages + pending):
            ts = message.get("ts") or now
            day = fmt.day_index(ts, offset)
            if day != last_day:
                last_day = day
                label = fmt.day_label(ts, now, offset, t, _date_text(ts, m.lang))
                items.append((("day", day), label, _day_separator(label)))
            if message.get("status") is None and message.get("pos") is not None:
                key = ("pos", message["pos"])  # stored: its position is unique in the conversation
            else:
                key = ("cid", message.get("cid") or index)  # still sending, or failed
            items.append((key, self._message_signature(conv, message, offset),
                          _message_builder(self, conv, message, offset)))
        if not messages and not pending:
            title = t("empty_chat", name=m.conversation_title(m.current_conv))
            items.append(("empty", title, lambda: el("li", {"class_": "p-empty"}, title)))
        self.log_items.update(items)
        if m.pending_scroll is not None and messages and self._restore_anchor(conv, m.pending_scroll):
            pass
        elif scroll_to_end or (scroll_to_end is None and at_end):
            log.scrollTop = log.scrollHeight
        elif keep is not None and self._scroll_to(keep):
            pass
        else:
            log.scrollTop = old_top + (log.scrollHeight - old_height if old_top < 40 else 0)
        jump = m.messages.jump_pending
        if jump is not None and conv is not None and (jump in conv.by_id or not conv.has_more):
            m.messages.jump_pending = None
            self.show_message(jump)
        self.render_typing()

    def _top_of(self, item):
        """An item's top in the log's scrolled content (px)."""
        return int(item.getBoundingClientRect().top - self.log.getBoundingClientRect().top + self.log.scrollTop)

    def scroll_anchor(self):
        """Where the log is scrolled (parley.place.scroll_anchor): the first message in view and how far below
        the log's top edge it is; None at the end."""
        from parley.place import scroll_anchor

        log = self.log
        if log is None or log.scrollHeight - log.scrollTop - log.clientHeight < 40:
            return None
        items = log.querySelectorAll("li[data-pos]")
        top = int(log.scrollTop)
        for index in range(int(items.length)):
            item = items.item(index)
            item_top = self._top_of(item)
            if item_top + int(item.offsetHeight) > top:
                return scroll_anchor(int(item.getAttribute("data-pos")), item_top - top)
        return None

    def _scroll_to(self, anchor):
        """Scroll so the anchor's message is where it was; False if it is not drawn."""
        item = self.log.querySelector('li[data-pos="' + str(anchor["pos"]) + '"]')
        if not item:
            return False
        self.log.scrollTop = self._top_of(item) - anchor["offset"]
        return True

    def _restore_anchor(self, conv, anchor):
        """Scroll to a restored anchor once its message is drawn (asking for older pages until it is).
        True if this took care of the scroll position."""
        m = self.panel.model
        if self._scroll_to(anchor):
            m.scroll = anchor
            m.scroll_restored()
            return True
        if conv is not None and conv.has_more and conv.oldest_pos is not None and anchor["pos"] < conv.oldest_pos:
            m.load_older_for_anchor()
            self.log.scrollTop = 0
            return True
        m.scroll_restored()  # that message is gone: the conversation opens at its end
        return False

    def flash(self, pos):
        """Highlight the message at ``pos`` for a moment (a search hit just opened)."""
        item = self.log.querySelector('li[data-pos="' + str(pos) + '"]') if self.log is not None else None
        if not item:
            return
        item.classList.add("p-found")
        window.setTimeout(create_proxy(lambda *_: item.classList.remove("p-found")), FLASH_MS)

    def _is_mine(self, message):
        """Sent by the visitor: from them, or still in their outbox (sending or failed)."""
        return message.get("from") == self.panel.model.me["id"] or message.get("status") is not None

    def _message_signature(self, conv, message, offset):
        """Everything ``_message_item`` draws from: equal signatures draw the same item."""
        m = self.panel.model
        if message.get("kind") == "system":
            return ("system", m.system_line(message))
        mine = self._is_mine(message)
        data = message.get("data")
        who = None
        if not mine and conv is not None and conv.info.get("kind") == "group":
            who = m.user_name(message.get("from"))
        quote = edits.quoted(conv, message)
        return (message.get("kind"), message.get("text"), json.dumps(data) if data else None, message.get("from"),
                message.get("status"), message.get("cid"), fmt.clock(message.get("ts") or now_ms(), offset),
                self._delivery(conv, message) if mine else None, who, message.get("edited"), message.get("deleted"),
                json.dumps(message.get("reactions") or []), json.dumps(quote) if quote else None,
                m.messages.menu_for == message.get("id"))

    def _message_item(self, conv, message, offset):
        m, t = self.panel.model, self.panel.t
        if message.get("kind") == "system":  # a group event: one centered line, no bubble
            attrs = {"class_": "p-msg p-system"}
            if message.get("pos") is not None:
                attrs["data-pos"] = str(message["pos"])
            return el("li", attrs, el("p", {"class_": "p-system-text"}, m.system_line(message)))
        mine = self._is_mine(message)
        sender = message.get("from")
        body = []
        quote = edits.quoted(conv, message)
        if quote is not None and not message.get("deleted"):
            body.append(self._quote(quote))
        if message.get("deleted"):
            body.append(el("p", {"class_": "p-text p-deleted"}, t("deleted_msg")))
        elif message.get("kind") == "share" and message.get("data"):
            data = message["data"]
            body.append(share_card(data))
            if message.get("text"):
                body.append(el("p", {"class_": "p-text"}, linked_text(message["text"])))
        elif message.get("kind") == "file" and message.get("data"):
            body.append(files_ui.message_body(m.client, message["data"], t, m.lang))
        else:
            body.append(el("p", {"class_": "p-text"}, linked_text(message.get("text") or "")))
        meta = [el("time", {}, fmt.clock(message.get("ts") or now_ms(), offset))]
        if message.get("edited") and not message.get("deleted"):
            meta.append(el("span", {"class_": "p-edited"}, t("edited")))
        if mine:
            meta.append(el("span", {"class_": "p-state"}, self._delivery(conv, message)))
        attrs = {"class_": "p-msg " + ("p-mine" if mine else "p-theirs")}
        if message.get("id") is not None and message.get("status") is None:
            attrs["data-id"] = str(message["id"])
        if message.get("status") == "failed":
            attrs["class_"] += " p-failed"
        if message.get("deleted"):
            attrs["class_"] += " p-gone"
        if message.get("cid"):
            attrs["data-cid"] = message["cid"]
        if message.get("status") is None and message.get("pos") is not None:
            attrs["data-pos"] = str(message["pos"])  # the scroll anchor kept across pages (parley.place)
        who = None
        if not mine and conv is not None and conv.info.get("kind") == "group":
            who = el("span", {"class_": "p-who"}, m.user_name(sender))
        retry = None
        if message.get("status") == "failed":
            retry = el("button", {"type": "button", "class_": "p-link", "data-action": "retry",
                                  "data-arg": message.get("cid")}, t("retry"))
        stored = message.get("status") is None and message.get("id") is not None and not message.get("deleted")
        actions = self._actions(conv, message, mine) if stored else None
        return el("li", attrs, who, el("div", {"class_": "p-row"}, el("div", {"class_": "p-bubble"}, body), actions),
                  self._reactions(message) if stored else None,
                  el("div", {"class_": "p-meta"}, meta, retry))

    def _quote(self, quote):
        """A reply's quote of its original: who wrote it and how it began; a click scrolls to it."""
        m, t = self.panel.model, self.panel.t
        name = m.user_name(quote.get("from")) if quote.get("from") is not None else ""
        text = t("deleted_msg") if quote.get("deleted") else (quote.get("text") or "")
        return el("button", {"type": "button", "class_": "p-quote", "data-action": "quote-jump",
                             "data-arg": str(quote["id"]), "aria-label": t("quote_jump", name=name)},
                  el("span", {"class_": "p-quote-who"}, name),
                  el("span", {"class_": "p-quote-text" + (" p-deleted" if quote.get("deleted") else "")}, text))

    def _actions(self, conv, message, mine):
        """The message's action button and, when open, its menu: reactions, reply, edit/delete for the
        visitor's own, and "Report" (to the site's owners) for other people's."""
        m, t = self.panel.model, self.panel.t
        mid = str(message["id"])
        is_open = m.messages.menu_for == message["id"]
        button = el("button", {"type": "button", "class_": "p-icon p-msg-more", "data-action": "msg-menu",
                               "data-arg": mid, "aria-label": t("msg_actions"), "title": t("msg_actions"),
                               "aria-haspopup": "true", "aria-expanded": "true" if is_open else "false"}, "⋯")
        if not is_open or message.get("kind") == "system":
            return el("div", {"class_": "p-actions"}, button)
        me = m.me["id"]
        items = []
        held = dict((emoji, mine_) for emoji, _, _, mine_ in edits.reactions_of(message, me))
        for emoji in P.REACTIONS:
            items.append(el("button", {"type": "button", "class_": "p-react-pick", "data-action": "msg-react",
                                       "data-arg": mid + " " + emoji, "aria-label": t("react_with", emoji=emoji),
                                       "title": t("react_with", emoji=emoji),
                                       "aria-pressed": "true" if held.get(emoji) else "false"}, emoji))
        items.append(el("button", {"type": "button", "class_": "p-link", "data-action": "msg-reply",
                                   "data-arg": mid}, t("reply")))
        if mine and message.get("kind") == "text":
            items.append(el("button", {"type": "button", "class_": "p-link", "data-action": "msg-edit",
                                       "data-arg": mid}, t("edit")))
        if mine:
            items.append(el("button", {"type": "button", "class_": "p-link p-danger", "data-action": "msg-delete",
                                       "data-arg": mid}, t("delete_everyone")))
        else:
            items.append(el("button", {"type": "button", "class_": "p-link p-report-msg", "data-action": "report-msg",
                                       "data-arg": str(message.get("conv") or (conv.id if conv else "")) + ":" + mid,
                                       "data-user": str(message.get("from") or ""),
                                       "aria-label": t("report_message")}, t("report")))
        menu = el("div", {"class_": "p-menu", "role": "group", "aria-label": t("msg_actions"),
                          "data-action": "msg-menu-keys", "id": "p-menu-" + mid}, items)
        return el("div", {"class_": "p-actions"}, button, menu)

    def _reactions(self, message):
        """The reactions row: each emoji with its count; who reacted in its title and accessible name."""
        m, t = self.panel.model, self.panel.t
        entries = edits.reactions_of(message, m.me["id"])
        if not entries:
            return None
        buttons = []
        for emoji, count, users, mine in entries:
            label = t("reacted", emoji=emoji, count=str(count), names=", ".join(m.user_name(u) for u in users))
            attrs = {"type": "button", "class_": "p-reaction" + (" p-reaction-mine" if mine else ""),
                     "data-action": "msg-react", "data-arg": str(message["id"]) + " " + emoji, "title": label,
                     "aria-label": label, "aria-pressed": "true" if mine else "false"}
            buttons.append(el("button", attrs, emoji + " " + str(count)))
        return el("div", {"class_": "p-reactions"}, buttons)

    def render_context(self):
        """The line above the composer: replying to someone (with the quote) or editing, and a cancel button."""
        if self.context is None:
            return
        m, t = self.panel.model, self.panel.t
        actions = m.messages
        if actions.editing is not None:
            label, text = t("editing"), actions.editing.get("text") or ""
        elif actions.replying is not None:
            label = t("replying_to", name=m.user_name(actions.replying.get("from")))
            text = actions.replying.get("text") or ""
        else:
            self.context.hidden = True
            replace(self.context)
            return
        replace(self.context,
                el("div", {"class_": "p-ctx-body"}, el("strong", {}, label), el("span", {"class_": "p-ctx-text"},
                                                                               text[:100])),
                el("button", {"type": "button", "class_": "p-icon", "data-action": "compose-cancel",
                              "aria-label": t("cancel"), "title": t("cancel")}, "×"))
        self.context.hidden = False

    def focus_menu(self, message_id):
        """Keyboard first: the first choice of an opened menu takes the focus."""
        if self.log is None:
            return
        first = self.log.querySelector("#p-menu-" + str(message_id) + " button")
        if first:
            first.focus()

    def focus_actions(self, message_id):
        """The focus goes back to a message's action button (its menu was closed from the keyboard)."""
        button = self.log.querySelector('li[data-id="' + str(message_id) + '"] .p-msg-more') if self.log else None
        if button:
            button.focus()

    def show_message(self, message_id):
        """Scroll to a held message and mark it for a moment; one not held yet is looked for in older pages."""
        m = self.panel.model
        conv = m.state.conversation(m.current_conv)
        held = conv.by_id.get(message_id) if conv is not None else None
        if held is None:
            if conv is not None and conv.has_more:
                m.load_older_for_anchor()
                m.messages.jump_pending = message_id
            return
        item = self.log.querySelector('li[data-id="' + str(message_id) + '"]') if self.log is not None else None
        if not item:
            return
        self.log.scrollTop = self._top_of(item) - 24
        item.classList.add("p-flash")
        window.setTimeout(_unflash(item), 1600)

    def _delivery(self, conv, message):
        t = self.panel.t
        state = message.get("status")
        if state == "pending":
            return t("sending") + "…"
        if state == "failed":
            return "⚠ " + t("failed")
        others = [pos for user, pos in conv.read_by.items() if user != self.panel.model.me["id"]]
        if others and max(others) >= message.get("pos", 0):
            return "✓✓ " + t("read")
        return "✓ " + t("sent")

    def update_counter(self):
        """Show the characters left near the limit; past it, say so and disable the send button.
        Returns the counter (parley.ui.format.text_counter)."""
        counter = fmt.text_counter(str(self.composer.value)) if self.composer is not None else None
        if counter is None or self.counter is None:
            return counter
        t = self.panel.t
        if counter["over"]:
            self.counter.textContent = t("chars_over", count=str(-counter["remaining"]))
        elif counter["show"]:
            self.counter.textContent = t("chars_left", count=str(counter["remaining"]))
        else:
            self.counter.textContent = ""
        self.counter.hidden = not counter["show"]
        self.counter.setAttribute("class", "p-counter p-counter-over" if counter["over"] else "p-counter")
        self.send_button.disabled = counter["over"]
        self.composer.setAttribute("aria-invalid", "true" if counter["over"] else "false")
        return counter

    def render_typing(self):
        """Who else is typing in the open conversation."""
        if self.typing is None:
            return
        m, t = self.panel.model, self.panel.t
        conv = m.state.conversation(m.current_conv)
        users = [u for u in (conv.typing_users(now_ms()) if conv else []) if u != m.me["id"]]
        names = [m.user_name(u) for u in users]
        if not names:
            self.typing.textContent = ""
        elif len(names) == 1:
            self.typing.textContent = t("typing_one", name=names[0])
        else:
            self.typing.textContent = t("typing_many", names=", ".join(names))


def linked_text(text):
    """A message's text as text nodes and safe anchors for its links (parley.links): nothing else becomes
    markup; each link opens in a new tab without a handle on the widget."""
    return [part if href is None else el("a", {"class_": "p-link-text", "href": href, "target": "_blank",
                                               "rel": "noopener noreferrer"}, part)
            for part, href in link_runs(text)]


def _unflash(item):
    from pyscript.ffi import create_proxy

    return create_proxy(lambda *args: item.classList.remove("p-flash"))


def share_card(data):
    """A link card: title and host; opens in a new tab without giving the page a handle on ours."""
    from parley import urls
    from parley.cards import render

    custom = render(data)  # a custom card (data.card) drawn by a registered renderer, if any
    if custom is not None:
        return custom
    url = data.get("url") or ""
    safe = urls.is_http(url)  # the server checks too; never javascript:
    return el(
        "a", {"class_": "p-card", "href": url if safe else None, "target": "_blank",
              "rel": "noopener noreferrer nofollow"},
        el("span", {"class_": "p-card-title"}, data.get("title") or url),
        el("span", {"class_": "p-card-desc"}, data.get("description")) if data.get("description") else None,
        el("span", {"class_": "p-card-host"}, urls.host(url)),
    )
