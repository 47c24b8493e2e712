"""The widget panel: header, and one screen at a time (sign-in, home, conversation, share picker).

The panel reads everything from the widget controller (`model`) and calls back its actions; it owns no
chat state. Sections are re-rendered on change events; focus is kept on the control it was on.
"""

import json

from pyscript import document, window

from parley.cards import composer_buttons
from parley.clock import now_ms
from parley.sorting import sorted_by
from parley.ui import format as fmt
from parley.ui.dom import Delegator, el, icon, replace
from parley.ui.keyed import KeyedChildren

STATUSES = ("online", "away", "hidden")


def _day_separator(label):
    return lambda: el("li", {"class_": "p-day", "role": "separator"}, label)


def _friend_builder(user, name, status, unread, detail, label):
    return lambda: el(
        "li", {},
        el("button", {"type": "button", "class_": "p-row", "data-action": "open-user", "data-arg": user,
                      "aria-label": label},
           avatar(user, name, status),
           el("span", {"class_": "p-row-text"}, el("span", {"class_": "p-name"}, name),
              el("span", {"class_": "p-detail"}, detail)),
           el("span", {"class_": "p-badge", "aria-hidden": "true"}, str(unread)) if unread else None),
    )


def _group_builder(conv_id, title, unread, label, subtitle):
    return lambda: el(
        "li", {},
        el("button", {"type": "button", "class_": "p-row", "data-action": "open-conv", "data-arg": conv_id,
                      "aria-label": label},
           el("span", {"class_": "p-avatar p-group", "aria-hidden": "true"}, "#"),
           el("span", {"class_": "p-row-text"}, el("span", {"class_": "p-name"}, title),
              el("span", {"class_": "p-detail"}, subtitle)),
           el("span", {"class_": "p-badge", "aria-hidden": "true"}, str(unread)) if unread else None),
    )


def _date_text(ts, lang):
    return lambda: str(window.Date.new(float(ts)).toLocaleDateString(lang))


def _message_builder(panel, conv, message, offset):
    return lambda: panel._message_item(conv, message, offset)


class Panel:
    """Draws the widget into `root` (an element of a document or a shadow root)."""

    def __init__(self, root, model):
        self.root = root
        self.model = model
        self.t = model.t
        self.events = Delegator(root)
        for event_type in ("click", "keydown", "input", "change", "scroll"):
            self.events.listen(event_type)
        self.header = el("header", {"class_": "p-header"})
        self.notice = el("div", {"class_": "p-notice", "role": "status", "aria-live": "polite"})
        self.body = el("div", {"class_": "p-body"})
        replace(root, self.header, self.notice, self.body)
        self.log = None
        self.log_items = None  # KeyedChildren of self.log
        self._home_lists = {}  # the home screen's lists by name, KeyedChildren kept across redraws
        self.typing = None
        self.composer = None
        self._rendered_conv = None

    # -- whole screens ------------------------------------------------------------------------------

    def render(self):
        """Draw the header and the current screen."""
        self.render_header()
        screen = self.model.screen
        if screen == "chat":
            self._chat_screen()
        else:
            self._rendered_conv = None
            self.log = self.log_items = self.typing = self.composer = None
            if screen == "signed_out":
                self._signed_out_screen()
            elif screen == "share":
                self._keep_focus(self.body, self._share_screen)
            else:
                self._keep_focus(self.body, self._home_screen)
        self.root.setAttribute("data-screen", screen)

    def render_header(self):
        m, t = self.model, self.t
        title = m.site_name
        left = []
        if m.screen in ("chat", "share"):
            left.append(el("button", {"type": "button", "class_": "p-icon", "data-action": "back",
                                      "aria-label": t("back")}, icon("back")))
            title = m.conversation_title(m.current_conv) if m.screen == "chat" else t("share_pick")
        elif m.me:
            left.append(avatar(m.me["id"], m.me.get("name") or m.me.get("username"), m.my_status))
        right = []
        if m.me:
            right.append(el("span", {"class_": "p-conn p-conn-" + m.connection, "role": "status",
                                     "title": t("conn_" + m.connection), "aria-label": t("conn_" + m.connection)}))
        right.append(el("button", {"type": "button", "class_": "p-icon", "data-action": "close",
                                   "aria-label": t("close_chat")}, icon("close", 18)))
        heading = el("h1", {"class_": "p-title", "id": "p-title"}, title)
        sub = None
        if m.screen == "chat":
            sub = el("p", {"class_": "p-sub"}, m.conversation_subtitle(m.current_conv))
        elif m.me and m.screen == "home":
            sub = self._status_select()
        self._keep_focus(self.header, lambda: left + [el("div", {"class_": "p-heading"}, heading, sub)] + right)

    def _status_select(self):
        t = self.t
        select = el("select", {"class_": "p-status", "data-action": "status", "aria-label": t("status")})
        for status in STATUSES:
            option = el("option", {"value": status}, t(status))
            if status == self.model.my_status:
                option.setAttribute("selected", "")
            select.appendChild(option)
        return select

    def _signed_out_screen(self):
        m, t = self.model, self.t
        replace(
            self.body,
            el(
                "section",
                {"class_": "p-welcome"},
                el("div", {"class_": "p-hero", "aria-hidden": "true"}, icon("chat", 48)),
                el("p", {"class_": "p-lead"}, t("welcome", site=m.site_name)),
                el("p", {"class_": "p-muted"}, t("welcome_more")),
                el("button", {"type": "button", "class_": "p-primary", "data-action": "sign-in",
                              "disabled": m.busy}, t("signing_in") if m.busy else t("sign_in")),
            ),
        )

    def _home_screen(self):
        m, t = self.model, self.t
        here = [self._friend_row(user, show_title=True) for user in m.state.friends_here() if user in m.friends]
        here_list = (self._home_list("here", t("here_now"), here) if here
                     else el("p", {"class_": "p-empty"}, t("nobody_here")))
        friends = sorted_by(m.friends.values(), lambda f: (_status_rank(m.state.status_of(f["id"])),
                                                           str(f.get("name") or f["username"]).lower()))
        friend_rows = [self._friend_row(f["id"]) for f in friends]
        groups = [self._group_row(conv) for conv in m.group_conversations()]
        return [
            el("button", {"type": "button", "class_": "p-primary p-share", "data-action": "share-start"},
               icon("share", 18), t("share_page")),
            el("section", {"class_": "p-section", "role": "region", "aria-label": t("here_now")},
               el("h2", {}, t("here_now"),
                  el("span", {"class_": "p-count"}, str(len(here))) if here else None), here_list),
            el("section", {"class_": "p-section"},
               el("h2", {"id": "p-friends-h"}, t("friends")),
               self._home_list("friends", t("friends"), friend_rows)
               if friend_rows else el("p", {"class_": "p-empty"}, t("no_friends"))),
            el("section", {"class_": "p-section"},
               el("h2", {}, t("groups")), self._home_list("groups", t("groups"), groups))
            if groups else None,
            el("footer", {"class_": "p-footer"},
               el("span", {"class_": "p-muted"}, "@" + str(m.me.get("username") or "")),
               el("button", {"type": "button", "class_": "p-link", "data-action": "sign-out"}, t("sign_out"))),
        ]

    def _home_list(self, name, label, rows):
        """One of the home screen's lists, kept across redraws (presence changes redraw the screen often):
        only rows whose content changed are rebuilt. ``rows``: (key, signature, build) triples."""
        kept = self._home_lists.get(name)
        if kept is None:
            kept = self._home_lists[name] = KeyedChildren(el("ul", {"class_": "p-list", "aria-label": label}))
        kept.update(rows)
        return kept.parent

    def _friend_row(self, user, show_title=False):
        """A friend's row as (key, signature, build) for ``_home_list``."""
        m, t = self.model, self.t
        friend = m.friends.get(user) or {"id": user, "username": "?", "name": "?"}
        name = friend.get("name") or friend["username"]
        status = m.state.status_of(user)
        unread = m.unread_with(user)
        detail = t(status)
        title = m.state.title_of(user) if show_title else None
        if title:
            detail = t("on_page", title=title)
        label = name + ", " + t(status) + ((", " + t("unread", count=unread)) if unread else "")
        return user, (name, status, unread, detail, label), _friend_builder(user, name, status, unread, detail, label)

    def _group_row(self, conv):
        """A group conversation's row as (key, signature, build) for ``_home_list``."""
        m, t = self.model, self.t
        title = m.conversation_title(conv.id)
        unread = conv.unread
        label = title + ((", " + t("unread", count=unread)) if unread else "")
        subtitle = m.conversation_subtitle(conv.id)
        return conv.id, (title, unread, label, subtitle), _group_builder(conv.id, title, unread, label, subtitle)

    def _share_screen(self):
        m, t = self.model, self.t
        page = m.page or {}
        card = el("div", {"class_": "p-card p-card-preview"},
                  el("span", {"class_": "p-card-title"}, page.get("title") or page.get("url") or ""),
                  el("span", {"class_": "p-card-host"}, m.page_host()))
        here = set(m.state.friends_here())
        friends = sorted_by(m.friends.values(), lambda f: (0 if f["id"] in here else 1,
                                                           str(f.get("name") or f["username"]).lower()))
        rows = []
        for friend in friends:
            name = friend.get("name") or friend["username"]
            rows.append(el("li", {}, el(
                "button", {"type": "button", "class_": "p-row", "data-action": "share-to", "data-arg": friend["id"],
                           "aria-label": t("share_with", name=name)},
                avatar(friend["id"], name, m.state.status_of(friend["id"])),
                el("span", {"class_": "p-row-text"}, el("span", {"class_": "p-name"}, name),
                   el("span", {"class_": "p-detail"}, t("here_now") if friend["id"] in here else "")),
                el("span", {"class_": "p-go", "aria-hidden": "true"}, icon("share")))))
        groups = [
            el("li", {}, el("button", {"type": "button", "class_": "p-row", "data-action": "share-conv",
                                       "data-arg": conv.id,
                                       "aria-label": t("share_with", name=m.conversation_title(conv.id))},
                            el("span", {"class_": "p-avatar p-group", "aria-hidden": "true"}, "#"),
                            el("span", {"class_": "p-row-text"},
                               el("span", {"class_": "p-name"}, m.conversation_title(conv.id)))))
            for conv in m.group_conversations()
        ]
        return [card, el("ul", {"class_": "p-list", "aria-label": t("share_pick")}, rows, groups),
                el("button", {"type": "button", "class_": "p-secondary", "data-action": "back"}, t("cancel"))]

    # -- conversation -------------------------------------------------------------------------------

    def _chat_screen(self):
        m, t = self.model, self.t
        if self._rendered_conv == m.current_conv and self.log is not None:
            self.render_log()
            return
        self._rendered_conv = m.current_conv
        self.log = el("ol", {"class_": "p-log", "role": "log", "aria-live": "polite", "aria-label": t("messages"),
                             "data-action": "log-scroll", "tabindex": "0"})
        self.log_items = KeyedChildren(self.log)
        self.typing = el("p", {"class_": "p-typing", "aria-live": "polite"})
        self.composer = el("textarea", {"class_": "p-input", "rows": "1", "aria-label": t("message"),
                                        "placeholder": t("message"), "data-action": "compose", "maxlength": "4000"})
        draft = m.draft(m.current_conv)
        if draft:
            self.composer.value = draft
        form = el(
            "div", {"class_": "p-composer"},
            el("button", {"type": "button", "class_": "p-icon p-share-inline", "data-action": "share-here",
                          "aria-label": t("share_page"), "title": t("share_page")}, icon("share")),
            composer_buttons(),  # actions added by extensions (parley.composer_action)
            self.composer,
            el("button", {"type": "button", "class_": "p-send", "data-action": "send", "aria-label": t("send")},
               t("send")),
        )
        replace(self.body, self.log, self.typing, form)
        self.render_log(scroll_to_end=True)
        self.composer.focus()

    def render_log(self, scroll_to_end=None):
        """Redraw the open conversation's messages, keeping the reader's scroll position."""
        if self.log is None:
            return
        m, t = self.model, self.t
        conv = m.state.conversation(m.current_conv)
        log = self.log
        at_end = log.scrollHeight - log.scrollTop - log.clientHeight < 40
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
        if scroll_to_end or (scroll_to_end is None and at_end):
            log.scrollTop = log.scrollHeight
        else:
            log.scrollTop = old_top + (log.scrollHeight - old_height if old_top < 40 else 0)
        self.render_typing()

    def _is_mine(self, message):
        """Sent by the visitor: from them, or still in their outbox (sending or failed)."""
        return message.get("from") == self.model.me["id"] or message.get("status") is not None

    def _message_signature(self, conv, message, offset):
        """Everything ``_message_item`` draws from: equal signatures draw the same item."""
        m = self.model
        mine = self._is_mine(message)
        data = message.get("data")
        who = None
        if not mine and conv is not None and conv.info.get("kind") == "group":
            who = m.user_name(message.get("from"))
        return (message.get("kind"), message.get("text"), json.dumps(data) if data else None, message.get("from"),
                message.get("status"), message.get("cid"), fmt.clock(message.get("ts") or now_ms(), offset),
                self._delivery(conv, message) if mine else None, who)

    def _message_item(self, conv, message, offset):
        m, t = self.model, self.t
        mine = self._is_mine(message)
        sender = message.get("from")
        body = []
        if message.get("kind") == "share" and message.get("data"):
            data = message["data"]
            body.append(share_card(data))
            if message.get("text"):
                body.append(el("p", {"class_": "p-text"}, message["text"]))
        else:
            body.append(el("p", {"class_": "p-text"}, message.get("text") or ""))
        meta = [el("time", {}, fmt.clock(message.get("ts") or now_ms(), offset))]
        if mine:
            meta.append(el("span", {"class_": "p-state"}, self._delivery(conv, message)))
        attrs = {"class_": "p-msg " + ("p-mine" if mine else "p-theirs")}
        if message.get("status") == "failed":
            attrs["class_"] += " p-failed"
        if message.get("cid"):
            attrs["data-cid"] = message["cid"]
        who = None
        if not mine and conv is not None and conv.info.get("kind") == "group":
            who = el("span", {"class_": "p-who"}, m.user_name(sender))
        retry = None
        if message.get("status") == "failed":
            retry = el("button", {"type": "button", "class_": "p-link", "data-action": "retry",
                                  "data-arg": message.get("cid")}, t("retry"))
        return el("li", attrs, who, el("div", {"class_": "p-bubble"}, body),
                  el("div", {"class_": "p-meta"}, meta, retry))

    def _delivery(self, conv, message):
        t = self.t
        state = message.get("status")
        if state == "pending":
            return t("sending") + "…"
        if state == "failed":
            return "⚠ " + t("failed")
        others = [pos for user, pos in conv.read_by.items() if user != self.model.me["id"]]
        if others and max(others) >= message.get("pos", 0):
            return "✓✓ " + t("read")
        return "✓ " + t("sent")

    def render_typing(self):
        if self.typing is None:
            return
        m, t = self.model, self.t
        conv = m.state.conversation(m.current_conv)
        users = [u for u in (conv.typing_users(now_ms()) if conv else []) if u != m.me["id"]]
        names = [m.user_name(u) for u in users]
        if not names:
            self.typing.textContent = ""
        elif len(names) == 1:
            self.typing.textContent = t("typing_one", name=names[0])
        else:
            self.typing.textContent = t("typing_many", names=", ".join(names))

    def show_notice(self, message):
        self.notice.textContent = message or ""
        self.notice.hidden = not message

    # -- helpers ------------------------------------------------------------------------------------

    def _keep_focus(self, section, build):
        """Re-render a section; if focus was on one of its controls, put it back on the same control."""
        active = document.activeElement
        key = None
        if active is not None and section.contains(active):
            key = (active.getAttribute("data-action"), active.getAttribute("data-arg"))
        children = build()
        replace(section, children)
        if key and key[0]:
            selector = '[data-action="' + key[0] + '"]'
            if key[1] is not None:
                selector += '[data-arg="' + str(key[1]) + '"]'
            again = section.querySelector(selector)
            if again:
                again.focus()


def avatar(user_id, name, status=None):
    """A round avatar with initials, a stable colour and a presence dot."""
    attrs = {"class_": "p-avatar", "aria-hidden": "true", "style": "--hue:" + str(fmt.hue(user_id))}
    dot = el("span", {"class_": "p-dot p-" + status}) if status else None
    return el("span", attrs, fmt.initials(name), dot)


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


def _status_rank(status):
    return {"online": 0, "away": 1}.get(status, 2)
