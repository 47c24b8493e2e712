"""build.py: a complete bundle (runtimes, hashed widget files, precompressed variants, manifest), and a second
run with nothing changed rewrites nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "build.py", "--out", str(out)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def snapshot(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_bundle_is_complete_and_rebuilds_to_nothing(tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    first = build(out)
    assert first.returncode == 0, first.stderr
    manifest = json.loads((out / "manifest.json").read_text())["files"]
    for logical in ("pyscript/core.js", "micropython/micropython.wasm", "pyodide/pyodide.asm.wasm",
                    "pyodide/python_stdlib.zip", "static/embed.js", "parley/protocol.py", "parley/ui/panel.py",
                    "fake-indexeddb/fake-indexeddb.js",  # bundled into one module by esbuild
                    "mpy/parley/protocol.mpy", "mpy/parley/ui/panel.mpy"):  # precompiled for MicroPython
        entry = manifest[logical]
        assert (out / entry["path"]).exists(), logical
    package = ROOT / "client" / "parley"  # every module of the widget ships, as source and precompiled
    modules = sorted(p.relative_to(package).with_suffix("").as_posix() for p in package.rglob("*.py"))
    assert {"boot", "copypaste", "urls", "ui/home", "ui/chat"} <= set(modules)
    for name in modules:
        assert f"parley/{name}.py" in manifest and f"mpy/parley/{name}.mpy" in manifest, name
    wasm = manifest["micropython/micropython.wasm"]
    assert (out / (wasm["path"] + ".br")).exists() and wasm["br"] < wasm["raw"]
    assert (out / (wasm["path"] + ".gz")).exists() and wasm["gzip"] < wasm["raw"]
    panel = manifest["parley/ui/panel.py"]["path"]
    assert Path(panel).name.startswith("panel.") and len(Path(panel).suffixes) == 2  # panel.<hash>.py
    assert "total: widget (MicroPython)" in first.stdout  # the size report

    before = snapshot(out)
    second = build(out)
    assert second.returncode == 0, second.stderr
    assert "(unchanged" in second.stdout
    assert snapshot(out) == before
