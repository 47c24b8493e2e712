#!/usr/bin/env python3
"""Run every check Parley has: `python tests/run.py [pytest args]`.

Installs Debian's Chromium with apt-get when it is missing, builds the widget bundle (into a folder of this
run's own, given to the servers as PARLEY_BUNDLE_DIR), then runs ruff, mypy (server) and the whole pytest
suite, browser tests included. Exits non-zero when anything fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CHROMIUM = "/usr/bin/chromium"


def step(title: str, command: list[str], env: dict[str, str] | None = None) -> None:
    print(f"\n=== {title}: {' '.join(command)}", flush=True)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})})
    print(f"=== {title}: exit {result.returncode} in {time.perf_counter() - started:.1f} s", flush=True)
    if result.returncode != 0:
        sys.exit(f"tests/run.py: {title} failed (exit {result.returncode})")


def side_by_side(commands: dict[str, list[str]]) -> None:
    """Run the commands at once, each into a log file; print each log when it ends; fail if any failed."""
    started = time.perf_counter()
    failed = []
    with contextlib.ExitStack() as logs:
        runs = {}
        for title, command in commands.items():
            print(f"\n=== {title}: {' '.join(command)} (started)", flush=True)
            log = logs.enter_context(tempfile.TemporaryFile())
            runs[title] = (subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT), log)
        for title, (process, log) in runs.items():
            code = process.wait()
            log.seek(0)
            print(f"\n=== {title}: output", flush=True)
            sys.stdout.buffer.write(log.read())
            sys.stdout.flush()
            print(f"=== {title}: exit {code} after {time.perf_counter() - started:.1f} s", flush=True)
            if code != 0:
                failed.append(f"{title} (exit {code})")
    if failed:
        sys.exit("tests/run.py: " + ", ".join(failed) + " failed")


def ensure_chromium() -> None:
    """Debian's Chromium with a text font and the colour emoji font (reactions in screenshots), when missing."""
    if Path(CHROMIUM).exists():
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit(f"tests/run.py: {CHROMIUM} is missing; install Debian's chromium package (apt-get install chromium)")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    step("apt-get update", ["apt-get", "update", "-qq"], env)
    packages = ["chromium", "fonts-dejavu-core", "fonts-noto-color-emoji"]
    step("install chromium", ["apt-get", "install", "-y", "-qq", *packages], env)


def main() -> None:
    ensure_chromium()
    # This run's own bundle: a build.py run elsewhere (the demo, a benchmark) rewrites and prunes build/bundle,
    # which must not change the files under the tests' servers mid-run. Servers read PARLEY_BUNDLE_DIR.
    bundle = Path(tempfile.mkdtemp(prefix="parley-test-bundle-"))
    try:
        step("build widget bundle", [PY, "build.py", "--quiet", "--out", str(bundle)])
        os.environ["PARLEY_BUNDLE_DIR"] = str(bundle)
        step("ruff", [PY, "-m", "ruff", "check", "."])
        step("mypy (server)", [PY, "-m", "mypy"])
        if sys.argv[1:]:
            step("pytest", [PY, "-m", "pytest", *sys.argv[1:]])
        else:
            side_by_side({
                "pytest (browser)": [PY, "-m", "pytest", "tests/browser"],
                "pytest (everything else)": [PY, "-m", "pytest", "--ignore=tests/browser"],
            })
    finally:
        shutil.rmtree(bundle, ignore_errors=True)


if __name__ == "__main__":
    main()
