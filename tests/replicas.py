"""Replicas of the server as real processes: `paymo-mcp --transport http --stateless --port N`, for the
tests and benchmarks of several replicas on one PostgreSQL (the deployment the README describes)."""

from __future__ import annotations

import os
import shutil
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


EXAMPLE_CONF = Path(__file__).resolve().parents[1] / "examples" / "replicas" / "nginx.conf"


def find_nginx() -> str | None:
    """Debian's nginx (root's PATH may lack /usr/sbin)."""
    for found in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if found and Path(found).exists():
            return found
    return None


class Nginx:
    """examples/replicas/nginx.conf, run in the foreground from a temp prefix, with its three ports
    (8080 in front, 8001 and 8002 behind) replaced by the given ones."""

    def __init__(self, binary: str, prefix: Path, port: int, upstream_ports: list[int]) -> None:
        self.binary = binary
        self.prefix = prefix
        self.port = port
        text = EXAMPLE_CONF.read_text()
        for example, real in ((8080, port), (8001, upstream_ports[0]), (8002, upstream_ports[1])):
            text = text.replace(f":{example} ", f":{real} ").replace(f"listen {example};", f"listen {real};")
        (prefix / "nginx.conf").write_text(text)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def access_log(self) -> str:
        path = self.prefix / "access.log"
        return path.read_text() if path.exists() else ""

    def start(self, timeout_s: float = 20.0) -> Nginx:
        args = [self.binary, "-p", str(self.prefix), "-c", "nginx.conf", "-e", "error.log"]
        self.process = subprocess.Popen(
            [*args, "-g", "daemon off;"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout_s
        while not _accepting(self.port):
            if self.process.poll() is not None:
                error_log = self.prefix / "error.log"
                logged = error_log.read_text() if error_log.exists() else ""
                raise RuntimeError(f"nginx exited: {self.process.stderr.read()!r} {logged}")  # type: ignore[union-attr]
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not listen within {timeout_s:g} s")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: workers finish, then the master ends
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
