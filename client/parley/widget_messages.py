"""What the widget does with one message: the visitor's clicks on a message's action menu (react, reply, edit,
delete), its reactions and its reply quote become calls of the public library (``session.edit``,
``.delete``, ``.react``, ``.unreact``, ``.send(reply_to=)``), never frames sent by hand. Holds the passing
state: which message's menu is open, the message being replied to or edited."""

import asyncio

from parley.errors import ParleyError


class MessageActions:
    """Bound to a Widget; ``library`` (the Session) is set by the session that owns the widget."""

    def __init__(self, widget):
        self.widget = widget
        self.library = None
        self.menu_for = None  # id of the message whose action menu is open
        self.replying = None  # the message the composer replies to
        self.editing = None  # the visitor's message the composer edits
        self.jump_pending = None  # a reply's original to scroll to once an older page brings it
        self._tasks = set()

    def bind(self, on):
        on("click", "msg-menu", self._toggle_menu)
        on("click", "msg-react", self._react)
        on("click", "msg-reply", self._reply)
        on("click", "msg-edit", self._edit)
        on("click", "msg-delete", self._delete)
        on("click", "compose-cancel", lambda arg, event, node: self.cancel())
        on("click", "quote-jump", self._jump)
        for action in ("msg-menu", "msg-react", "msg-reply", "msg-edit", "msg-delete", "report-msg"):
            on("keydown", action, self._menu_key)  # Escape closes an open menu from any of its choices

    def reset(self):
        """Another conversation is open: nothing is being replied to or edited there."""
        self.menu_for = self.replying = self.editing = None

    def _message(self, arg):
        conv = self.widget.state.conversation(self.widget.current_conv)
        return conv.by_id.get(int(arg)) if conv is not None and arg else None

    def _redraw(self):
        chat = self.widget.panel.chat
        chat.render_log()
        chat.render_context()

    def _toggle_menu(self, arg, event, node):
        self.menu_for = None if self.menu_for == int(arg) else int(arg)
        self._redraw()
        if self.menu_for is not None:
            self.widget.panel.chat.focus_menu(self.menu_for)

    def _menu_key(self, arg, event, node):
        if event.key == "Escape" and self.menu_for is not None:
            event.preventDefault()
            closed, self.menu_for = self.menu_for, None
            self._redraw()
            self.widget.panel.chat.focus_actions(closed)

    def _run(self, coroutine):
        task = asyncio.create_task(self._guard(coroutine))
        self._tasks.add(task)
        self._tasks = set(t for t in self._tasks if not t.done())

    async def _guard(self, coroutine):
        try:
            await coroutine
        except ParleyError as error:
            self.widget.panel.show_notice(error.message)

    def _react(self, arg, event, node):
        """data-arg "<message id> <emoji>": toggle the visitor's reaction."""
        message_id, emoji = str(arg).split(" ", 1)
        message = self._message(message_id)
        if message is None or self.library is None:
            return
        me = self.widget.me["id"]
        mine = False
        for entry in message.get("reactions") or []:
            if entry["emoji"] == emoji and me in entry["users"]:
                mine = True
        self.menu_for = None
        conv = self.widget.current_conv
        if mine:
            self._run(self.library.unreact(conv, message["id"], emoji))
        else:
            self._run(self.library.react(conv, message["id"], emoji))
        self._redraw()

    def _reply(self, arg, event, node):
        message = self._message(arg)
        if message is None:
            return
        self.replying, self.editing, self.menu_for = message, None, None
        self._redraw()
        self.widget.panel.composer.focus()

    def _edit(self, arg, event, node):
        message = self._message(arg)
        if message is None:
            return
        self.editing, self.replying, self.menu_for = message, None, None
        composer = self.widget.panel.composer
        composer.value = message.get("text") or ""
        self._redraw()
        self.widget.panel.chat.update_counter()
        composer.focus()

    def _delete(self, arg, event, node):
        message = self._message(arg)
        if message is None or self.library is None:
            return
        self.menu_for = None
        if self.replying is not None and self.replying.get("id") == message["id"]:
            self.replying = None
        self._run(self.library.delete(self.widget.current_conv, message["id"]))
        self._redraw()

    def cancel(self):
        """Leave reply or edit mode (an edit leaves the composer empty again)."""
        if self.editing is not None:
            self.widget.panel.composer.value = ""
            self.widget.panel.chat.update_counter()
        self.replying = self.editing = None
        self.widget.panel.chat.render_context()
        self.widget.panel.composer.focus()

    def send(self, text):
        """The composer's text goes out: as an edit, as a reply, or None (an ordinary send by the caller)."""
        conv = self.widget.current_conv
        if self.editing is not None:
            message, self.editing = self.editing, None
            if text.strip() != (message.get("text") or ""):
                self._run(self.library.edit(conv, message["id"], text))
            self.widget.panel.chat.render_context()
            return True
        if self.replying is not None:
            message, self.replying = self.replying, None
            self.widget.client.send_text(conv, text, reply_to=message["id"])
            self.widget.panel.chat.render_context()
            return True
        return False

    def _jump(self, arg, event, node):
        """Scroll to the original of a reply (loading older pages until it is drawn)."""
        if not arg:
            return
        self.widget.panel.chat.show_message(int(arg))
