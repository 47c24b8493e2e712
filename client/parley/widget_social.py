"""What the widget does for people, invites, groups and sharing with several: the visitor's clicks on the
People, invite, group and share screens become calls of the public library (``session.friends``,
``session.invites``, ``session.groups``, ``session.share``), never frames sent by hand. Holds the screens'
passing state (the search, the invite links, what is ticked, the invite being offered)."""

import asyncio

from parley import people as PP
from parley import protocol as P
from parley.errors import ParleyError
from parley.http import request

FIND_DEBOUNCE_S = 0.35


class SocialController:
    """Bound to a Widget; ``library`` (the Session) is set by the session that owns the widget."""

    def __init__(self, widget):
        self.widget = widget
        self.library = None
        self.query = ""
        self.found = None  # the last search's people, None while there is none
        self.find_state = None  # None, "searching", "slow" (rate limited) or "error"
        self.find_error = ""
        self._find_seq = 0
        self.invites = None
        self.invite_made = None
        self.copied = False
        self.busy = False
        self.invited = None  # {"code", "name", "url"[, "gone", "own"]}: an invite link this page was opened with
        self.on_invite_taken = None  # called once the invite was used or dismissed (strip it from the address)
        self.selection = PP.Selection(P.MAX_SHARE_TARGETS)
        self.draft_title = ""
        self.draft_comment = ""
        self.pending_task = None  # the invite preview being fetched

    @property
    def t(self):
        return self.widget.t

    def bind(self, on):
        on("input", "find", self._find_input)
        on("click", "people-open", lambda arg, event, node: self.open_people())
        on("click", "friend-op", self._friend_op)
        on("click", "invite-open", lambda arg, event, node: self.open_invites())
        on("click", "invite-create", lambda arg, event, node: self._invite_create())
        on("click", "invite-copy", lambda arg, event, node: self._invite_copy())
        on("click", "invite-select", lambda arg, event, node: node.select())
        on("click", "invite-revoke", lambda arg, event, node: self._invite_revoke(arg))
        on("click", "invite-accept", lambda arg, event, node: self._invite_accept())
        on("click", "invite-dismiss", lambda arg, event, node: self._invite_done())
        on("click", "group-new", lambda arg, event, node: self.open_group_new())
        on("click", "group-info", lambda arg, event, node: self.open_group_info())
        on("change", "pick", self._pick)
        on("input", "group-title", lambda arg, event, node: setattr(self, "draft_title", str(node.value)))
        on("input", "share-comment", lambda arg, event, node: setattr(self, "draft_comment", str(node.value)))
        on("click", "group-create", lambda arg, event, node: self._group_create())
        on("click", "group-rename", lambda arg, event, node: self._group_rename())
        on("click", "group-add", lambda arg, event, node: self._group_add())
        on("click", "group-remove", lambda arg, event, node: self._group_remove(int(arg)))
        on("click", "group-leave", lambda arg, event, node: self._group_leave())
        on("click", "share-send", lambda arg, event, node: self._share_send())

    # -- errors -----------------------------------------------------------------------------------------

    def explain(self, error):
        """A ParleyError as one kind sentence for the visitor."""
        t = self.t
        code = getattr(error, "code", "")
        if code == P.E_FORBIDDEN:
            return t("err_forbidden")
        if code == P.E_NOT_FOUND:
            return t("err_not_found")
        if code == P.E_LIMIT:
            return t("err_limit", reason=error.message)
        if code == P.E_RATE_LIMITED:
            return t("find_slow")
        if code in ("network", "timeout", "not_signed_in"):
            return t("err_network")
        return t("err_other", reason=getattr(error, "message", str(error)))

    def _fail(self, error):
        self.widget.panel.show_notice(self.explain(error))

    # -- screens ----------------------------------------------------------------------------------------

    def open_people(self):
        self.widget.panel.show_notice("")
        self.widget.go("people")
        self.widget.panel.people.focus_search()

    def open_invites(self):
        self.widget.panel.show_notice("")
        self.copied = False
        self.widget.go("invite")
        return self._invites_list()

    def open_group_new(self):
        self.selection = PP.Selection(P.MAX_GROUP_ADD)
        self.draft_title = ""
        self.widget.go("group_new")

    def open_group_info(self):
        self.selection = PP.Selection(P.MAX_GROUP_ADD)
        self.widget.go("group_info", self.widget.current_conv)

    def open_share(self):
        self.selection = PP.Selection(P.MAX_SHARE_TARGETS)
        self.draft_comment = ""
        self.widget.go("share")

    # -- find and friends -------------------------------------------------------------------------------

    def _find_input(self, arg, event, node):
        self.query = str(node.value).strip()
        self._find_seq += 1
        if len(self.query) < P.MIN_FIND_CHARS:
            self.found, self.find_state = None, None
            self.widget.panel.people.render_results()
            return None
        return self._find_later(self._find_seq)

    async def _find_later(self, seq):
        await asyncio.sleep(FIND_DEBOUNCE_S)  # debounced: one query once the visitor pauses
        if seq != self._find_seq:
            return
        self.find_state = "searching"
        self.widget.panel.people.render_results()
        try:
            found = await self.library.friends.find(self.query)
        except ParleyError as error:
            if seq == self._find_seq:
                self.found = None
                self.find_state = "slow" if error.code == P.E_RATE_LIMITED else "error"
                self.find_error = self.explain(error)
                self.widget.panel.people.render_results()
            return
        if seq == self._find_seq:
            self.found, self.find_state = found, None
            self.widget.panel.people.render_results()

    async def _friend_op(self, arg, event, node):
        op, user = str(arg).split(":")
        user = int(user)
        name = self.widget.user_name(user)
        self.widget.panel.show_notice("")
        try:
            rel = await getattr(self.library.friends, op)(user)
        except ParleyError as error:
            self._fail(error)
            return
        if op == "request" and rel == PP.OUTGOING:
            self.widget.panel.show_notice(self.t("request_sent", name=name))
        elif rel == PP.FRIENDS and op in ("request", "accept"):
            self.widget.panel.show_notice(self.t("now_friends", name=name))
        self.refresh()

    def refresh(self):
        """Redraw the screen if it shows people (a relation or a conversation changed)."""
        if self.widget.screen in ("people", "group_new", "group_info", "share"):
            self.widget.panel.render()
            if self.widget.screen == "people":
                self.widget.panel.people.render_results()

    # -- invites ----------------------------------------------------------------------------------------

    async def _invites_list(self):
        try:
            self.invites = await self.library.invites.list()
        except ParleyError as error:
            self._fail(error)
            return
        if self.widget.screen == "invite":
            self.widget.panel.render()

    async def _invite_create(self):
        self.busy = True
        self.widget.panel.render()
        try:
            url = PP.without_invite((self.widget.page or {}).get("url") or "")
            self.invite_made = await self.library.invites.create(url or None)
            self.copied = False
            self.invites = [self.invite_made] + [i for i in self.invites or [] if i["code"] != self.invite_made["code"]]
        except ParleyError as error:
            self._fail(error)
        finally:
            self.busy = False
        if self.widget.screen == "invite":
            self.widget.panel.render()

    async def _invite_copy(self):
        if self.invite_made is None:
            return
        from pyscript import window

        field = self.widget.panel.root.querySelector("#p-invite-link")
        try:
            await window.navigator.clipboard.writeText(self.invite_made["link"])
        except Exception:  # clipboard refused (no permission in this frame): select it for Ctrl+C
            if field:
                field.select()
        self.copied = True
        self.widget.panel.render()

    async def _invite_revoke(self, code):
        try:
            await self.library.invites.revoke(code)
        except ParleyError as error:
            self._fail(error)
            return
        self.invites = [i for i in self.invites or [] if i["code"] != code]
        if self.invite_made is not None and self.invite_made["code"] == code:
            self.invite_made = None
        self.widget.panel.render()

    async def take_invite(self, code, public_url):
        """This page was opened with an invite link: open the panel and say who invited (a preview that needs
        no sign-in); once signed in, the visitor is offered to become friends."""
        if not code or (self.invited is not None and self.invited["code"] == code):
            return
        self.invited = {"code": code, "name": None}
        if self.library is not None:
            self.library.open()
        try:
            preview = await request("GET", public_url + "/api/v1/invites/" + code)
            inviter = preview.get("inviter") or {}
            self.invited["name"] = inviter.get("name") or inviter.get("display_name") or inviter.get("username")
            self.invited["inviter"] = inviter.get("id")
        except ParleyError:
            self.invited["gone"] = True
        self.widget.panel.render()

    async def _invite_accept(self):
        invited = self.invited
        if invited is None:
            return
        self.busy = True
        self.widget.panel.render()
        try:
            conv = await self.library.invites.accept(invited["code"])
        except ParleyError as error:
            self.busy = False
            if error.code == P.E_BAD_FIELD:
                invited["own"] = True
            elif error.code == P.E_NOT_FOUND:
                invited["gone"] = True
            else:
                self._fail(error)
            self.widget.panel.render()
            return
        self.busy = False
        self._invite_done(render=False)
        if conv is not None:
            self.widget.go("chat", conv)
        else:
            self.widget.panel.render()

    def _invite_done(self, render=True):
        self.invited = None
        if self.on_invite_taken is not None:
            self.on_invite_taken()
        if render:
            self.widget.panel.render()

    # -- groups -----------------------------------------------------------------------------------------

    def _pick(self, arg, event, node):
        kind, value = str(arg).split(":")
        if not self.selection.toggle((kind, int(value))):
            node.checked = False
        self.widget.panel.render()

    async def _group_create(self):
        users = self.selection.ids("user")
        if not users:
            self.widget.panel.show_notice(self.t("group_need"))
            return
        self.busy = True
        try:
            conv = await self.library.groups.create(users, title=self.draft_title.strip() or None)
        except ParleyError as error:
            self._fail(error)
            return
        finally:
            self.busy = False
        self.selection.clear()
        self.widget.go("chat", conv)

    async def _group_rename(self):
        field = self.widget.panel.root.querySelector("#p-group-rename")
        title = str(field.value).strip() if field else ""
        try:
            await self.library.groups.rename(self.widget.current_conv, title)
        except ParleyError as error:
            self._fail(error)
            return
        self.widget.go("chat", self.widget.current_conv)

    async def _group_add(self):
        users = self.selection.ids("user")
        if not users:
            return
        try:
            await self.library.groups.add(self.widget.current_conv, users)
        except ParleyError as error:
            self._fail(error)
            return
        self.selection.clear()
        self.widget.panel.render()

    async def _group_remove(self, user):
        try:
            await self.library.groups.remove(self.widget.current_conv, user)
        except ParleyError as error:
            self._fail(error)
            return
        self.widget.panel.render()

    async def _group_leave(self):
        conv = self.widget.current_conv
        title = self.widget.conversation_title(conv)
        try:
            await self.library.groups.leave(conv)
        except ParleyError as error:
            self._fail(error)
            return
        self.widget.go("home")
        self.widget.panel.show_notice(self.t("left_group", title=title))

    # -- share with several -----------------------------------------------------------------------------

    async def _share_send(self):
        to = self.selection.ids("user")
        convs = self.selection.ids("conv")
        if not to and not convs:
            self.widget.panel.show_notice(self.t("share_none"))
            return
        page = self.widget.page or {}
        url = PP.without_invite(page.get("url") or "")
        try:
            await self.library.share(url, title=(page.get("title") or url)[:300], to=to, conversations=convs,
                                     text=self.draft_comment.strip() or None)
        except ParleyError as error:
            self._fail(error)
            return
        count = len(self.selection)
        self.selection.clear()
        self.draft_comment = ""
        if count == 1:
            target = (to and self.widget.user_name(to[0])) or self.widget.conversation_title(convs[0])
            self.widget.panel.show_notice(self.t("shared", name=target))
        else:
            self.widget.panel.show_notice(self.t("shared_many", count=count))
        self.widget.go("home")
