"""What developers and extensions register (pure): event handlers, slash commands, card renderers, outgoing
filters and composer actions, kept per owner so a failing extension can be disabled as a whole.

Registrations are process-wide (one page, one registry) and reach every attached client, including clients
attached later: an extension may register before the widget exists.
"""

import asyncio

from parley.events import EVENTS, report

APP = "page"  # owner of what the page's own code registers (never disabled)


class Registry:
    """Every registration, with its owner (an extension's URL, or APP)."""

    def __init__(self):
        self.handlers = []  # (event, guarded handler, owner, handler)
        self.commands = {}  # name -> (handler, owner)
        self.cards = {}  # card type -> (renderer, owner)
        self.filters = []  # (function, owner)
        self.actions = []  # {"label", "handler", "icon", "owner"}
        self.clients = []
        self.owner = APP
        self.disabled = set()
        self.failures = {}  # owner -> message
        self.report = print  # where failures are reported (the frame sets console.error)
        self._tasks = set()

    # -- registration -------------------------------------------------------------------------------

    def on(self, name, handler):
        if name not in EVENTS:
            raise ValueError("unknown event " + repr(name) + "; events are: " + ", ".join(EVENTS))
        guarded = self._guard(name, handler, self.owner)
        self.handlers.append((name, guarded, self.owner, handler))
        for client in self.clients:
            client.events.on(name, guarded)
        return handler

    def off(self, name, handler):
        for entry in list(self.handlers):
            if entry[0] == name and entry[3] is handler:
                self.handlers.remove(entry)
                for client in self.clients:
                    client.events.off(name, entry[1])

    def command(self, name, handler):
        name = str(name).lstrip("/")
        if not name or " " in name:
            raise ValueError("a command name is one word, like 'roll'")
        self.commands[name] = (handler, self.owner)
        for client in self.clients:
            self._install_command(client, name)
        return handler

    def card(self, kind, renderer):
        kind = str(kind)
        if not kind or len(kind) > 32:
            raise ValueError("a card type is 1..32 characters, like 'product'")
        self.cards[kind] = (renderer, self.owner)
        return renderer

    def outgoing_filter(self, function):
        entry = (function, self.owner)
        self.filters.append(entry)
        for client in self.clients:
            client.filters.append(self._filter(entry))
        return function

    def composer_action(self, label, handler, icon=None):
        if not label:
            raise ValueError("a composer action needs a label (its accessible name)")
        self.actions.append({"label": str(label), "handler": handler, "icon": icon, "owner": self.owner})
        return handler

    # -- clients ------------------------------------------------------------------------------------

    def attach(self, client):
        """Give a client everything registered so far, and whatever is registered later."""
        if client in self.clients:
            return
        self.clients.append(client)
        for entry in self.handlers:
            client.events.on(entry[0], entry[1])
        for name in self.commands:
            self._install_command(client, name)
        for entry in self.filters:
            client.filters.append(self._filter(entry))

    def detach(self, client):
        if client in self.clients:
            self.clients.remove(client)

    # -- owners -------------------------------------------------------------------------------------

    def loading(self, owner):
        """Attribute the following registrations to `owner` (an extension URL); returns the previous one."""
        previous = self.owner
        self.owner = owner
        return previous

    def active(self, owner):
        return owner not in self.disabled

    def disable(self, owner, reason):
        """Switch off everything `owner` registered and say why in the console (never for the page itself)."""
        if owner == APP or owner in self.disabled:
            return
        self.disabled.add(owner)
        self.failures[owner] = str(reason)
        self.report("parley: extension " + str(owner) + " disabled: " + str(reason))

    def fail(self, owner, where, error):
        """A registered callable raised: report it, and disable its extension."""
        report(where, error)
        self.disable(owner, str(where) + " failed: " + type(error).__name__ + ": " + str(error))

    # -- lookups used by the UI ---------------------------------------------------------------------

    def renderer(self, kind):
        entry = self.cards.get(kind)
        if entry is None or not self.active(entry[1]):
            return None
        return entry

    def composer_actions(self):
        """The enabled composer actions with their index (the index identifies them in the DOM)."""
        return [(i, a) for i, a in enumerate(self.actions) if self.active(a["owner"])]

    def run_action(self, index, context):
        """Run composer action `index` with the context (a dict: conversation, session)."""
        if not (0 <= index < len(self.actions)):
            return None
        action = self.actions[index]
        if not self.active(action["owner"]):
            return None
        return self._call(action["owner"], "composer action " + repr(action["label"]), action["handler"],
                          (context,), None)

    # -- plumbing -----------------------------------------------------------------------------------

    def _guard(self, name, handler, owner):
        def guarded(detail):
            if not self.active(owner):
                return None
            return self._call(owner, "event " + repr(name), handler, (detail,), None)

        return guarded

    def _install_command(self, client, name):
        handler, owner = self.commands[name]

        def run(args, conversation):
            if not self.active(owner):
                return None

            def send(result):
                if isinstance(result, str) and result.strip():
                    client.send_text(conversation, result.lstrip("/") if result.startswith("/") else result)

            return self._call(owner, "command /" + name, handler, (args, conversation), send)

        client.commands[name] = run

    def _filter(self, entry):
        function, owner = entry

        def run(text, conversation):
            if not self.active(owner):
                return text
            try:
                result = function(text, conversation)
            except Exception as error:
                self.fail(owner, "outgoing filter", error)
                return text
            if result is not None and not isinstance(result, str):
                self.fail(owner, "outgoing filter", TypeError("a filter returns text or None"))
                return text
            return result

        return run

    def _call(self, owner, where, function, args, then):
        """Call function(*args); a coroutine is scheduled; `then(result)` gets the (awaited) result."""
        try:
            result = function(*args)
        except Exception as error:
            self.fail(owner, where, error)
            return None
        if result is not None and hasattr(result, "send"):
            task = asyncio.create_task(self._await(owner, where, result, then))
            self._tasks.add(task)
            return None
        if then is not None:
            then(result)
        return result

    async def _await(self, owner, where, coroutine, then):
        try:
            result = await coroutine
            if then is not None:
                then(result)
        except Exception as error:
            self.fail(owner, where, error)
        finally:
            self._tasks = set(t for t in self._tasks if not t.done())


REGISTRY = Registry()
