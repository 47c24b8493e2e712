"""Group screens: a new group from chosen friends, and a group's info (members, rename, add friends, remove,
leave), plus the share picker for several friends and groups at once. Drawing only: the widget controller
(``m``) and its people controller (``m.social``, whose ``selection`` holds what is ticked) decide."""

from parley.ui.avatar import avatar
from parley.ui.dom import el


def _pick_row(m, t, key, name, detail, status=None, group=False):
    """A row with a checkbox: ("user", id) or ("conv", id)."""
    chosen = m.social.selection.has(key)
    box_id = "p-pick-" + key[0] + "-" + str(key[1])
    disabled = not chosen and m.social.selection.full
    face = el("span", {"class_": "p-avatar p-group", "aria-hidden": "true"}, "#") if group \
        else avatar(key[1], name, status)
    return el("li", {},
              el("label", {"class_": "p-pick", "for": box_id},
                 el("input", {"type": "checkbox", "id": box_id, "data-action": "pick",
                              "data-arg": key[0] + ":" + str(key[1]), "checked": chosen, "disabled": disabled}),
                 face,
                 el("span", {"class_": "p-row-text"}, el("span", {"class_": "p-name"}, name),
                    el("span", {"class_": "p-detail"}, detail) if detail else None)))


def _friend_picks(m, t, friends):
    here = set(m.state.friends_here())
    return [_pick_row(m, t, ("user", f["id"]), f["name"], t("here_now") if f["id"] in here else "",
                      m.state.status_of(f["id"])) for f in friends]


def group_new_screen(m, t):
    """Name (optional) and friends to start a group with."""
    friends = m.client.people.with_rel("friends")
    count = len(m.social.selection)
    return [
        el("div", {"class_": "p-inline-form"},
           el("input", {"type": "text", "id": "p-group-title", "maxlength": "100", "aria-label": t("group_name"),
                        "placeholder": t("group_name"), "value": m.social.draft_title or None,
                        "data-action": "group-title"})),
        el("section", {"class_": "p-section"}, el("h2", {}, t("group_pick")),
           el("ul", {"class_": "p-list", "aria-label": t("group_pick")}, _friend_picks(m, t, friends))
           if friends else el("p", {"class_": "p-empty"}, t("no_friends"))),
        el("div", {"class_": "p-actions"},
           el("button", {"type": "button", "class_": "p-primary", "data-action": "group-create",
                         "disabled": m.social.busy or count == 0}, t("group_create")),
           el("button", {"type": "button", "class_": "p-secondary", "data-action": "back"}, t("cancel"))),
    ]


def group_info_screen(m, t):
    """A group's members (every one named, friend or not), rename, add friends, remove (owner), leave."""
    conv = m.current_conv
    info = m.client.conv_info.get(conv) or {}
    me = m.me["id"]
    owner = info.get("owner")
    members = info.get("members") or []
    rows = []
    for user in members:
        name = m.user_name(user)
        tag = el("span", {"class_": "p-tag"}, t("owner")) if user == owner else None
        remove = None
        if owner == me and user != me:
            remove = el("button", {"type": "button", "class_": "p-chip p-chip-danger", "data-action": "group-remove",
                                   "data-arg": user, "aria-label": t("remove_member", name=name)}, t("act_remove"))
        status = m.state.status_of(user) if user in m.friends else None
        rows.append(el("li", {"class_": "p-person", "data-user": user}, avatar(user, name, status),
                       el("span", {"class_": "p-row-text"}, el("span", {"class_": "p-name"}, name)), tag, remove))
    addable = [f for f in m.client.people.with_rel("friends") if f["id"] not in members]
    return [
        el("div", {"class_": "p-inline-form"},
           el("input", {"type": "text", "id": "p-group-rename", "maxlength": "100", "aria-label": t("group_name"),
                        "placeholder": t("group_name"), "value": info.get("title") or None}),
           el("button", {"type": "button", "class_": "p-chip", "data-action": "group-rename"}, t("rename"))),
        el("section", {"class_": "p-section", "role": "region", "aria-label": t("members", count=len(members))},
           el("h2", {}, t("members", count=len(members))),
           el("ul", {"class_": "p-list", "aria-label": t("members", count=len(members))}, rows)),
        el("section", {"class_": "p-section"}, el("h2", {}, t("add_members")),
           el("ul", {"class_": "p-list", "aria-label": t("add_members")}, _friend_picks(m, t, addable))
           if addable else el("p", {"class_": "p-empty"}, t("no_friends_to_add")),
           el("div", {"class_": "p-actions"},
              el("button", {"type": "button", "class_": "p-primary", "data-action": "group-add",
                            "disabled": m.social.busy or not len(m.social.selection)}, t("add")))
           if addable else None),
        el("div", {"class_": "p-actions"},
           el("button", {"type": "button", "class_": "p-secondary p-chip-danger", "data-action": "group-leave"},
              t("leave"))),
    ]


def share_picker(m, t):
    """The share picker: the page's card, friends (here now first) and groups to tick, at most 20, an optional
    comment, then one share to all of them."""
    from parley.sorting import sorted_by

    page = m.page or {}
    card = el("div", {"class_": "p-card p-card-preview"},
              el("span", {"class_": "p-card-title"}, page.get("title") or page.get("url") or ""),
              el("span", {"class_": "p-card-host"}, m.page_host()))
    here = set(m.state.friends_here())
    friends = sorted_by(m.friends.values(), lambda f: (0 if f["id"] in here else 1, str(f["name"]).lower()))
    groups = [_pick_row(m, t, ("conv", conv.id), m.conversation_title(conv.id), m.conversation_subtitle(conv.id),
                        group=True) for conv in m.group_conversations()]
    selection = m.social.selection
    count = len(selection)
    return [
        card,
        el("ul", {"class_": "p-list", "aria-label": t("share_pick")}, _friend_picks(m, t, friends), groups)
        if friends or groups else el("p", {"class_": "p-empty"}, t("no_friends")),
        el("p", {"class_": "p-empty"}, t("share_limit", count=selection.limit)) if selection.full else None,
        el("div", {"class_": "p-inline-form"},
           el("input", {"type": "text", "id": "p-share-comment", "maxlength": "4000", "data-action": "share-comment",
                        "aria-label": t("share_comment"), "placeholder": t("share_comment"),
                        "value": m.social.draft_comment or None})),
        el("div", {"class_": "p-actions"},
           el("button", {"type": "button", "class_": "p-primary", "data-action": "share-send",
                         "disabled": count == 0}, t("share_selected", count=count) if count else t("share_none")),
           el("button", {"type": "button", "class_": "p-secondary", "data-action": "back"}, t("cancel"))),
    ]
