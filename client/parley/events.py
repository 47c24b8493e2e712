"""Events for developers: `@client.on("message")` with sync or async handlers (pure, no browser imports).

A handler that raises is reported (print to the console) and never breaks the widget or other handlers.
"""

import asyncio

EVENTS = (
    "ready",  # the client is set up (signed in or not)
    "signed_in",  # {"user": {...}}
    "signed_out",  # {}
    "message",  # a message from someone else arrived: {"message": {...}, "conversation": id}
    "message_sent",  # one of ours was stored (acknowledged): {"message": {...}}
    "message_changed",  # a message was edited, deleted or reacted to (by anyone): {"message": {...}, "conversation"}
    "presence",  # a friend's presence changed: {"user": id, "status": ..., "here": bool}
    "friend_here",  # a friend arrived on this site: {"user": id}
    "share",  # a share from someone else arrived: {"message": {...}}
    "unread",  # total unread changed: {"count": n, "from": [user ids], "conversations": [{conversation, count, from}]}
    "open",  # the widget was opened
    "close",  # the widget was closed
    "connection",  # {"status": "online" | "connecting" | "offline"}
    "settings",  # the visitor's choices changed elsewhere (another tab, device, the account page):
    # {"status", "hidden", "share_title", "sound"}
    "friendship",  # the relation with someone changed: {"user": {id, username, name}, "rel": ..., "was": ...}
    "friend_request",  # someone asked to be friends: {"user": {id, username, name}}
    "conversation",  # a group's name, owner or members changed, or one was joined or left:
    # {"conversation", "kind", "title", "owner", "members"} or {"conversation", "gone": True}
    "group",  # a group event's system message: {"message", "conversation", "event"}
    "banned",  # the site's owners banned the visitor from its chat (a live socket closed 4013, or the sign-in
    # was refused): {}
)


class Emitter:
    """Named events, each with handlers in registration order."""

    def __init__(self, names=EVENTS):
        self.names = tuple(names)
        self.handlers = {}

    def on(self, name, handler=None):
        """Register handler for event `name`; usable as `@emitter.on("message")`."""
        if name not in self.names:
            raise ValueError(f"unknown event {name!r}; events are: " + ", ".join(self.names))

        def register(function):
            self.handlers.setdefault(name, []).append(function)
            return function

        return register(handler) if handler is not None else register

    def off(self, name, handler):
        """Remove a handler registered with on()."""
        handlers = self.handlers.get(name) or []
        if handler in handlers:
            handlers.remove(handler)

    def emit(self, name, detail=None):
        """Call every handler of `name` with the detail dict; coroutines are scheduled."""
        for handler in list(self.handlers.get(name) or []):
            try:
                result = handler(detail if detail is not None else {})
                if result is not None and hasattr(result, "send"):
                    _tasks.add(asyncio.create_task(_guard(name, result)))
            except Exception as error:  # a developer's handler must not break the widget
                report(name, error)


_tasks = set()  # keep a reference to running handler tasks until they finish


async def _guard(name, coroutine):
    try:
        await coroutine
    except Exception as error:
        report(name, error)
    finally:
        for task in list(_tasks):
            if task.done():
                _tasks.discard(task)


def report(where, error):
    """Print a handler's failure where developers look (the browser console)."""
    print(f"parley: handler for {where!r} failed: {type(error).__name__}: {error}")
