"""Admin subcommands of `parley`: `db upgrade`, `user add` (`user disable`/`enable`: account_admin.py),
`friends add` (for operators and demos)."""

from __future__ import annotations

import argparse
import getpass
import json
import secrets
import sys
from typing import Any

from . import account_admin
from .settings import Settings
from .store import Store
from .store_command import run_with_store


def register(subparsers: Any) -> None:
    """Add the admin subcommands to the `parley` argument parser."""
    db = subparsers.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_sub.add_parser("upgrade", help="upgrade the schema to this version of Parley")
    _database_option(upgrade)
    upgrade.set_defaults(handler=db_upgrade)

    user = subparsers.add_parser("user", help="accounts")
    user_sub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = user_sub.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--display-name", help="shown name (default: the username)")
    add.add_argument("--password", help="password (default: ask, or generate one with --json)")
    add.add_argument("--json", action="store_true", help="print the result as JSON")
    _database_option(add)
    add.set_defaults(handler=user_add)
    account_admin.register(user_sub, _database_option)

    friends = subparsers.add_parser("friends", help="friendships")
    friends_sub = friends.add_subparsers(dest="friends_command", metavar="ACTION", required=True)
    befriend = friends_sub.add_parser("add", help="make two users friends at once")
    befriend.add_argument("a", metavar="A", help="username")
    befriend.add_argument("b", metavar="B", help="username")
    befriend.add_argument("--json", action="store_true", help="print the result as JSON")
    _database_option(befriend)
    befriend.set_defaults(handler=friends_add)


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="sqlite+aiosqlite:///path or postgresql+asyncpg://...")


def _print(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    print(json.dumps(data) if getattr(args, "json", False) else text)


def db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """`parley db upgrade`: bring the schema to head (refuses a newer schema)."""

    async def action(store: Store) -> int:
        print(f"database schema at revision {await store.schema_revision()}")
        return 0

    return run_with_store(settings, action)


def user_add(args: argparse.Namespace, settings: Settings) -> int:
    """`parley user add USERNAME`: create an account."""
    password: str | None = args.password
    generated = False
    if password is None:
        if args.json or not sys.stdin.isatty():
            password, generated = secrets.token_urlsafe(12), True
        else:
            password = getpass.getpass("password: ")

    async def action(store: Store) -> int:
        assert password is not None
        user = await store.create_user(args.username, args.display_name or args.username, password)
        data: dict[str, Any] = {"id": user.id, "username": user.username, "display_name": user.display_name}
        if generated:
            data["password"] = password
        extra = f" (password: {password})" if generated else ""
        _print(args, data, f"created user {user.username} (id {user.id}){extra}")
        return 0

    return run_with_store(settings, action)


def friends_add(args: argparse.Namespace, settings: Settings) -> int:
    """`parley friends add A B`: make A and B friends (a request from A, accepted by B)."""

    async def action(store: Store) -> int:
        a = await store.get_user_by_username(args.a)
        b = await store.get_user_by_username(args.b)
        missing = [name for name, user in ((args.a, a), (args.b, b)) if user is None]
        if missing or a is None or b is None:
            print(f"parley: no such user: {', '.join(missing)}", file=sys.stderr)
            return 1
        if not await store.are_friends(a.id, b.id):
            state = await store.request(a.id, b.username)
            if state != "accepted":
                await store.accept(b.id, a.id)
        data = {
            "a": {"id": a.id, "username": a.username},
            "b": {"id": b.id, "username": b.username},
            "friends": True,
        }
        _print(args, data, f"{a.username} and {b.username} are friends")
        return 0

    return run_with_store(settings, action)
