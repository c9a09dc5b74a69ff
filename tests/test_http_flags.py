"""Issue 6, HTTP transport on the real command: a non-loopback bind without a token is refused before
anything listens, and PAYMO_MCP_AUTH_TOKEN works like --auth-token (401 without the bearer token).
Issue 11: half-sent requests are closed after the header timeout and do not starve real clients; the
Host and Origin checks accept the allowed names and the bound address on the served port.

(tests/test_transports.py covers the app itself: bearer checks, Host/Origin validation, body limit.)
"""

from __future__ import annotations

import socket
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
def http_server(args: list[str], env: dict[str, str], port: int, host: str = "127.0.0.1") -> Iterator[str]:
    """`python -m paymo_mcp --transport http ...` until it answers on `port`; stopped on exit."""
    command = [sys.executable, "-m", "paymo_mcp", "--transport", "http", "--host", host, "--port", str(port)]
    process = subprocess.Popen(
        [*command, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    url = f"http://{host}:{port}/mcp"
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


HALF_OPEN = 300  # the count: with this many half-sent requests a real one timed out


def closed_by_server(sock: socket.socket, deadline: float) -> bool:
    """Whether the server closes `sock` (EOF or reset) before `deadline` (time.monotonic)."""
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            if sock.recv(4096) == b"":
                return True
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False
    return False


def test_half_sent_requests_are_closed_after_the_header_timeout_and_starve_no_one(
    sandbox: SandboxServer,
) -> None:
    port = free_port()
    with http_server(["--header-timeout", "2"], paymo_env(sandbox), port) as url:
        half_open = []
        try:
            for _ in range(HALF_OPEN):
                sock = socket.create_connection(("127.0.0.1", port), timeout=10)
                sock.sendall(b"POST /mc")  # half a request line, then nothing
                half_open.append(sock)
            kept_alive = socket.create_connection(("127.0.0.1", port), timeout=10)
            half_open.append(kept_alive)  # a served connection, then half of a second request
            kept_alive.sendall(b"GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert kept_alive.recv(4096).startswith(b"HTTP/1.1 ")
            kept_alive.sendall(b"GET /mcp HTTP/1.1\r\nHost: 1")

            answer = httpx.post(url, json=INIT, headers=MCP_HEADERS, timeout=30)
            assert answer.status_code == 200 and "paymo-mcp" in answer.text

            deadline = time.monotonic() + 30  # the 2 s timeout, with room for a busy machine
            still_open = [s for s in half_open if not closed_by_server(s, deadline)]
            assert still_open == [], f"{len(still_open)} of {len(half_open)} half-sent requests still open"
        finally:
            for sock in half_open:
                sock.close()
        after = httpx.post(url, json=INIT, headers=MCP_HEADERS, timeout=30)
        assert after.status_code == 200


@pytest.mark.parametrize("value", ["0", "-1", "abc", "inf"])
def test_a_header_timeout_that_is_not_a_positive_number_is_refused(value: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "paymo_mcp", "--transport", "http", "--header-timeout", value],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "--header-timeout" in done.stderr and "positive number" in done.stderr


def test_allowed_host_and_the_bound_address_are_accepted_on_the_served_port(sandbox: SandboxServer) -> None:
    port = free_port()
    host = "127.0.0.2"  # loopback, but not 127.0.0.1: the server's own address must be accepted
    with http_server(["--allowed-host", "myhost.example"], paymo_env(sandbox), port, host=host) as url:

        def status(**headers: str) -> int:
            return httpx.post(url, json=INIT, headers={**MCP_HEADERS, **headers}, timeout=30).status_code

        assert status() == 200  # Host: 127.0.0.2:<port>
        assert status(origin=f"http://{host}:{port}") == 200
        assert status(host=f"myhost.example:{port}") == 200
        assert status(host=f"myhost.example:{port}", origin=f"http://myhost.example:{port}") == 200
        assert status(host="myhost.example", origin="https://myhost.example") == 200  # behind a proxy
        assert status(host=f"evil.example:{port}") == 421
        assert status(host=f"myhost.example:{port + 1}") == 421
        assert status(origin=f"http://evil.example:{port}") == 403
        assert status(origin=f"http://myhost.example.evil.example:{port}") == 403
