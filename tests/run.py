#!/usr/bin/env python3
"""Run every check Parley has: `python tests/run.py [pytest args]`.

Installs Debian's Chromium with apt-get when it is missing, builds the widget bundle (into a folder of this
run's own, given to the servers as PARLEY_BUNDLE_DIR) beside ruff and mypy (server), then runs the whole pytest
suite, browser tests included, as a queue of pytest processes two at a time (`suites()`). Exits non-zero when
anything fails. With pytest args, runs only `pytest ARGS` after the build and the checks.
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
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CHROMIUM = "/usr/bin/chromium"
# pytest processes at once: the CI machine has 2 cores, and a third process beside two was measured slower
# (5a03585: 19 min 18 s with the browser tests in two processes beside everything else).
LANES = 2


def step(title: str, command: list[str], env: dict[str, str] | None = None) -> None:
    print(f"\n=== {title}: {' '.join(command)}", flush=True)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})})
    print(f"=== {title}: exit {result.returncode} in {time.perf_counter() - started:.1f} s", flush=True)
    if result.returncode != 0:
        sys.exit(f"tests/run.py: {title} failed (exit {result.returncode})")


def in_lanes(commands: dict[str, list[str]], lanes: int = LANES) -> None:
    """Run the commands in the order given, at most `lanes` at a time (the next starts as soon as one ends),
    each into a log file; print each log when it ends; fail if any failed."""
    started = time.perf_counter()
    waiting = list(commands.items())
    running: dict[str, tuple[subprocess.Popen[bytes], IO[bytes], float]] = {}
    failed = []
    with contextlib.ExitStack() as logs:
        while waiting or running:
            while waiting and len(running) < lanes:
                title, command = waiting.pop(0)
                at = time.perf_counter() - started
                print(f"\n=== {title}: {' '.join(command)} (started at {at:.1f} s)", flush=True)
                log = logs.enter_context(tempfile.TemporaryFile())
                process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
                running[title] = (process, log, time.perf_counter())
            time.sleep(0.2)
            for title, (process, log, began) in list(running.items()):
                code = process.poll()
                if code is None:
                    continue
                del running[title]
                log.seek(0)
                print(f"\n=== {title}: output", flush=True)
                sys.stdout.buffer.write(log.read())
                sys.stdout.flush()
                ended = time.perf_counter() - started
                print(f"=== {title}: exit {code} in {ended - (began - started):.1f} s, at {ended:.1f} s", flush=True)
                if code != 0:
                    failed.append(f"{title} (exit {code})")
    if failed:
        sys.exit("tests/run.py: " + ", ".join(failed) + " failed")


def browser_halves() -> tuple[list[str], list[str]]:
    """The browser test files in two halves of about the same length (a file's size follows its scenarios)."""
    halves: tuple[list[str], list[str]] = ([], [])
    sizes = [0, 0]
    files = sorted((ROOT / "tests" / "browser").glob("test_*.py"), key=lambda f: (-f.stat().st_size, f.name))
    for path in files:
        lighter = 0 if sizes[0] <= sizes[1] else 1
        halves[lighter].append(str(path.relative_to(ROOT)))
        sizes[lighter] += path.stat().st_size
    return halves


def suites() -> dict[str, list[str]]:
    """Every test, as pytest runs for `in_lanes`, long ones first so that no lane is left with a long tail.

    The browser tests come in two halves (each its own demo server), never both at once: two Chromiums beside
    each other starved their scenarios' timeouts (a popup not opened in 30 s, a screen not drawn in 20 s: seen in
    clean-clone runs), so one half runs beside the non-browser suites and the other after it. The non-browser
    run "everything else" is everything the others do not name, so a new test folder is never left out.
    """
    first, second = browser_halves()
    named = ["tests/browser", "tests/relay", "tests/api"]
    return {  # the second half by size holds the longest scenarios by time (moderation, re-entry): first
        "pytest (browser, 2 of 2)": [PY, "-m", "pytest", *second],
        "pytest (relay)": [PY, "-m", "pytest", "tests/relay"],
        "pytest (everything else)": [PY, "-m", "pytest", *(f"--ignore={folder}" for folder in named)],
        "pytest (api)": [PY, "-m", "pytest", "tests/api"],
        "pytest (browser, 1 of 2)": [PY, "-m", "pytest", *first],
    }


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
        # The build (npm, mpy-cross, compression) and the checks each keep about one core busy: side by side.
        in_lanes({
            "build widget bundle": [PY, "build.py", "--quiet", "--out", str(bundle)],
            "ruff": [PY, "-m", "ruff", "check", "."],
            "mypy (server)": [PY, "-m", "mypy"],
        })
        os.environ["PARLEY_BUNDLE_DIR"] = str(bundle)
        if sys.argv[1:]:
            step("pytest", [PY, "-m", "pytest", *sys.argv[1:]])
        else:
            in_lanes(suites())
    finally:
        shutil.rmtree(bundle, ignore_errors=True)


if __name__ == "__main__":
    main()
