"""The report dialog: why the visitor reports a message or a person to the site's owners (one button per
reason, an optional note, cancel). The widget's report controller (`widget_report.py`) sends it."""

from parley.protocol import REPORT_REASONS
from parley.ui.dom import el


def report_screen(m, t):
    """The dialog for ``m.reporting`` ({"user", "conv", "msg", "name"})."""
    target = m.reporting or {}
    heading = t("report_message") if target.get("msg") else t("report_person", name=target.get("name") or "")
    reasons = [el("button", {"type": "button", "class_": "p-secondary p-reason", "data-action": "report-send",
                             "data-arg": reason}, t("reason_" + reason)) for reason in REPORT_REASONS]
    return el("div", {"class_": "p-report", "role": "dialog", "aria-modal": "false", "aria-labelledby": "p-report-h"},
              el("h2", {"id": "p-report-h"}, heading),
              el("p", {}, t("report_why")),
              el("label", {"for": "p-report-note"}, t("report_note")),
              el("textarea", {"id": "p-report-note", "class_": "p-report-note", "maxlength": "500", "rows": "2"}),
              el("div", {"class_": "p-reasons", "role": "group", "aria-label": t("report_why")}, reasons),
              el("button", {"type": "button", "class_": "p-link", "data-action": "report-cancel"}, t("cancel")))
