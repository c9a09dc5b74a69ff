"""What the benchmarks share: the result row, the sandbox subprocess, server environments, small helpers.

The sandbox runs in its own process (`sandbox_proc.py`), standing in for Paymo: a remote service whose
work is not ours, so neither our server nor the bare-httpx floor shares a GIL or a core's time slice
with it by accident.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
SERVER_CMD = [PYTHON, "-m", "paymo_mcp"]
API_KEY = "bench-key"
# Watch state of the servers a run starts; removed when the run ends.
_STATE = tempfile.TemporaryDirectory(prefix="paymo-bench-")


@dataclass
class Row:
    """One line of the results table. `ratio`/`passed` are None for figures without a floor or target."""

    bench: str
    figure: str
    ours: str
    floor: str = "—"
    ratio: float | None = None
    target: str = "—"
    passed: bool | None = None

    @property
    def verdict(self) -> str:
        return "info" if self.passed is None else ("pass" if self.passed else "FAIL")


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table (readable in a terminal, pasteable into the README)."""
    head = ["benchmark", "figure", "ours", "floor", "ratio", "target", "result"]
    body = [
        [
            r.bench,
            r.figure,
            r.ours,
            r.floor,
            "—" if r.ratio is None else f"{r.ratio:.2f}",
            r.target,
            r.verdict,
        ]
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]

    def fmt(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(head), rule, *(fmt(line) for line in body)])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def compact(value: Any) -> str:
    """Compact JSON, as the server writes its text blocks (and as the floor is measured)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def utf8_len(text: str) -> int:
    return len(text.encode())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def state_dir() -> Path:
    """A fresh, empty PAYMO_STATE_DIR for one server (under this run's temporary directory)."""
    return Path(tempfile.mkdtemp(dir=_STATE.name))


def server_env(base_url: str, api_key: str = API_KEY, **extra: str) -> dict[str, str]:
    """What a spawned `python -m paymo_mcp` needs (the stdio client passes on little of our env)."""
    env = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    env.update({"PAYMO_API_KEY": api_key, "PAYMO_BASE_URL": base_url, "PAYMO_STATE_DIR": str(state_dir())})
    env.update(extra)
    return env


def proc_status(pid: int) -> dict[str, str]:
    """/proc/<pid>/status as a dict (VmRSS, VmHWM, ...)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        out[key] = value.strip()
    return out


def kib(value: str) -> int:
    """'123456 kB' -> 123456."""
    return int(value.split()[0])


def child_pids(match: str) -> list[int]:
    """Our direct children whose command line contains `match` (e.g. the server a stdio client spawned)."""
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == me and match in cmdline:
            found.append(int(entry.name))
    return found


class SandboxProcess:
    """A sandbox served by `sandbox_proc.py` in a subprocess; `control()` calls its /__sandbox endpoints."""

    def __init__(self, proc: subprocess.Popen[str], base_url: str, api_key: str) -> None:
        self.proc = proc
        self.base_url = base_url
        self.api_key = api_key
        self.root = base_url.removesuffix("api/")

    def control(self, method: str, action: str, body: Mapping[str, Any] | None = None) -> Any:
        response = httpx.request(method, f"{self.root}__sandbox/{action}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def peers(self, reset: bool = False) -> dict[str, Any]:
        """Distinct TCP connections seen at the sandbox, by User-Agent (see sandbox_proc.PeerCounter)."""
        response = httpx.request("DELETE" if reset else "GET", f"{self.root}__bench/peers", timeout=30)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def unlimited(self) -> None:
        """Raise the sandbox's rate limit out of the way: the benchmarks measure speed, not pacing."""
        self.control("POST", "rate_limit", {"limit": 10_000_000, "period_s": 1})

    def requests_log(self, clear: bool = False) -> list[dict[str, Any]]:
        log: list[dict[str, Any]] = self.control("DELETE" if clear else "GET", "requests")
        return log


@contextmanager
def sandbox(bulk_tasks: int = 0, api_key: str = API_KEY) -> Iterator[SandboxProcess]:
    """Start the sandbox subprocess (seeded; with `bulk_tasks` it holds exactly that many tasks instead)."""
    cmd = [PYTHON, str(HERE / "sandbox_proc.py"), "--api-key", api_key]
    if bulk_tasks:
        cmd += ["--bulk-tasks", str(bulk_tasks)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("base_url="):
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        box = SandboxProcess(proc, line.removeprefix("base_url="), api_key)
        box.unlimited()
        yield box
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for_port(port: int, proc: subprocess.Popen[Any], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listened on port {port} within {timeout} s")
