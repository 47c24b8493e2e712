"""`parley site add` as the CLI runs it: argparse from site_admin.register, handler(args, settings)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from server.settings import Settings
from server.site_admin import register


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="parley")
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_site_add_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(public_url="https://parley.example", data_dir=tmp_path, secret_key="k",
                        database_url=f"sqlite+aiosqlite:///{tmp_path / 'p.sqlite3'}")
    args = _parse(["site", "add", "Shop", "--origin", "https://Shop.example:443", "--origin",
                   "http://localhost:8000", "--scope", "profile", "--scope", "share", "--json"])
    assert args.handler(args, settings) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["origins"] == ["https://shop.example", "http://localhost:8000"]
    assert out["scopes"] == ["profile", "share"]
    assert out["redirect_uris"] == ["https://parley.example/oauth/callback"]
    assert out["snippet"] == (
        f'<script src="https://parley.example/embed.js" data-site="{out["client_id"]}" async></script>'
    )


def test_site_add_refuses_bad_origins(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="k",
                        database_url=f"sqlite+aiosqlite:///{tmp_path / 'p.sqlite3'}")
    args = _parse(["site", "add", "Shop", "--origin", "https://user@shop.example"])
    assert args.handler(args, settings) == 2
    assert "user info" in capsys.readouterr().out
    owner = _parse(["site", "add", "Shop", "--origin", "https://shop.example", "--owner", "ghost"])
    assert owner.handler(owner, settings) == 2
    assert "no user named 'ghost'" in capsys.readouterr().out
