"""The widget panel: the header, a status line, and one screen at a time in the body (ui/home.py: signed-out
welcome, home, share picker; ui/chat.py: the conversation).

The panel reads everything from the widget controller (`model`) and calls back its actions; it owns no
chat state. Sections are re-rendered on change events; focus is kept on the control it was on.
"""

from pyscript import document

from parley.ui.avatar import avatar
from parley.ui.chat import ChatScreen
from parley.ui.dom import Delegator, el, icon, replace
from parley.ui.groups import group_info_screen, group_new_screen, share_picker
from parley.ui.home import HomeScreen, welcome
from parley.ui.people import PeopleScreen, invite_screen
from parley.ui.report import report_screen
from parley.ui.search import SearchScreen
from parley.ui.settings import STATUS_LABELS, settings_screen

SCREENS = {"invite": invite_screen, "group_new": group_new_screen, "group_info": group_info_screen,
           "share": share_picker, "report": report_screen}  # screen name -> builder(model, t) of the body's children
TITLES = {"report": "report", "share": "share_pick", "settings": "settings", "people": "people",
          "invite": "invite_open",
          "group_new": "group_new", "group_info": "group_info",
          "search": "search"}  # screens with a back button and their title


class Panel:
    """Draws the widget into `root` (an element of a document or a shadow root)."""

    def __init__(self, root, model):
        self.root = root
        self.model = model
        self.t = model.t
        self.events = Delegator(root)
        for event_type in ("click", "keydown", "input", "change", "scroll", "paste", "dragover", "drop"):
            self.events.listen(event_type)
        self.header = el("header", {"class_": "p-header"})
        self.notice = el("div", {"class_": "p-notice", "role": "status", "aria-live": "polite"})
        self.body = el("div", {"class_": "p-body"})
        # a panel painted before Python was up (parley.painted) stays on screen until the first render
        self._attached = root.getAttribute("data-state") != "painted"
        if self._attached:
            replace(root, self.header, self.notice, self.body)
        self.home = HomeScreen(self)
        self.chat = ChatScreen(self)
        self.people = PeopleScreen(self)
        self.search = SearchScreen(self)

    @property
    def composer(self):
        """The conversation's text box, or None when no conversation is on screen."""
        return self.chat.composer

    # -- whole screens ------------------------------------------------------------------------------

    def render(self):
        """Draw the header and the current screen."""
        if not self._attached:
            self._attached = True
            replace(self.root, self.header, self.notice, self.body)
        self.render_header()
        screen = self.model.screen
        if screen == "chat":
            self.chat.show()
        else:
            self.chat.leave()
            if screen == "signed_out":
                replace(self.body, welcome(self.model, self.t))
            elif screen == "settings":
                self._keep_focus(self.body, lambda: settings_screen(self.model, self.t))
            elif screen == "people":
                self._keep_focus(self.body, self.people.build)
            elif screen == "search":
                self._keep_focus(self.body, self.search.build)
            elif screen in SCREENS:
                self._keep_focus(self.body, lambda: SCREENS[screen](self.model, self.t))
            else:
                self._keep_focus(self.body, self.home.build)
        self.root.setAttribute("data-screen", screen)

    def render_header(self):
        m, t = self.model, self.t
        title = m.site_name
        left = []
        if m.screen in TITLES or m.screen == "chat":
            left.append(el("button", {"type": "button", "class_": "p-icon", "data-action": "back",
                                      "aria-label": t("back")}, icon("back")))
            title = m.conversation_title(m.current_conv) if m.screen == "chat" else t(TITLES[m.screen])
        elif m.me:
            left.append(avatar(m.me["id"], m.me.get("name") or m.me.get("username"), m.my_status))
        right = []
        if m.screen == "chat" and m.is_group(m.current_conv):
            right.append(el("button", {"type": "button", "class_": "p-icon", "data-action": "group-info",
                                       "aria-label": t("group_info")}, icon("info", 18)))
        if m.me and m.screen in ("home", "chat"):
            right.append(el("button", {"type": "button", "class_": "p-icon", "data-action": "search-open-screen",
                                       "aria-label": t("search")}, icon("search", 18)))
        if m.me and m.screen == "home":
            right.append(el("button", {"type": "button", "class_": "p-icon", "data-action": "settings-open",
                                       "aria-label": t("settings")}, icon("tune", 18)))
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
        for status, key in STATUS_LABELS:
            option = el("option", {"value": status}, t(key))
            if status == self.model.my_status:
                option.setAttribute("selected", "")
            select.appendChild(option)
        return select

    # -- the conversation's parts (redrawn on their own) ----------------------------------------------

    def render_log(self, scroll_to_end=None):
        """Redraw the open conversation's messages, keeping the reader's scroll position."""
        self.chat.render_log(scroll_to_end)

    def render_typing(self):
        """Redraw who is typing in the open conversation."""
        self.chat.render_typing()

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
