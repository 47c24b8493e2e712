"""The search screen: a search box kept across redraws and the hits of the visitor's own conversations, each
with the conversation's title, the sender, the time and the snippet with its matches in <mark> (as text).
Drawing only: the search controller (``m.search``) holds the query and the hits."""

from pyscript import window

from parley.ui import format as fmt
from parley.ui.avatar import avatar
from parley.ui.dom import el, replace


def snippet_nodes(snippet, marks):
    """A hit's snippet as text nodes, its matches inside <mark> elements (never parsed as HTML)."""
    return [el("mark", {"class_": "p-mark"}, part) if marked else part
            for part, marked in fmt.marked_runs(snippet, marks)]


def _when(ts, lang):
    offset = window.Date.new().getTimezoneOffset()
    now = int(window.Date.now())
    if fmt.day_index(ts, offset) == fmt.day_index(now, offset):
        return fmt.clock(ts, offset)
    return str(window.Date.new(float(ts)).toLocaleDateString(lang))


def hit_row(m, t, hit):
    """One hit: a button opening its conversation at that message."""
    title = m.conversation_title(hit["conv"])
    name = m.user_name(hit.get("from"))
    when = _when(hit["ts"], m.lang)
    return el("li", {"class_": "p-hit-row"},
              el("button", {"type": "button", "class_": "p-hit", "data-action": "search-open",
                            "data-arg": str(hit["conv"]) + ":" + str(hit["pos"]),
                            "aria-label": t("search_hit", title=title, name=name, time=when) + ": " + hit["snippet"]},
                 avatar(hit.get("from") or 0, name, None),
                 el("span", {"class_": "p-row-text"},
                    el("span", {"class_": "p-hit-head"}, el("span", {"class_": "p-name"}, title),
                       el("time", {"class_": "p-hit-time"}, when)),
                    el("span", {"class_": "p-hit-who"}, name),
                    el("span", {"class_": "p-hit-snippet"}, snippet_nodes(hit["snippet"], hit.get("marks"))))))


class SearchScreen:
    """The search screen; its box and result list survive redraws (typing is never interrupted)."""

    def __init__(self, panel):
        self.panel = panel
        self.box = None
        self.results = None

    def build(self):
        t = self.panel.t
        if self.box is None:
            self.box = el("input", {"type": "search", "class_": "p-search", "data-action": "search-input",
                                    "aria-label": t("search_label"), "placeholder": t("search_label"),
                                    "autocomplete": "off", "maxlength": "200", "enterkeyhint": "search"})
            self.results = el("div", {"class_": "p-results", "role": "region", "aria-live": "polite",
                                      "aria-label": t("search")})
        self.render_results()
        return [self.box, self.results]

    def focus(self):
        if self.box is not None:
            self.box.focus()

    def render_results(self):
        """Draw the search's state: a hint, searching, too fast, nothing found, or the hits."""
        if self.results is None:
            return
        m, t = self.panel.model, self.panel.t
        search = m.search
        if search.state == "slow":
            content = el("p", {"class_": "p-empty"}, t("search_slow"))
        elif search.state == "error":
            content = el("p", {"class_": "p-empty"}, search.error)
        elif search.hits is None:
            content = el("p", {"class_": "p-empty"}, t("searching") if search.state == "searching"
                         else t("search_hint"))
        elif not search.hits:
            content = el("p", {"class_": "p-empty"}, t("search_none", q=search.query))
        else:
            more = None
            if search.next is not None:
                more = el("li", {"class_": "p-older"},
                          el("button", {"type": "button", "class_": "p-link", "data-action": "search-more"},
                             t("search_more")))
            content = el("ul", {"class_": "p-list p-hits", "aria-label": t("search")},
                         [hit_row(m, t, hit) for hit in search.hits], more)
        replace(self.results, content)
