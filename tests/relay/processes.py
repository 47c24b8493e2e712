"""Real `parley serve` processes for relay tests (started through the CLI, stopped or SIGKILLed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.servers import ROOT, free_port, wait_http


class ServeProcess:
    """`python -m server.cli serve` on a free loopback port with the given database and broker."""

    def __init__(self, data_dir: Path, database_url: str, broker_url: str = "memory://", **env: str) -> None:
        self.port = free_port()
        self.url = f"ws://127.0.0.1:{self.port}/v1/ws"
        self.http = f"http://127.0.0.1:{self.port}"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log = data_dir / f"serve-{self.port}.log"
        command = [
            sys.executable,
            "-m",
            "server.cli",
            "serve",
            "--port",
            str(self.port),
            "--database-url",
            database_url,
            "--broker-url",
            broker_url,
            "--data-dir",
            str(data_dir),
            "--log-level",
            "warning",
        ]
        environment = {**os.environ, "PARLEY_SECRET_KEY": "relay-process-test", **env}
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=self.log.open("wb"), stderr=subprocess.STDOUT, env=environment
        )
        try:
            wait_http(f"{self.http}/readyz", self.process, self.log)
        except Exception:
            self.kill()
            raise

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as in a crash."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
