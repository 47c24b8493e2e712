"""The library's people, invites and groups: ``parley.friends``, ``parley.invites``, ``parley.groups``.

Each is an object bound to a session getter (``parley.current`` for the module-level ones, the session itself
for ``session.friends``...). Operations return awaitables settled by the server's ``done``, ``found`` or
``invites`` answer, or raise a ParleyError carrying the server's code (``forbidden``, ``not_found``,
``limit``, ``rate_limited``, ...). The widget's own screens call these same objects.
"""

from parley import errors as E
from parley import protocol as P
from parley.people import BLOCKED, INCOMING, OUTGOING, invite_link
from parley.sorting import sorted_by


def _views(people):
    return [dict(p) for p in people]


class _Part:
    def __init__(self, session):
        self._session = session  # a callable returning the Session

    def _client(self, scope):
        session = self._session()
        session._need(scope)
        return session.client

    async def _run(self, coroutine):
        try:
            return await coroutine
        except Exception as error:
            raise E.translate(error) from None


class Friends(_Part):
    """``friends()`` lists friends with presence; the methods change relations (scope ``people``)."""

    def __call__(self):
        """Every friend with presence: [{id, username, name, status, here, title}], sorted by name."""
        return self._session().friend_list()

    def _user_id(self, client, user):
        if isinstance(user, int):
            return user
        for person in client.people.directory.values():
            if person["username"] == user:
                return person["id"]
        raise E.ParleyError(P.E_NOT_FOUND, "no person " + repr(user) + " known here: find() them first")

    async def _op(self, op, user):
        client = self._client(P.SCOPE_PEOPLE)
        return await self._run(client.friend(op, user=self._user_id(client, user)))

    async def request(self, user):
        """Ask someone (id or username) to be friends; returns the relation now ("outgoing", or "friends" if
        they had asked you)."""
        client = self._client(P.SCOPE_PEOPLE)
        if isinstance(user, int):
            return await self._run(client.friend("request", user=user))
        return await self._run(client.friend("request", username=str(user)))

    async def accept(self, user):
        """Accept someone's request."""
        return await self._op("accept", user)

    async def decline(self, user):
        """Decline someone's request."""
        return await self._op("decline", user)

    async def cancel(self, user):
        """Withdraw your request."""
        return await self._op("cancel", user)

    async def remove(self, user):
        """End a friendship."""
        return await self._op("remove", user)

    async def block(self, user):
        """Block someone: ends any friendship or request at once, both ways."""
        return await self._op("block", user)

    async def unblock(self, user):
        """Lift your block."""
        return await self._op("unblock", user)

    async def find(self, q):
        """People whose username or name starts with ``q`` (2..64 characters): [{id, username, name, rel}]."""
        client = self._client(P.SCOPE_PEOPLE)
        return await self._run(client.find(str(q).strip()))

    def requests(self):
        """Pending requests: {"incoming": [people], "outgoing": [people]}."""
        client = self._client(None)
        return {"incoming": _views(client.people.with_rel(INCOMING)),
                "outgoing": _views(client.people.with_rel(OUTGOING))}

    def blocked(self):
        """The people you blocked."""
        return _views(self._client(None).people.with_rel(BLOCKED))

    def relation(self, user):
        """"none", "friends", "incoming", "outgoing" or "blocked"."""
        client = self._client(None)
        return client.people.rel_of(self._user_id(client, user))


class Invites(_Part):
    """Invite links to a page: whoever opens one and signs in is offered to become your friend."""

    @staticmethod
    def _view(invite):
        view = dict(invite)
        view["link"] = invite_link(invite["url"], invite["code"])
        return view

    async def create(self, url=None):
        """A new invite to ``url`` (default: the page the visitor is on): {code, url, expires, link}."""
        client = self._client(P.SCOPE_PEOPLE)
        url = url or (client.page or {}).get("url")
        if not url:
            raise E.ParleyError(P.E_BAD_FIELD, "no page to invite to: give url=")
        invites = await self._run(client.invite("create", url=url))
        return self._view(invites[0])

    async def list(self):
        """Your live invites, newest first."""
        client = self._client(P.SCOPE_PEOPLE)
        invites = await self._run(client.invite("list"))
        return sorted_by([self._view(i) for i in invites], lambda i: -i["expires"])

    async def revoke(self, code):
        """Make a link stop working."""
        await self._run(self._client(P.SCOPE_PEOPLE).invite("revoke", code=code))

    async def accept(self, code):
        """Become friends with the inviter; returns the direct conversation's id."""
        done = await self._run(self._client(P.SCOPE_PEOPLE).invite("accept", code=code))
        return done.get("conv")


class Groups(_Part):
    """Group conversations (scope ``messages``): any member renames and adds friends; the owner removes."""

    def _ids(self, users):
        friends = Friends(self._session)
        client = self._client(P.SCOPE_MESSAGES)
        return [friends._user_id(client, user) for user in users]

    async def create(self, users, title=None):
        """A group with friends (ids or usernames) and an optional name; returns its conversation id."""
        client = self._client(P.SCOPE_MESSAGES)
        return await self._run(client.group("create", users=self._ids(users), title=title or None))

    async def rename(self, conversation, title):
        """Rename a group ("" removes the name)."""
        await self._run(self._client(P.SCOPE_MESSAGES).group("rename", conv=int(conversation), title=title))

    async def add(self, conversation, users):
        """Add friends to a group."""
        client = self._client(P.SCOPE_MESSAGES)
        await self._run(client.group("add", conv=int(conversation), users=self._ids(users)))

    async def remove(self, conversation, user):
        """Remove a member (the owner only)."""
        client = self._client(P.SCOPE_MESSAGES)
        await self._run(client.group("remove", conv=int(conversation), user=self._ids([user])[0]))

    async def leave(self, conversation):
        """Leave a group."""
        await self._run(self._client(P.SCOPE_MESSAGES).group("leave", conv=int(conversation)))

    def info(self, conversation):
        """{id, title, owner, members: [{id, username, name}]} of a group the visitor is in."""
        client = self._client(P.SCOPE_MESSAGES)
        info = client.conv_info.get(int(conversation))
        if info is None:
            raise E.ParleyError(P.E_NOT_FOUND, "not one of your conversations")
        members = [client.people.get(m) or {"id": m, "username": "", "name": "#" + str(m)}
                   for m in info.get("members") or []]
        return {"id": int(conversation), "kind": info.get("kind"), "title": info.get("title"),
                "owner": info.get("owner"), "members": _views(members)}
