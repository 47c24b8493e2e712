"""What the widget does for reports: "Report" in a message's action menu or on a person opens the report
dialog; a reason becomes a ``session.report`` call; the visitor is thanked (or told why it failed) and taken back."""

from parley.errors import ParleyError


class ReportController:
    """Bound to a Widget; ``library`` (the Session) is set by the session that owns the widget."""

    def __init__(self, widget):
        self.widget = widget
        self.library = None
        self.back_to = ("home", None)  # where the dialog returns

    def bind(self, on):
        on("click", "report-msg", self._report_message)
        on("click", "report-user", self._report_user)
        on("click", "report-send", self._send)
        on("click", "report-cancel", lambda arg, event, node: self._close())

    def _open(self, target):
        w = self.widget
        self.back_to = (w.screen, w.current_conv)
        w.reporting = target
        w.go("report", w.current_conv)

    def _report_message(self, arg, event, node):
        """"Report" in a message's action menu (data-arg "<conv>:<message>"): the menu closes, the dialog opens."""
        self.widget.messages.menu_for = None
        conv, _, msg = str(arg).partition(":")
        sender = node.getAttribute("data-user")
        self._open({"conv": int(conv), "msg": int(msg), "user": int(sender) if sender else None})

    def _report_user(self, arg, event, node):
        user = int(arg)
        self._open({"user": user, "name": self.widget.user_name(user)})

    def _close(self, notice=""):
        w = self.widget
        w.reporting = None
        screen, conv = self.back_to
        w.go(screen if screen != "report" else "home", conv)
        w.panel.show_notice(notice)

    async def _send(self, arg, event, node):
        w = self.widget
        target = w.reporting or {}
        note_box = w.panel.body.querySelector(".p-report-note")
        note = str(note_box.value).strip() if note_box else ""
        try:
            if target.get("msg"):
                await self.library.report(str(arg), conversation=target["conv"], message=target["msg"],
                                          note=note or None)
            else:
                await self.library.report(str(arg), user=target["user"], note=note or None)
        except ParleyError as error:
            self._close(w.t("report_failed", reason=error.message))
            return
        self._close(w.t("report_thanks"))
