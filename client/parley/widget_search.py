"""What the widget does on the search screen: the visitor's typing becomes ``session.search`` calls (debounced,
the last answer wins), "older results" pages on, and a hit opens its conversation scrolled to that message
(the chat log's anchor restore loads older pages until it is drawn) and highlights it briefly."""

import asyncio

from parley import protocol as P
from parley.errors import ParleyError

SEARCH_DEBOUNCE_S = 0.3
OPEN_OFFSET_PX = 90  # the found message is drawn this far below the log's top edge


class SearchController:
    """Bound to a Widget; ``library`` (the Session) is set by the session that owns the widget."""

    def __init__(self, widget):
        self.widget = widget
        self.library = None
        self.query = ""
        self.hits = None  # the hits so far, None before a query was answered
        self.next = None
        self.state = None  # None, "searching", "slow" (rate limited) or "error"
        self.error = ""
        self.highlight = None  # (conv, pos) to flash once drawn
        self._seq = 0

    def bind(self, on):
        on("click", "search-open-screen", lambda arg, event, node: self.open())
        on("input", "search-input", self._input)
        on("keydown", "search-input", self._key)
        on("click", "search-more", lambda arg, event, node: self._more())
        on("click", "search-open", self._open_hit)

    def _screen(self):
        return self.widget.panel.search

    def open(self):
        self.widget.panel.show_notice("")
        self.widget.go("search")
        self._screen().focus()

    def _input(self, arg, event, node):
        self.query = str(node.value).strip()
        self._seq += 1
        if not self.query:
            self.hits, self.next, self.state = None, None, None
            self._screen().render_results()
            return None
        return self._later(self._seq)

    def _key(self, arg, event, node):
        if str(event.key) == "Escape" and self.query:
            node.value = ""
            return self._input(arg, event, node)
        return None

    async def _later(self, seq):
        await asyncio.sleep(SEARCH_DEBOUNCE_S)  # debounced: one query once the visitor pauses
        if seq != self._seq:
            return
        self.state = "searching"
        self._screen().render_results()
        await self._run(seq, None)

    async def _more(self):
        if self.next is not None:
            await self._run(self._seq, self.next)

    async def _run(self, seq, before):
        try:
            page = await self.library.search(self.query, before)
        except ParleyError as error:
            if seq == self._seq:
                self.state = "slow" if error.code == P.E_RATE_LIMITED else "error"
                self.error = self.widget.social.explain(error)
                self._screen().render_results()
            return
        if seq != self._seq:
            return
        self.hits = (self.hits or []) + page["hits"] if before is not None else page["hits"]
        self.next, self.state = page.get("next"), None
        self._screen().render_results()

    def _open_hit(self, arg, event, node):
        from parley.place import scroll_anchor

        conv, pos = (int(part) for part in str(arg).split(":"))
        self.highlight = (conv, pos)
        self.widget.pending_scroll = scroll_anchor(pos, OPEN_OFFSET_PX)  # restored once that message is drawn
        self.widget.go("chat", conv)

    def drawn(self):
        """The chat log restored its anchor: flash the found message if it is the one."""
        if self.highlight is not None and self.highlight[0] == self.widget.current_conv:
            pos = self.highlight[1]
            self.highlight = None
            self.widget.panel.chat.flash(pos)
