"""The `parley` command: mistakes in options or settings are one clear line and exit status 1, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parley(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={**os.environ, **(env or {})})


def test_unknown_broker_scheme_is_one_line(tmp_path: Path) -> None:
    result = parley("serve", "--broker-url", "kafka://localhost", "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "broker_url" in result.stderr and "memory:// or redis://" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_port_from_the_environment_is_one_line(tmp_path: Path) -> None:
    result = parley("serve", "--data-dir", str(tmp_path), env={"PARLEY_PORT": "seventy"})
    assert result.returncode == 1
    assert result.stderr.startswith("parley: invalid setting port")
    assert "Traceback" not in result.stderr


def test_missing_bundle_says_how_to_build_it(tmp_path: Path) -> None:
    result = parley("serve", "--data-dir", str(tmp_path), env={"PARLEY_BUNDLE_DIR": str(tmp_path / "nothing")})
    assert result.returncode == 1
    assert "run `python build.py` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_every_command() -> None:
    result = parley("--help")
    assert result.returncode == 0
    for command in ("serve", "demo", "db", "user", "friends", "site"):
        assert command in result.stdout


def test_user_disable_of_an_unknown_user_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"
    assert parley("db", "upgrade", "--database-url", url).returncode == 0
    for action in ("disable", "enable"):
        result = parley("user", action, "nobody", "--database-url", url)
        assert result.returncode == 1
        assert result.stderr.strip() == "parley: no such user: nobody"
