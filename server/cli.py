"""The `parley` command: serve, demo, and admin subcommands. Errors are one clear line, never a traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from . import admin, site_admin
from .settings import Settings


class CliError(Exception):
    """An error to print as one line (exit status 1)."""


def _settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    for name in ("host", "port", "database_url", "broker_url", "public_url", "data_dir"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    try:
        return Settings(**overrides).resolved()
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        raise CliError(f"invalid setting {where}: {first['msg']}") from None


def _add_server_options(parser: argparse.ArgumentParser, port: int | None = None) -> None:
    parser.add_argument("--host", help="address to bind (PARLEY_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=port, help="port (PARLEY_PORT, default 8000)")
    parser.add_argument("--database-url", help="sqlite+aiosqlite:///path or postgresql+asyncpg://...")
    parser.add_argument("--broker-url", help="memory:// (default) or redis://host:port/db")
    parser.add_argument("--public-url", help="URL browsers use to reach this server")
    parser.add_argument("--data-dir", help="folder for the SQLite file and the secret key")


def _raise_open_files_limit() -> None:
    """Lift the soft limit on open files to the hard one: every WebSocket is a file descriptor."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from .app import create_app, server_options
    from .widget.bundle import BundleMissing

    try:
        app = create_app(settings)
    except BundleMissing as error:
        raise CliError(str(error)) from None
    _raise_open_files_limit()
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=args.log_level,
        proxy_headers=True,
        **server_options(settings),
    )
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from .demo import run_demo
    from .widget.bundle import BundleMissing

    try:
        return run_demo(settings, host_port=args.host_port)
    except BundleMissing as error:
        raise CliError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parley", description="Parley: embeddable messenger server.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = sub.add_parser("serve", help="run the Parley server")
    _add_server_options(serve)
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.set_defaults(handler=_serve)

    demo = sub.add_parser("demo", help="run Parley plus a demo host site, with demo accounts alice and bob")
    _add_server_options(demo)
    demo.add_argument("--host-port", type=int, default=8001, help="port of the demo host site (default 8001)")
    demo.set_defaults(handler=_demo)

    admin.register(sub)
    site_admin.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `parley` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args, _settings_from(args)) or 0)
    except CliError as error:
        print(f"parley: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
