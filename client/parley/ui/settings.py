"""The settings screen: the visitor's choices, kept on their Parley account (status and sound for the account,
hiding and page-title sharing for this site). Every control applies at once; the server tells every tab."""

from parley.ui.dom import el

STATUS_LABELS = (("online", "online"), ("away", "away"), ("hidden", "appear_offline"))
SOUND_LABELS = (("site", "sound_site"), ("on", "sound_on"), ("off", "sound_off"))
FINDABLE_LABELS = (("everyone", "findable_everyone"), ("nobody", "findable_nobody"))
REQUESTS_LABELS = (("everyone", "requests_everyone"), ("friends_of_friends", "requests_fof"),
                   ("nobody", "requests_nobody"))


def _select(action, label, choices, current, t):
    select = el("select", {"class_": "p-field-input", "data-action": action, "id": "p-" + action})
    for value, key in choices:
        select.appendChild(el("option", {"value": value, "selected": value == current}, t(key)))
    return el("div", {"class_": "p-field"}, el("label", {"for": "p-" + action}, label), select)


def _check(action, label, checked):
    return el("div", {"class_": "p-field p-check"},
              el("input", {"type": "checkbox", "id": "p-" + action, "data-action": action, "checked": bool(checked)}),
              el("label", {"for": "p-" + action}, label))


def settings_screen(m, t):
    """The screen's children, from the model's ``settings`` (the server's choices)."""
    s = m.settings or {}
    return [el("div", {"class_": "p-settings", "role": "group", "aria-labelledby": "p-title"},
               _select("set-status", t("status"), STATUS_LABELS, s.get("status") or m.my_status, t),
               _check("set-hidden", t("hide_here"), s.get("hidden")),
               _check("set-title", t("share_title"), s.get("share_title")),
               _select("set-sound", t("sound"), SOUND_LABELS, s.get("sound") or "site", t),
               el("h2", {"class_": "p-settings-h"}, t("privacy")),
               _select("set-findable", t("findable"), FINDABLE_LABELS, s.get("findable") or "everyone", t),
               _select("set-requests", t("requests_setting"), REQUESTS_LABELS, s.get("requests") or "everyone", t),
               el("p", {"class_": "p-note"}, t("settings_note"))),
            el("button", {"type": "button", "class_": "p-secondary", "data-action": "back"}, t("back"))]
