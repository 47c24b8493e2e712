"""Start real Parley processes for tests: `parley demo` on free loopback ports, stopped at teardown."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class DemoServer:
    """A running `parley demo`: Parley on localhost:port, the demo host site on 127.0.0.1:host_port."""

    process: subprocess.Popen[bytes]
    port: int
    host_port: int
    data_dir: Path
    log: Path

    @property
    def parley_url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def host_url(self) -> str:
        return f"http://127.0.0.1:{self.host_port}"

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as response:
            if response.status == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"server not up after {timeout}s:\n{log.read_text()}")


def start_demo(data_dir: Path, port: int | None = None, host_port: int | None = None,
               env: dict[str, str] | None = None) -> DemoServer:
    """Run `parley demo` (the real CLI) and wait until both origins answer."""
    port = port or free_port()
    host_port = host_port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "server.log"
    command = [sys.executable, "-m", "server.cli", "demo", "--port", str(port), "--host-port", str(host_port),
               "--data-dir", str(data_dir)]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    server = DemoServer(process, port, host_port, data_dir, log)
    try:
        wait_http(f"{server.parley_url}/healthz", process, log)
        wait_http(f"{server.host_url}/", process, log)
    except Exception:
        server.stop()
        raise
    return server


@contextlib.contextmanager
def demo_server(data_dir: Path) -> Iterator[DemoServer]:
    server = start_demo(data_dir)
    try:
        yield server
    finally:
        server.stop()
