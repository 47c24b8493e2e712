"""The pure client modules under real MicroPython 1.27 (the WebAssembly build PyScript ships), via node."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
MODULES = [ROOT / "client" / "parley" / name
           for name in ("protocol.py", "state.py", "sorting.py", "urls.py", "place.py", "people.py", "links.py",
                        "edits.py")]
NODE_MODULES = Path(os.environ.get("PARLEY_NODE_MODULES", ROOT / "client" / "node_modules"))
INTERPRETER = NODE_MODULES / "@micropython" / "micropython-webassembly-pyscript" / "micropython.mjs"


def require_runtime() -> str:
    node = shutil.which("node")
    missing = "node" if node is None else (None if INTERPRETER.exists() else str(INTERPRETER))
    if missing:
        reason = f"MicroPython runtime unavailable: {missing} (run npm ci in client/)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    assert node is not None
    return node


def run_under_micropython(script: Path) -> subprocess.CompletedProcess[str]:
    command = [require_runtime(), str(HERE / "micropython_runner.mjs"), str(script), *map(str, MODULES)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env={**os.environ})


def test_smoke_script_passes_under_micropython() -> None:
    result = run_under_micropython(HERE / "mp_smoke.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "MP-SMOKE-OK micropython" in result.stdout


def test_smoke_script_passes_under_cpython() -> None:
    result = subprocess.run(
        [sys.executable, str(HERE / "mp_smoke.py")], capture_output=True, text=True, cwd=ROOT / "client", timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "MP-SMOKE-OK cpython" in result.stdout


def test_runner_reports_a_failing_script(tmp_path: Path) -> None:
    script = tmp_path / "fail.py"
    script.write_text("from parley import protocol\nassert protocol.VERSION == 2, 'wrong version'\n")
    result = run_under_micropython(script)
    assert result.returncode == 1
    assert "AssertionError" in result.stderr and "wrong version" in result.stderr


def test_every_widget_module_compiles_under_micropython(tmp_path: Path) -> None:
    """MicroPython's grammar is narrower than CPython's (no `[*a, b]`, no `from __future__`): compile every
    module of the widget package there, so a construct it rejects fails here rather than in a visitor's browser."""
    package = ROOT / "client" / "parley"
    sources = sorted(package.rglob("*.py"))
    assert len(sources) > 5
    lines = ["failed = []"]
    for source in sources:
        name = source.relative_to(package).as_posix()
        lines.append(f"try:\n    compile({source.read_text()!r}, {name!r}, 'exec')\n"
                     f"except SyntaxError as error:\n    failed.append(({name!r}, str(error)))")
    lines.append("assert not failed, failed\nprint('COMPILED', " + str(len(sources)) + ")")
    script = tmp_path / "compile_all.py"
    script.write_text("\n".join(lines) + "\n")
    result = run_under_micropython(script)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"COMPILED {len(sources)}" in result.stdout


def test_non_ascii_text_from_the_server_reaches_micropython_intact(tmp_path: Path) -> None:
    """Frames the server encodes (CPython) decode to the same text under MicroPython: emoji, accents, RTL."""
    from parley import protocol

    text = "Salut 😀 — héhé, שלום, 漢字 👍🏽"
    wire = protocol.encode(protocol.make_msg(1, 2, 3, 1_700_000_000_000, 4, "text", text=text))
    script = tmp_path / "unicode.py"
    script.write_text(
        "from parley import protocol\n"
        f"frame = protocol.parse_server_frame({wire!r})\n"
        f"assert frame['text'] == {text!r}, frame['text']\n"
        "print('UNICODE-OK')\n"
    )
    result = run_under_micropython(script)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "UNICODE-OK" in result.stdout
