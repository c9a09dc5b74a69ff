"""Issue 6, HTTP transport on the real command: a non-loopback bind without a token is refused before
anything listens, and PAYMO_MCP_AUTH_TOKEN works like --auth-token (401 without the bearer token).

(tests/test_transports.py covers the app itself: bearer checks, Host/Origin validation, body limit.)
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from paymo_mcp.sandbox import SandboxServer
from tests.helpers import INIT, MCP_HEADERS, TRANSCRIPT, paymo_env
from tests.servers import free_port


@contextmanager
def http_server(args: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    """`python -m paymo_mcp --transport http ...` until it answers on `port`; stopped on exit."""
    command = [sys.executable, "-m", "paymo_mcp", "--transport", "http", "--port", str(port), *args]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the server exited: {process.stderr.read() if process.stderr else ''}")
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
        TRANSCRIPT.extend([out, err])


def test_a_non_loopback_bind_without_a_token_is_refused_before_listening(sandbox: SandboxServer) -> None:
    port = free_port()
    done = subprocess.run(
        [sys.executable, "-m", "paymo_mcp", "--transport", "http", "--host", "0.0.0.0", "--port", str(port)],
        env=paymo_env(sandbox),
        capture_output=True,
        text=True,
        timeout=60,
    )
    TRANSCRIPT.extend([done.stdout, done.stderr])
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "refusing to listen on 0.0.0.0 without an auth token" in lines[0]
    assert "--auth-token" in lines[0] and "PAYMO_MCP_AUTH_TOKEN" in lines[0]
    with pytest.raises(httpx.TransportError):
        httpx.post(f"http://127.0.0.1:{port}/mcp", json=INIT, headers=MCP_HEADERS, timeout=2)


@pytest.mark.parametrize("way", ["env", "flag"])
def test_the_token_from_the_variable_or_flag_is_required_on_every_request(
    sandbox: SandboxServer, way: str
) -> None:
    token = "http-token-9a7c"
    port = free_port()
    args = ["--auth-token", token] if way == "flag" else []
    extra = {"PAYMO_MCP_AUTH_TOKEN": token} if way == "env" else {}
    with http_server(args, paymo_env(sandbox, **extra), port) as url:
        missing = httpx.post(url, json=INIT, headers=MCP_HEADERS)
        wrong = httpx.post(url, json=INIT, headers={**MCP_HEADERS, "authorization": f"Bearer {token}x"})
        prefix = httpx.post(url, json=INIT, headers={**MCP_HEADERS, "authorization": f"Bearer {token[:-1]}"})
        right = httpx.post(url, json=INIT, headers={**MCP_HEADERS, "authorization": f"Bearer {token}"})
    assert missing.status_code == wrong.status_code == prefix.status_code == 401
    assert token not in missing.text + wrong.text + prefix.text
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert right.status_code == 200 and "paymo-mcp" in right.text
