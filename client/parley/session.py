"""A Parley session as developers see it: one Client (and its Widget, if any) behind the public API.

parley/__init__.py's functions act on the current session: the copy-paste widget's in its frame (extensions),
the one parley.mount() or parley.init() made in a developer's page (inline).
"""

from parley import errors as E
from parley import protocol as P
from parley.registry import REGISTRY
from parley.social import Friends, Groups, Invites
from parley.sorting import sorted_by

_current = []  # the current session (a one-item list, so the module needs no global statement)


def current():
    """The current session, or raise NotSignedIn-free ParleyError if none was set up."""
    if not _current:
        raise E.ParleyError("no_session", "no Parley session yet: call parley.mount() or parley.init() first")
    return _current[0]


def set_current(session):
    del _current[:]
    _current.append(session)
    return session


def friend_view(client, friend):
    """A friend as the API returns it."""
    user = friend["id"]
    return {"id": user, "username": friend["username"], "name": friend["name"],
            "status": client.state.status_of(user), "here": client.state.is_here(user),
            "title": client.state.title_of(user)}


class Session:
    """The public API's object: `parley.current()` returns it; parley.* functions call its methods."""

    def __init__(self, client, widget=None, show=None, hide=None, theme_root=None, mode="inline"):
        self.client = client
        self.widget = widget
        self.mode = mode  # "frame" (copy-paste widget), "inline" (mounted in a page) or "headless" (init())
        self._show = show
        self._hide = hide
        self._theme_root = theme_root
        self.friends = Friends(lambda: self)  # session.friends() lists; session.friends.request(...) etc.
        self.invites = Invites(lambda: self)
        self.groups = Groups(lambda: self)
        REGISTRY.attach(client)
        if widget is not None:
            widget.panel.events.on("click", "ext-action", self._composer_action)
            widget.social.library = self  # the widget's people screens call this library
            widget.search.library = self  # and its search screen
            widget.messages.library = self  # and its message actions (edit, delete, react, reply)
            widget.reports.library = self  # and its report dialog

    # -- session ------------------------------------------------------------------------------------

    async def start(self):
        """Restore the visitor's earlier sign-in and go live; draw the widget, if there is one."""
        if self.widget is not None:
            await self.widget.start()
        else:
            await self.client.start()
        return self

    @property
    def user(self):
        """The signed-in user ({id, username, name}) or None."""
        me = self.client.me
        if me is None:
            return None
        return {"id": me["id"], "username": me.get("username"), "name": me.get("name") or me.get("username")}

    @property
    def signed_in(self):
        return self.client.signed_in

    @property
    def scopes(self):
        return tuple(self.client.auth.granted)

    def sign_in(self):
        """Open the sign-in popup now (call from a click) and return an awaitable of the user."""
        attempt = self.client.begin_sign_in()
        return self._finish_sign_in(attempt)

    async def _finish_sign_in(self, attempt):
        try:
            await self.client.finish_sign_in(attempt)
        except Exception as error:
            raise E.translate(error) from None
        if self.widget is not None:
            self.widget.go("home")
        return self.user

    async def sign_out(self):
        await self.client.sign_out()

    def _need(self, scope=None):
        if not self.client.signed_in:
            raise E.NotSignedIn("not_signed_in", "sign in first (parley.sign_in() from a click)")
        if scope is not None:
            E.need_scope(self.scopes, scope)

    async def _api(self, method, path, body=None):
        try:
            return await self.client.api(method, path, body)
        except Exception as error:
            raise E.translate(error) from None

    # -- data ---------------------------------------------------------------------------------------

    def friend_list(self):
        """Every friend with presence: [{id, username, name, status, here, title}], sorted by name."""
        self._need("friends")
        views = [friend_view(self.client, f) for f in self.client.friends.values()]
        return sorted_by(views, lambda f: str(f["name"]).lower())

    def friends_here(self):
        """Friends whose live connection comes through this site now."""
        return [f for f in self.friends() if f["here"]]

    def friend(self, user):
        """One friend by id or username; raises NotAFriend."""
        self._need("friends")
        for friend in self.client.friends.values():
            if friend["id"] == user or friend["username"] == user:
                return friend_view(self.client, friend)
        raise E.NotAFriend("not_a_friend", str(user) + " is not one of your friends")

    def conversations(self):
        """[{id, kind, title, members, unread}] of the visitor's conversations."""
        self._need("messages")
        out = []
        for conv_id, info in self.client.conv_info.items():
            conv = self.client.state.conversation(conv_id)
            title = self.widget.conversation_title(conv_id) if self.widget is not None else info.get("title")
            out.append({"id": conv_id, "kind": info.get("kind"), "title": title,
                        "members": list(info.get("members") or []), "unread": conv.unread if conv else 0})
        return out

    async def history(self, conversation, before=None, limit=50):
        """A page of stored messages, newest first: {"messages": [...], "next_before": position or None}."""
        self._need("messages")
        path = "/conversations/" + str(int(conversation)) + "/messages?limit=" + str(int(limit))
        if before is not None:
            path += "&before=" + str(int(before))
        return await self._api("GET", path)

    async def search(self, q, before=None):
        """Search the visitor's own conversations: {"hits": [{id, conv, pos, ts, from, kind, snippet, marks}],
        "next": the ``before`` of older hits or None} (docs/protocol.md, "Search")."""
        self._need("messages")
        try:
            return await self.client.search(str(q).strip(), before)
        except Exception as error:
            raise E.translate(error) from None

    async def report(self, reason, user=None, conversation=None, message=None, note=None):
        """Report a message (``conversation`` and ``message`` ids) or a person (``user`` id) to this site's
        owners, who see it in their console; ``reason`` is one of spam, abuse, harassment, inappropriate,
        other (docs/protocol.md, "Moderation")."""
        try:
            await self.client.report(reason, user=user, conv=conversation, msg=message, note=note)
        except Exception as error:
            raise E.translate(error) from None

    async def conversation_with(self, user):
        """The direct conversation's id with a friend (by id or username), created on first use."""
        friend = self.friend(user)
        try:
            return await self.client.open_direct(friend["id"])
        except Exception as error:
            raise E.translate(error) from None

    async def send(self, text, to=None, conversation=None, reply_to=None):
        """Send text to a friend (`to`: id or username) or a conversation, as a reply to the message id
        ``reply_to`` if given; returns the client message id."""
        self._need("messages")
        conv = await self._target(to, conversation)
        text = str(text)
        if not text.strip():
            raise E.ParleyError("empty", "the message is empty")
        try:
            return self.client.send_text(conv, text, reply_to=None if reply_to is None else int(reply_to))
        except P.ProtocolError as error:
            raise E.ParleyError(P.E_BAD_FIELD, error.message) from None

    async def _change(self, coroutine):
        self._need("messages")
        try:
            return await coroutine
        except Exception as error:
            raise E.translate(error) from None

    async def edit(self, conversation, message, text):
        """Replace the text of your own message (id) within 24 hours of sending it; everyone sees "edited"."""
        await self._change(self.client.edit(int(conversation), int(message), str(text)))

    async def delete(self, conversation, message):
        """Delete your own message for everyone (a "message deleted" line stays)."""
        await self._change(self.client.delete(int(conversation), int(message)))

    async def react(self, conversation, message, emoji):
        """React to a message with one of parley.REACTIONS."""
        await self._change(self.client.react(int(conversation), int(message), emoji, True))

    async def unreact(self, conversation, message, emoji):
        """Take back your reaction."""
        await self._change(self.client.react(int(conversation), int(message), emoji, False))

    async def share(self, url, title="", description="", card=None, to=None, conversation=None, text=None,
                    conversations=None):
        """Share a link (optionally a custom card {type, fields}) with a friend or a conversation, or with
        several at once: ``to`` a list of friends and/or ``conversations`` a list of ids (20 in all)."""
        self._need("share")
        data = {"url": url, "title": title or url}
        if description:
            data["description"] = description
        if card is not None:
            data["card"] = card
        try:
            data = P.validate({"t": P.SHARE, "cid": "check", "conv": 1, "data": data}, P.CLIENT_FRAMES)["data"]
        except P.ProtocolError as error:
            raise E.ParleyError("invalid_share", error.message) from None
        if isinstance(to, list) or conversations is not None:
            users = [self.friend(user)["id"] for user in (to or [])]
            try:
                return self.client.share_many(data, to=users, convs=[int(c) for c in conversations or []],
                                              text=text or None)
            except P.ProtocolError as error:
                raise E.ParleyError("invalid_share", error.message) from None
        conv = await self._target(to, conversation)
        return self.client.share(data, conv_id=conv, text=text or None)

    async def send_file(self, file, to=None, conversation=None, name=None):
        """Upload a JS File or Blob (a picture or any file) and send it to a friend or a conversation; returns
        the message's cid. Raises ParleyError with the reason (its code: ``files_off``, ``file_too_big``,
        ``file_bad_image``...) when the site or the server refuses it. In the widget, the same uploads show
        with progress, cancel and retry."""
        self._need("messages")
        conv = await self._target(to, conversation)
        attachments = self.widget.files.attachments if self.widget is not None else self._own_attachments()
        cid = await attachments.add(conv, file, name)
        if cid is None:
            failed = [item for item in attachments.of(conv) if item.state == "failed"]
            reason = failed[-1].error if failed else "file_failed"
            raise E.ParleyError(reason, "the file was not sent: " + reason)
        return cid

    def _own_attachments(self):
        if getattr(self, "_attachments", None) is None:
            from parley.attachments import Attachments

            self._attachments = Attachments(self.client)
        return self._attachments

    async def _target(self, to, conversation):
        if (to is None) == (conversation is None):
            raise E.ParleyError("invalid_target", "give exactly one of to= (a friend) or conversation=")
        if conversation is not None:
            return int(conversation)
        return await self.conversation_with(to)

    def set_status(self, status):
        """'online', 'away' or 'hidden' (appear offline): the account's status, kept by Parley."""
        if status not in P.CLIENT_STATUSES:
            raise E.ParleyError("invalid_status", "status is one of " + ", ".join(P.CLIENT_STATUSES))
        self._need()
        self.client.set_status(status)

    def settings(self):
        """The visitor's choices: {status, hidden, share_title, sound} (None before the first connection)."""
        self._need()
        return dict(self.client.settings) if self.client.settings is not None else None

    def set_settings(self, status=None, hidden=None, share_title=None, sound=None, findable=None, requests=None):
        """Change some choices (kept by Parley, every tab and device follows): status ('online', 'away',
        'hidden'), hidden (hide me on this site), share_title (show friends here my page's title), sound
        ('on', 'off', 'site'), findable (who finds me by name: 'everyone', 'nobody'), requests (who may ask me
        to be friends: 'everyone', 'friends_of_friends', 'nobody')."""
        self._need()
        try:
            self.client.update_settings(status=status, hidden=hidden, share_title=share_title, sound=sound,
                                        findable=findable, requests=requests)
        except P.ProtocolError as error:
            raise E.ParleyError("invalid_settings", error.message) from None

    def page(self, url, title=""):
        """Tell Parley which page the visitor is on (rendezvous and 'Share this page')."""
        if self.widget is not None:
            self.widget.set_page(url, title)
        else:
            self.client.set_page(url, title)

    # -- UI -----------------------------------------------------------------------------------------

    def _need_widget(self):
        if self.widget is None:
            raise E.ParleyError("no_widget", "this session has no widget (parley.init() is headless; use mount())")
        return self.widget

    def open(self):
        """Show the widget."""
        widget = self._need_widget()
        if self._show is not None:
            self._show()
        widget.set_open(True)

    def close(self):
        """Hide the widget."""
        widget = self._need_widget()
        if self._hide is not None:
            self._hide()
        widget.set_open(False)

    async def open_conversation(self, user):
        """Open the widget on the conversation with a friend (id or username)."""
        widget = self._need_widget()
        conv = await self.conversation_with(user)
        self.open()
        widget.go("chat", conv)
        return conv

    def set_theme(self, theme):
        """'light', 'dark' or 'auto' (follow the system)."""
        if theme not in ("light", "dark", "auto"):
            raise E.ParleyError("invalid_theme", "theme is 'light', 'dark' or 'auto'")
        if self._theme_root is not None:
            self._theme_root.setAttribute("data-theme", theme)

    def set_language(self, lang):
        """Switch the widget's strings ('en', 'fr', ...) and redraw."""
        widget = self._need_widget()
        from parley.i18n import Translator, is_rtl

        widget.lang = lang
        widget.t = widget.panel.t = Translator(lang)
        widget.panel.root.setAttribute("dir", "rtl" if is_rtl(lang) else "ltr")
        widget.panel.render()

    def notice(self, text):
        """Show a short status line in the widget (or print it when there is no widget)."""
        if self.widget is not None:
            self.widget.panel.show_notice(str(text or ""))
        else:
            print("parley:", text)

    # -- composer actions ---------------------------------------------------------------------------

    def _composer_action(self, arg, event, node):
        widget = self.widget
        context = {"conversation": widget.current_conv if widget is not None else None, "session": self}
        return REGISTRY.run_action(int(arg), context)
