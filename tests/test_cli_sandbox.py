"""`paymo-mcp --sandbox` as a newcomer runs it: no temporary folder left behind (also after Ctrl-C or
SIGTERM), no traceback when the reader of stdout goes away (`| head`), a fresh sandbox per run unless
`--sandbox-db FILE` keeps its data, and `--help` saying so."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import INIT, MCP_HEADERS, TRANSCRIPT
from tests.servers import free_port

LEFTOVER = "paymo-mcp-sandbox-*"


def sandbox_env(tmp: Path) -> dict[str, str]:
    """The user's environment without PAYMO_* settings, with the temp dir pointed at `tmp`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYMO_")}
    return {**env, "TMPDIR": str(tmp)}


def paymo_mcp(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "paymo_mcp", *args],
        env=sandbox_env(tmp),
        capture_output=True,
        text=True,
        timeout=60,
    )
    TRANSCRIPT.extend([done.stdout, done.stderr])
    return done


def test_a_sandbox_call_leaves_no_temporary_folder(tmp_path: Path) -> None:
    for args in (["call", "list_tasks", '{"limit": 1}'], ["tools"], ["call", "list_taskz"]):
        done = paymo_mcp(tmp_path, "--sandbox", *args)
        assert "Traceback" not in done.stderr
        assert list(tmp_path.glob(LEFTOVER)) == [], f"{args} left its state folder behind"


def wait_for(predicate: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize("transport", ["stdio", "http"])
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_stopped_sandbox_server_removes_its_temporary_folder(
    tmp_path: Path, transport: str, stop: signal.Signals
) -> None:
    port = free_port()
    command = [sys.executable, "-m", "paymo_mcp", "--sandbox", "--transport", transport, "--port", str(port)]
    process = subprocess.Popen(
        command,
        env=sandbox_env(tmp_path),
        stdin=subprocess.PIPE,  # held open: the stdio server is waiting for requests when stopped
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        if transport == "http":

            def answers() -> bool:
                try:
                    return httpx.post(
                        f"http://127.0.0.1:{port}/mcp", json=INIT, headers=MCP_HEADERS
                    ).is_success
                except httpx.TransportError:
                    return False

            wait_for(answers)
        else:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(json.dumps(INIT) + "\n")
            process.stdin.flush()
            assert '"paymo-mcp"' in process.stdout.readline()  # up and serving
        assert len(list(tmp_path.glob(LEFTOVER))) == 1  # the folder exists while it runs
        process.send_signal(stop)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    TRANSCRIPT.append(err)
    assert "Traceback" not in err, err
    assert list(tmp_path.glob(LEFTOVER)) == []


def test_a_closed_stdout_ends_the_call_quietly(tmp_path: Path) -> None:
    """`paymo-mcp --sandbox call list_tasks '{}' | head -1`: the reader is gone before the answer."""
    process = subprocess.Popen(
        [sys.executable, "-m", "paymo_mcp", "--sandbox", "call", "list_tasks", "{}"],
        env=sandbox_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # like `head` after its line: every write to stdout now fails
    err = process.stderr.read()
    process.wait(timeout=60)
    TRANSCRIPT.append(err)
    assert "BrokenPipeError" not in err and "Traceback" not in err and "Exception ignored" not in err, err
    assert process.returncode == 128 + signal.SIGPIPE  # as a command killed by SIGPIPE reports it
    assert list(tmp_path.glob(LEFTOVER)) == []


def test_each_sandbox_run_is_fresh_unless_sandbox_db_keeps_it(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    created = paymo_mcp(tmp_path, "--sandbox-db", str(db), "call", "create_client", '{"name": "Kept Ltd"}')
    assert created.returncode == 0, created.stderr
    client_id = json.loads(created.stdout)["id"]
    lookup = json.dumps({"id": client_id})

    kept = paymo_mcp(tmp_path, "--sandbox", "--sandbox-db", str(db), "call", "get_client", lookup)
    assert kept.returncode == 0, kept.stderr
    assert json.loads(kept.stdout)["name"] == "Kept Ltd"

    fresh = paymo_mcp(tmp_path, "--sandbox", "call", "get_client", lookup)
    assert fresh.returncode == 1 and "404" in fresh.stderr  # a fresh sandbox has no such client
    assert db.exists() and list(tmp_path.glob(LEFTOVER)) == []


def test_a_sandbox_db_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    done = paymo_mcp(tmp_path, "--sandbox-db", str(tmp_path), "tools")  # a directory, not a file
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0 and "--sandbox-db" in done.stderr, done.stderr


def test_help_says_each_sandbox_run_is_fresh_and_how_to_keep_it(tmp_path: Path) -> None:
    done = paymo_mcp(tmp_path, "--help")
    text = " ".join(done.stdout.split())
    assert done.returncode == 0
    assert "each run starts a fresh one" in text
    assert "--sandbox-db FILE" in text and "keep the sandbox's data in this SQLite file between runs" in text
