"""The peek (copy-paste widget only): while the panel is closed, a new message shows in a small part of the
frame next to the launcher — who wrote and a short preview. It is drawn in the Parley-origin frame, so the host
page's scripts cannot read the text; the host page only learns names and counts, to label its launcher
(docs/security.md, "What crosses to the host page")."""

from pyscript import document

from parley.ui.dom import Delegator, el, icon, replace


class Peek:
    """The frame's small notice: show(notice) draws it and marks the page (html[data-peek]), hide() removes it."""

    def __init__(self, t, on_open, on_dismiss):
        self.t = t
        self.node = el("aside", {"id": "parley-peek", "aria-label": t("peek_new")})
        document.body.appendChild(self.node)
        self.events = Delegator(self.node)
        self.events.listen("click")
        self.events.on("click", "peek-open", lambda arg, event, node: on_open())
        self.events.on("click", "peek-dismiss", lambda arg, event, node: on_dismiss())
        self.shown = False

    def show(self, notice):
        """Draw who wrote (notice["name"]) and the preview (notice["text"], text only)."""
        t = self.t
        name = notice.get("name") or ""
        replace(
            self.node,
            el("button", {"type": "button", "class_": "p-peek-open", "data-action": "peek-open",
                          "title": t("peek_open", name=name)},
               el("span", {"class_": "p-peek-name"}, name),
               el("span", {"class_": "p-peek-text"}, notice.get("text") or t("peek_new"))),
            el("button", {"type": "button", "class_": "p-peek-dismiss", "data-action": "peek-dismiss",
                          "aria-label": t("peek_dismiss")}, icon("close", 14)),
        )
        document.documentElement.setAttribute("data-peek", "")
        self.shown = True

    def hide(self):
        document.documentElement.removeAttribute("data-peek")
        replace(self.node)
        self.shown = False
