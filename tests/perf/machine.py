"""What machine the figures come from: CPU model, core count, RAM, kernel, Python and Chromium versions."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def ram_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def chromium_version(path: str = "/usr/bin/chromium") -> str:
    try:
        return subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "not found"


def describe() -> str:
    """One block of text naming the machine."""
    return "\n".join([
        f"CPU     : {cpu_model()} x {os.cpu_count()} (nproc {len(os.sched_getaffinity(0))})",
        f"RAM     : {ram_gib():.1f} GiB",
        f"Kernel  : {platform.system()} {platform.release()}",
        f"Python  : {platform.python_implementation()} {platform.python_version()}",
        f"Chromium: {chromium_version()}",
    ])
