"""Parley for Python in the browser: the widget and the library developers extend it with.

    import parley

    session = await parley.mount("#chat")          # inline: the widget in a shadow root of your page
    @parley.on("message")
    def hello(event): print(event["message"]["text"])

    @parley.command("roll")
    def roll(args, conversation): return "rolled " + args

The public surface is `__all__` (documented in docs/python-api.md); every other module is private. The same code
runs under PyScript's MicroPython and Pyodide; importing this module needs no browser (the browser parts load
when first used), so its pure parts run under CPython in the tests.
"""

from parley import social as _social
from parley.errors import ExtensionError, NotAFriend, NotSignedIn, ParleyError, ScopeNotGranted
from parley.events import EVENTS
from parley.protocol import REACTIONS
from parley.registry import REGISTRY as _REGISTRY
from parley.session import Session
from parley.session import current as _current

try:  # annotations only: MicroPython has no typing module
    from collections.abc import Awaitable, Callable
    from typing import Any

    Handler = Callable[..., Any]
except ImportError:
    pass

__version__ = "0.1.0"

__all__ = [
    "EVENTS",
    "REACTIONS",
    "ExtensionError",
    "NotAFriend",
    "NotSignedIn",
    "ParleyError",
    "ScopeNotGranted",
    "Session",
    "__version__",
    "card",
    "close",
    "command",
    "composer_action",
    "conversations",
    "current",
    "delete",
    "edit",
    "el",
    "friends",
    "friends_here",
    "groups",
    "history",
    "init",
    "invites",
    "load_extensions",
    "mount",
    "notice",
    "off",
    "on",
    "open",
    "open_conversation",
    "outgoing_filter",
    "react",
    "report",
    "safe_url",
    "search",
    "send",
    "send_file",
    "set_language",
    "set_page",
    "set_settings",
    "set_status",
    "set_theme",
    "settings",
    "share",
    "sign_in",
    "sign_out",
    "signed_in",
    "unreact",
    "user",
]


# -- setup ------------------------------------------------------------------------------------------------


async def mount(target: "Any" = None, server: "str | None" = None, client_id: "str | None" = None,
                scope: "str | None" = None, theme: str = "auto", lang: "str | None" = None,
                persist: str = "memory", hidden: bool = False, keep: str = "session") -> Session:
    """Mount the widget into a shadow root inside `target` (a CSS selector or an element) and restore the
    visitor's sign-in; returns the session (also parley.current()). server/client_id default to the
    `parley` section of the PyScript config served by /inline/config.json. `keep="session"` keeps the
    visitor's place, drafts and unsent messages in this page's sessionStorage for the next page of the visit;
    `keep="memory"` keeps nothing (docs/security.md)."""
    from parley import inline

    return await inline.mount(target, server, client_id, scope, theme, lang, persist, hidden, keep)


async def init(server: "str | None" = None, client_id: "str | None" = None, scope: "str | None" = None,
               persist: str = "memory", keep: str = "session") -> Session:
    """A session without UI (your page draws everything): sign-in, friends, send, share, events. Unsent
    messages are kept for the next page as with mount()'s `keep`."""
    from parley import inline

    return await inline.init(server, client_id, scope, persist, keep)


def current() -> Session:
    """The current session: the copy-paste widget's (in an extension) or the one mount()/init() made."""
    return _current()


# -- session --------------------------------------------------------------------------------------------------


def sign_in() -> "Awaitable[dict[str, Any]]":
    """Open the sign-in popup at once (call it from a click handler); await the result for the user."""
    return _current().sign_in()


async def sign_out() -> None:
    """Sign the visitor out of Parley on this site (this browser) and close the connection."""
    await _current().sign_out()


def user() -> "dict[str, Any] | None":
    """The signed-in user {id, username, name}, or None."""
    return _current().user


def signed_in() -> bool:
    """Whether the visitor is signed in."""
    return _current().signed_in


# -- data --------------------------------------------------------------------------------------------------


friends = _social.Friends(_current)
"""``friends()``: friends with presence [{id, username, name, status, here, title}] (scope friends);
``await friends.request(user)``, ``.accept``, ``.decline``, ``.cancel``, ``.remove``, ``.block``, ``.unblock``,
``.find(q)``, and ``friends.requests()``, ``friends.blocked()``, ``friends.relation(user)`` (scope people)."""

invites = _social.Invites(_current)
"""``await invites.create(url=None)``, ``.list()``, ``.revoke(code)``, ``.accept(code)`` (scope people)."""

groups = _social.Groups(_current)
"""``await groups.create(users, title=None)``, ``.rename(conv, title)``, ``.add(conv, users)``,
``.remove(conv, user)``, ``.leave(conv)``; ``groups.info(conv)`` (scope messages)."""


def friends_here() -> "list[dict[str, Any]]":
    """Friends on this site now."""
    return _current().friends_here()


def conversations() -> "list[dict[str, Any]]":
    """The visitor's conversations [{id, kind, title, members, unread}] (scope messages)."""
    return _current().conversations()


async def history(conversation: int, before: "int | None" = None, limit: int = 50) -> "dict[str, Any]":
    """Stored messages, newest first: {"messages": [...], "next_before": position or None}."""
    return await _current().history(conversation, before, limit)


async def search(q: str, before: "int | None" = None) -> "dict[str, Any]":
    """Search the visitor's own conversations (words, "quoted phrases", the last word as a prefix):
    {"hits": [{id, conv, pos, ts, from, kind, snippet, marks}], "next": id or None}, newest first; ``marks``
    are [start, end) ranges of ``snippet`` that matched (scope messages)."""
    return await _current().search(q, before)


async def send(text: str, to: "int | str | None" = None, conversation: "int | None" = None,
               reply_to: "int | None" = None) -> str:
    """Send text to a friend (`to`: id or username) or a conversation, as a reply to message ``reply_to``;
    returns the client message id."""
    return await _current().send(text, to=to, conversation=conversation, reply_to=reply_to)


async def edit(conversation: int, message: int, text: str) -> None:
    """Replace the text of your own message within 24 hours of sending it (everyone sees it "edited")."""
    await _current().edit(conversation, message, text)


async def delete(conversation: int, message: int) -> None:
    """Delete your own message for everyone (a "message deleted" line stays)."""
    await _current().delete(conversation, message)


async def react(conversation: int, message: int, emoji: str) -> None:
    """React to any message with one of ``parley.REACTIONS``."""
    await _current().react(conversation, message, emoji)


async def report(reason: str, user: "int | None" = None, conversation: "int | None" = None,
                 message: "int | None" = None, note: "str | None" = None) -> None:
    """Report a message (``conversation`` and ``message``) or a person (``user``) to this site's owners."""
    await _current().report(reason, user=user, conversation=conversation, message=message, note=note)


async def unreact(conversation: int, message: int, emoji: str) -> None:
    """Take back your reaction."""
    await _current().unreact(conversation, message, emoji)


async def send_file(file: "Any", to: "int | str | None" = None, conversation: "int | None" = None,
                    name: "str | None" = None) -> str:
    """Upload a picture or file (a JS File or Blob) and send it to a friend or a conversation; returns the cid."""
    return await _current().send_file(file, to=to, conversation=conversation, name=name)


async def share(url: str, title: str = "", description: str = "", card: "dict[str, Any] | None" = None,
                to: "int | str | list[Any] | None" = None, conversation: "int | None" = None,
                text: "str | None" = None, conversations: "list[int] | None" = None) -> str:
    """Share a link, optionally as a custom card {"type": ..., "fields": {...}} (scope share); with lists in
    ``to`` and/or ``conversations``, with several at once (20 in all, one share)."""
    return await _current().share(url, title, description, card, to, conversation, text, conversations)


def set_status(status: str) -> None:
    """'online', 'away' or 'hidden' (appear offline): kept on the account, every tab and device follows."""
    _current().set_status(status)


def settings() -> "dict[str, Any] | None":
    """The visitor's choices {status, hidden, share_title, sound} (None before the first connection)."""
    return _current().settings()


def set_settings(status: "str | None" = None, hidden: "bool | None" = None, share_title: "bool | None" = None,
                 sound: "str | None" = None, findable: "str | None" = None, requests: "str | None" = None) -> None:
    """Change some of the visitor's choices; the "settings" event tells when they change elsewhere."""
    _current().set_settings(status, hidden, share_title, sound, findable, requests)


def set_page(url: str, title: str = "") -> None:
    """Tell Parley the page the visitor is on (rendezvous, 'Share this page'); mount() does it for you."""
    _current().page(url, title)


# -- UI ----------------------------------------------------------------------------------------------------


def open() -> None:
    """Show the widget."""
    _current().open()


def close() -> None:
    """Hide the widget."""
    _current().close()


async def open_conversation(user: "int | str") -> int:
    """Show the widget on the conversation with a friend (id or username); returns its id."""
    return await _current().open_conversation(user)


def notice(text: str) -> None:
    """Show a short status line in the widget (announced politely to screen readers)."""
    _current().notice(text)


def set_theme(theme: str) -> None:
    """'light', 'dark' or 'auto'."""
    _current().set_theme(theme)


def set_language(lang: str) -> None:
    """The widget's language ('en', 'fr')."""
    _current().set_language(lang)


# -- events and extension points ------------------------------------------------------------------------


def on(event: str, handler: "Handler | None" = None) -> "Any":
    """Call handler(detail) on an event (see EVENTS); a decorator when no handler is given. Sync or async."""
    if handler is not None:
        return _REGISTRY.on(event, handler)
    return lambda function: _REGISTRY.on(event, function)


def off(event: str, handler: "Handler") -> None:
    """Stop calling a handler registered with on()."""
    _REGISTRY.off(event, handler)


def command(name: str, handler: "Handler | None" = None) -> "Any":
    """A slash command: handler(args, conversation) runs when the visitor sends '/name args'. Returning text
    (or awaiting to text) sends it to the conversation. A decorator when no handler is given."""
    if handler is not None:
        return _REGISTRY.command(name, handler)
    return lambda function: _REGISTRY.command(name, function)


def card(kind: str, renderer: "Handler | None" = None) -> "Any":
    """A renderer for shares whose data carries card {"type": kind, ...}: renderer(card) -> element made with
    parley.el (see parley.cards.Card: .fields, .get(), .link(), .image(), .title, .url)."""
    if renderer is not None:
        return _REGISTRY.card(kind, renderer)
    return lambda function: _REGISTRY.card(kind, function)


def outgoing_filter(function: "Handler") -> "Handler":
    """function(text, conversation) -> text to send (or None to drop it), for every text message sent."""
    return _REGISTRY.outgoing_filter(function)


def composer_action(label: str, handler: "Handler | None" = None, icon: "str | None" = None) -> "Any":
    """A button in the composer named `label`: handler({"conversation": id, "session": session})."""
    if handler is not None:
        return _REGISTRY.composer_action(label, handler, icon)
    return lambda function: _REGISTRY.composer_action(label, function, icon)


async def load_extensions(*urls: str) -> "list[str]":
    """Fetch and run extension modules (the copy-paste widget does this with the site's settings); a failing
    one is reported in the console and disabled. Returns the URLs that loaded."""
    from parley import extensions
    from parley.session import _current as sessions

    return await extensions.load(list(urls), sessions[0] if sessions else None)


def el(tag: str, attrs: "dict[str, Any] | None" = None, *children: "Any") -> "Any":
    """A DOM element: attributes set as attributes, strings inserted as text (never HTML)."""
    from parley.ui.dom import el as make

    return make(tag, attrs, *children)


def safe_url(url: "Any") -> "str | None":
    """`url` if it is a plain http(s) URL, else None: use it before putting data into href or src."""
    from parley.urls import safe_link

    return safe_link(url)
