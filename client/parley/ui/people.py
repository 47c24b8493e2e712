"""The People screen (search, requests both ways, friends, blocked), the invite screen and the invite card
shown to someone who opened an invite link. Drawing only: they read the widget controller (``m``) and the
people controller (``m.social``); every button names an action the controller runs through the library."""

from pyscript import window

from parley import people as PP
from parley.ui.avatar import avatar
from parley.ui.dom import el, replace
from parley.urls import host

PRIMARY_ACTIONS = ("request", "accept")  # drawn as the accent button; the others as plain ones
DANGER_ACTIONS = ("block", "remove", "decline")


def _detail(person, rel, t):
    if rel == PP.NONE:
        return t("rel_none", username=person.get("username") or "")
    return t("rel_" + rel)


def person_row(m, t, person, rel, actions):
    """One person with their relation and buttons for ``actions`` (friend operations)."""
    name = person["name"]
    buttons = []
    for op in actions:
        css = "p-chip" + (" p-chip-go" if op in PRIMARY_ACTIONS else " p-chip-danger" if op in DANGER_ACTIONS else "")
        label = t("act_" + op)
        buttons.append(el("button", {"type": "button", "class_": css, "data-action": "friend-op",
                                     "data-arg": op + ":" + str(person["id"]),
                                     "aria-label": t("act_on", action=label, name=name)}, label))
    buttons.append(el("button", {"type": "button", "class_": "p-chip", "data-action": "report-user",
                                 "data-arg": str(person["id"]),
                                 "aria-label": t("act_on", action=t("report"), name=name)}, t("report")))
    status = m.state.status_of(person["id"]) if rel == PP.FRIENDS else None
    return el("li", {"class_": "p-person", "data-user": person["id"]},
              avatar(person["id"], name, status),
              el("span", {"class_": "p-row-text"}, el("span", {"class_": "p-name"}, name),
                 el("span", {"class_": "p-detail"}, _detail(person, rel, t))),
              buttons)


def _section(title, rows, label=None):
    if not rows:
        return None
    return el("section", {"class_": "p-section", "role": "region", "aria-label": label or title},
              el("h2", {}, title, el("span", {"class_": "p-count"}, str(len(rows)))),
              el("ul", {"class_": "p-list", "aria-label": label or title}, rows))


class PeopleScreen:
    """The People screen. Its search box and result list are kept across redraws (typing is never
    interrupted); results are redrawn on their own as answers come."""

    def __init__(self, panel):
        self.panel = panel
        self.search = None
        self.results = None

    def _search_box(self):
        if self.search is None:
            t = self.panel.t
            self.search = el("input", {"type": "search", "class_": "p-search", "data-action": "find",
                                       "aria-label": t("find_label"), "placeholder": t("find_label"),
                                       "autocomplete": "off", "maxlength": "64", "enterkeyhint": "search"})
            self.results = el("div", {"class_": "p-results", "role": "status", "aria-live": "polite"})
        return self.search

    def build(self):
        m, t = self.panel.model, self.panel.t
        people = m.client.people
        search = self._search_box()
        self.render_results()

        def rows(rel, actions):
            return [person_row(m, t, p, rel, actions) for p in people.with_rel(rel)]

        friends = rows(PP.FRIENDS, PP.actions_for(PP.FRIENDS))
        return [
            search, self.results,
            _section(t("requests_in"), rows(PP.INCOMING, ("accept", "decline"))),
            _section(t("requests_out"), rows(PP.OUTGOING, ("cancel",))),
            _section(t("friends"), friends),
            _section(t("blocked"), rows(PP.BLOCKED, ("unblock",))),
            el("div", {"class_": "p-actions"},
               el("button", {"type": "button", "class_": "p-secondary", "data-action": "invite-open"},
                  t("invite_open"))),
        ]

    def focus_search(self):
        if self.search is not None:
            self.search.focus()

    def render_results(self):
        """Draw the search's state: a hint, searching, nothing found, too fast, or the people found."""
        if self.results is None:
            return
        m, t = self.panel.model, self.panel.t
        social = m.social
        found = social.found
        if social.find_state == "slow":
            content = el("p", {"class_": "p-empty"}, t("find_slow"))
        elif social.find_state == "error":
            content = el("p", {"class_": "p-empty"}, social.find_error)
        elif found is None:
            content = el("p", {"class_": "p-empty"}, t("find_hint")) if social.query else None
        elif not found:
            content = el("p", {"class_": "p-empty"}, t("find_none", q=social.query))
        else:
            rows = []
            for person in found:
                rel = m.client.people.rel_of(person["id"])  # live: a friendship frame may have changed it
                actions = PP.actions_for(rel)
                rows.append(person_row(m, t, person, rel, actions[:1] if rel != PP.INCOMING else actions[:2]))
            content = el("ul", {"class_": "p-list", "aria-label": t("find_people")}, rows)
        if social.find_state == "searching" and found is None:
            content = el("p", {"class_": "p-empty"}, t("searching"))
        replace(self.results, content)


def invite_screen(m, t):
    """Make a link to this page, copy it, and see (and revoke) the live ones."""
    social = m.social
    made = None
    if social.invite_made is not None:
        link = social.invite_made["link"]
        made = el("div", {"class_": "p-copy-row"},
                  el("input", {"type": "text", "readonly": True, "value": link, "id": "p-invite-link",
                               "aria-label": t("invite_link"), "data-action": "invite-select"}),
                  el("button", {"type": "button", "class_": "p-chip p-chip-go", "data-action": "invite-copy"},
                     t("copied") if social.copied else t("copy")))
    rows = []
    for invite in social.invites or []:
        host = _host(invite["url"])
        rows.append(el("li", {"class_": "p-person"},
                       el("span", {"class_": "p-row-text"},
                          el("span", {"class_": "p-name"}, invite["url"]),
                          el("span", {"class_": "p-detail"}, t("invite_until", host=host,
                                                               date=_date(invite["expires"], m.lang)))),
                       el("button", {"type": "button", "class_": "p-chip p-chip-danger", "data-action": "invite-revoke",
                                     "data-arg": invite["code"], "aria-label": t("revoke") + " " + host},
                          t("revoke"))))
    return [
        el("div", {"class_": "p-invite"},
           el("p", {"class_": "p-lead"}, t("invite_explain")),
           made,
           el("button", {"type": "button", "class_": "p-primary", "data-action": "invite-create",
                         "disabled": social.busy}, t("invite_create"))),
        el("section", {"class_": "p-section"}, el("h2", {}, t("invite_live")),
           el("ul", {"class_": "p-list", "aria-label": t("invite_live")}, rows) if rows
           else el("p", {"class_": "p-empty"}, t("invite_none"))),
        el("button", {"type": "button", "class_": "p-secondary", "data-action": "back"}, t("back")),
    ]


def invited_card(m, t):
    """For someone who opened an invite link: who invited them, and what to do now (None: no invite)."""
    invite = m.social.invited
    if invite is None:
        return None
    name = invite.get("name")
    if invite.get("gone"):
        return el("div", {"class_": "p-invite", "role": "region", "aria-label": t("invite_gone")},
                  el("p", {"class_": "p-lead"}, t("invite_gone")),
                  el("button", {"type": "button", "class_": "p-link", "data-action": "invite-dismiss"}, t("not_now")))
    parts = [el("p", {"class_": "p-lead"}, t("invited_by", name=name or "…"))]
    if m.me is None:
        parts.append(el("p", {"class_": "p-muted"}, t("invited_sign_in")))
    elif invite.get("own") or invite.get("inviter") == m.me["id"]:
        parts.append(el("p", {"class_": "p-muted"}, t("invite_own")))
    else:
        parts.append(el("div", {"class_": "p-actions p-pad"},
                        el("button", {"type": "button", "class_": "p-primary", "data-action": "invite-accept",
                                      "disabled": m.social.busy}, t("invite_accept", name=name or "…")),
                        el("button", {"type": "button", "class_": "p-secondary", "data-action": "invite-dismiss"},
                           t("not_now"))))
    return el("div", {"class_": "p-invite", "role": "region", "aria-label": t("invited_by", name=name or "")}, parts)


def no_friends(t):
    """The empty state of the friends list: where friends come from."""
    return el("div", {"class_": "p-empty-cta"},
              el("p", {"class_": "p-empty", "style": "padding:0"}, t("no_friends")),
              el("button", {"type": "button", "class_": "p-secondary", "data-action": "people-open"},
                 t("find_people")),
              el("button", {"type": "button", "class_": "p-secondary", "data-action": "invite-open"},
                 t("invite_open")))


def _host(url):
    return host(url)


def _date(ts, lang):
    return str(window.Date.new(float(ts)).toLocaleDateString(lang))
