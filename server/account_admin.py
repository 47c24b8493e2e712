"""`parley user disable NAME` / `parley user enable NAME`: an operator ends an account's use at once and
restores it. Disabling revokes every token family and web session (store) and tells every server process to
close the account's sockets through the broker (``X*|4010`` on ``u:{id}``); with the in-process broker the
servers' periodic token re-check closes them within 30 s. Both are written to the moderation log."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from parley import protocol as P

from .broker import open_broker
from .relay import channels
from .settings import Settings
from .store import Store
from .store_command import run_with_store


def register(user_sub: Any, database_option: Any) -> None:
    """Add `disable` and `enable` to the `parley user` subcommands."""
    for name, handler, text in (("disable", user_disable, "end every session and token of an account, refuse "
                                 "sign-in"), ("enable", user_enable, "let a disabled account sign in again")):
        parser = user_sub.add_parser(name, help=text)
        parser.add_argument("username")
        parser.add_argument("--broker-url", help="memory:// or redis://host:port/db (PARLEY_BROKER_URL)")
        database_option(parser)
        parser.set_defaults(handler=handler)


async def _close_sockets(broker_url: str, user_id: int) -> None:
    """Publish the close order every server process subscribed to the user's channel acts on."""
    if broker_url.startswith("memory:"):
        return  # no other process can hear an in-process broker: the servers' re-check closes them
    broker = await open_broker(broker_url)
    try:
        await broker.publish(channels.channel(user_id), channels.close_payload(None, P.CLOSE_REVOKED))
    finally:
        await broker.close()


def user_disable(args: argparse.Namespace, settings: Settings) -> int:
    """`parley user disable USERNAME`."""
    async def action(store: Store) -> int:
        user = await store.get_user_by_username(args.username)
        if user is None or user.deleted:
            print(f"parley: no such user: {args.username}", file=sys.stderr)
            return 1
        if not await store.disable_user(user.id):
            print(f"{user.username} was already disabled")
            return 0
        await _close_sockets(settings.broker_url, user.id)
        print(f"disabled {user.username}: every session and token ended, sign-in refused")
        return 0

    return run_with_store(settings, action, "the database or the broker")


def user_enable(args: argparse.Namespace, settings: Settings) -> int:
    """`parley user enable USERNAME`."""
    async def action(store: Store) -> int:
        user = await store.get_user_by_username(args.username)
        if user is None or user.deleted:
            print(f"parley: no such user: {args.username}", file=sys.stderr)
            return 1
        changed = await store.enable_user(user.id)
        print(f"enabled {user.username}: they can sign in again" if changed else f"{user.username} was not disabled")
        return 0

    return run_with_store(settings, action, "the database or the broker")
