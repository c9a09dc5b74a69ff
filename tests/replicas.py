"""Replicas of the server as real processes: `paymo-mcp --transport http --stateless --port N`, for the
tests and benchmarks of several replicas on one PostgreSQL (the deployment the README describes)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType


class Replica:
    """One `paymo-mcp --transport http --stateless` process on a fixed loopback port; it can be
    killed (SIGKILL) and started again on the same port. Its stderr goes to `log`."""

    def __init__(self, port: int, env: dict[str, str], log: Path) -> None:
        self.port = port
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def start(self, timeout_s: float = 30.0) -> Replica:
        """Spawn it and wait until it accepts connections."""
        args = [sys.executable, "-m", "paymo_mcp", "--transport", "http", "--stateless"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*args, "--port", str(self.port)],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + timeout_s
        while not _accepting(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"replica on port {self.port} exited: {self.log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"replica on port {self.port} did not listen within {timeout_s:g} s")
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when the machine or the container dies."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not end within 10 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> Replica:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _accepting(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
