"""The screens outside a conversation: the signed-out welcome, the home screen (friends here now, friends,
groups) and the share picker. They read the widget controller (`panel.model`) and own no chat state."""

from parley.sorting import sorted_by
from parley.ui.avatar import avatar
from parley.ui.dom import el, icon
from parley.ui.keyed import KeyedChildren
from parley.ui.people import invited_card, no_friends


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


def _status_rank(status):
    return {"online": 0, "away": 1}.get(status, 2)


def welcome(m, t):
    """The signed-out screen: what Parley is here, and the sign-in button."""
    return el(
        "section",
        {"class_": "p-welcome"},
        invited_card(m, t),
        el("div", {"class_": "p-hero", "aria-hidden": "true"}, icon("chat", 48)) if m.social.invited is None else None,
        el("p", {"class_": "p-lead"}, t("welcome", site=m.site_name)),
        el("p", {"class_": "p-muted"}, t("welcome_more")),
        el("button", {"type": "button", "class_": "p-primary", "data-action": "sign-in",
                      "disabled": m.busy}, t("signing_in") if m.busy else t("sign_in")),
    )


class HomeScreen:
    """The home screen; its lists are kept across redraws (presence changes redraw it often)."""

    def __init__(self, panel):
        self.panel = panel
        self._lists = {}  # the lists by name, KeyedChildren kept across redraws

    def build(self):
        """The home screen's children, for the panel's body."""
        m, t = self.panel.model, self.panel.t
        here = [self._friend_row(user, show_title=True) for user in m.state.friends_here() if user in m.friends]
        here_list = (self._list("here", t("here_now"), here) if here
                     else el("p", {"class_": "p-empty"}, t("nobody_here")))
        friends = sorted_by(m.friends.values(), lambda f: (_status_rank(m.state.status_of(f["id"])),
                                                           str(f.get("name") or f["username"]).lower()))
        friend_rows = [self._friend_row(f["id"]) for f in friends]
        groups = [self._group_row(conv) for conv in m.group_conversations()]
        incoming = m.client.people.counts().get("incoming", 0)
        people_label = t("people") + ((", " + t("requests_count", count=incoming)) if incoming else "")
        return [
            invited_card(m, t),
            el("button", {"type": "button", "class_": "p-primary p-share", "data-action": "share-start"},
               icon("share", 18), t("share_page")),
            el("div", {"class_": "p-home-tools"},
               el("button", {"type": "button", "class_": "p-secondary", "data-action": "people-open",
                             "aria-label": people_label},
                  t("people"), el("span", {"class_": "p-badge-inline", "aria-hidden": "true"}, str(incoming))
                  if incoming else None),
               el("button", {"type": "button", "class_": "p-secondary", "data-action": "invite-open"},
                  t("invite_open")),
               el("button", {"type": "button", "class_": "p-secondary", "data-action": "group-new"},
                  t("group_new")) if m.friends else None),
            el("section", {"class_": "p-section", "role": "region", "aria-label": t("here_now")},
               el("h2", {}, t("here_now"),
                  el("span", {"class_": "p-count"}, str(len(here))) if here else None), here_list),
            el("section", {"class_": "p-section"},
               el("h2", {"id": "p-friends-h"}, t("friends")),
               self._list("friends", t("friends"), friend_rows)
               if friend_rows else no_friends(t)),
            el("section", {"class_": "p-section"},
               el("h2", {}, t("groups")), self._list("groups", t("groups"), groups))
            if groups else None,
            el("footer", {"class_": "p-footer"},
               el("span", {"class_": "p-muted"}, "@" + str(m.me.get("username") or "")),
               el("button", {"type": "button", "class_": "p-link", "data-action": "sign-out"}, t("sign_out"))),
        ]

    def _list(self, name, label, rows):
        """One of the home screen's lists, kept across redraws: only rows whose content changed are rebuilt.
        ``rows``: (key, signature, build) triples."""
        kept = self._lists.get(name)
        if kept is None:
            kept = self._lists[name] = KeyedChildren(el("ul", {"class_": "p-list", "aria-label": label}))
        kept.update(rows)
        return kept.parent

    def _friend_row(self, user, show_title=False):
        """A friend's row as (key, signature, build) for ``_list``."""
        m, t = self.panel.model, self.panel.t
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
        """A group conversation's row as (key, signature, build) for ``_list``."""
        m, t = self.panel.model, self.panel.t
        title = m.conversation_title(conv.id)
        unread = conv.unread
        label = title + ((", " + t("unread", count=unread)) if unread else "")
        subtitle = m.conversation_subtitle(conv.id)
        return conv.id, (title, unread, label, subtitle), _group_builder(conv.id, title, unread, label, subtitle)
