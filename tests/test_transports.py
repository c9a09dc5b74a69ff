"""The server over its real transports: stdio (a spawned `paymo-mcp --sandbox`) and streamable HTTP
(bearer auth, DNS-rebinding protection, body limit, refusal to bind beyond loopback without a token,
the connection bound that lets new clients in past a flood of half-sent requests)."""

from __future__ import annotations

import os
import socket
import sys

import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from paymo_mcp.server.http_app import build_http_app
from paymo_mcp.server.http_limits import server_config
from tests.helpers import INIT, MCP_HEADERS, settings_for
from tests.servers import free_port, serving

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_stdio_end_to_end_against_the_embedded_sandbox(mode: str) -> None:
    env = {k: v for k, v in os.environ.items() if k.startswith(("PATH", "HOME"))}
    params = StdioServerParameters(command=sys.executable, args=["-m", "paymo_mcp", "--sandbox"], env=env)
    async with Client(params, mode=mode) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"list_tasks", "create_invoice", "api_call"} <= names
        result = await client.call_tool("list_projects", {"limit": 2})
        assert not result.is_error and result.structured_content["count"] == 2  # type: ignore[index]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_http_without_a_token_on_loopback(fresh: SandboxServer, mode: str) -> None:
    port = free_port()
    app = build_http_app(build_server(settings_for(fresh)), host="127.0.0.1", port=port, auth_token=None)
    with serving(app, port) as url:
        async with Client(f"{url}/mcp", mode=mode) as client:
            result = await client.call_tool("get_me", {})
    assert not result.is_error


async def test_http_with_a_token_needs_it_on_every_request(fresh: SandboxServer) -> None:
    port = free_port()
    app = build_http_app(build_server(settings_for(fresh)), host="127.0.0.1", port=port, auth_token="s3cret")
    with serving(app, port) as url:
        refused = httpx.post(f"{url}/mcp", json=INIT, headers=MCP_HEADERS)
        wrong = httpx.post(f"{url}/mcp", json=INIT, headers={**MCP_HEADERS, "authorization": "Bearer nope"})
        assert refused.status_code == wrong.status_code == 401
        assert "s3cret" not in refused.text
        authed = httpx2.AsyncClient(headers={"authorization": "Bearer s3cret"})
        async with Client(streamable_http_client(f"{url}/mcp", http_client=authed)) as client:
            assert not (await client.call_tool("get_me", {})).is_error


def test_listening_beyond_loopback_needs_a_token(fresh: SandboxServer) -> None:
    server = build_server(settings_for(fresh))
    with pytest.raises(ValueError, match="auth token"):
        build_http_app(server, host="0.0.0.0", port=8000, auth_token=None)
    build_http_app(server, host="0.0.0.0", port=8000, auth_token="t")


def test_foreign_host_and_origin_headers_are_refused(fresh: SandboxServer) -> None:
    port = free_port()
    app = build_http_app(build_server(settings_for(fresh)), host="127.0.0.1", port=port, auth_token=None)
    with serving(app, port) as url:
        ok = httpx.post(f"{url}/mcp", json=INIT, headers=MCP_HEADERS)
        evil_host = httpx.post(f"{url}/mcp", json=INIT, headers={**MCP_HEADERS, "host": "evil.example"})
        evil_origin = httpx.post(
            f"{url}/mcp", json=INIT, headers={**MCP_HEADERS, "origin": "http://evil.example"}
        )
    assert ok.status_code == 200
    assert evil_host.status_code in (403, 421) and evil_origin.status_code == 403


def test_oversized_request_bodies_are_refused(fresh: SandboxServer) -> None:
    port = free_port()
    app = build_http_app(build_server(settings_for(fresh)), host="127.0.0.1", port=port, auth_token=None)
    huge = {**INIT, "params": {**INIT["params"], "padding": "x" * (2 * 1024 * 1024)}}  # type: ignore[dict-item]
    with serving(app, port) as url:
        response = httpx.post(f"{url}/mcp", json=huge, headers=MCP_HEADERS)
    assert response.status_code == 413


def answers_eof(sock: socket.socket, wait_s: float) -> bool:
    """Whether the server closed `sock` (EOF or reset) within `wait_s`."""
    sock.settimeout(wait_s)
    try:
        return sock.recv(4096) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_past_the_connection_bound_half_sent_requests_make_way_for_new_clients(fresh: SandboxServer) -> None:
    port = free_port()
    app = build_http_app(build_server(settings_for(fresh)), host="127.0.0.1", port=port, auth_token=None)
    # A head timeout far beyond the test: only the bound can close these connections.
    config = server_config(
        app, host="127.0.0.1", port=port, log_level="warning", head_timeout_s=600, max_connections=20
    )
    with serving(app, port, config) as url:
        flood = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(100)]
        try:
            for sock in flood:
                sock.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0")
            oldest, newest = flood[:80], flood[80:]
            assert all(answers_eof(sock, 30) for sock in oldest)  # each newcomer closed the longest waiting
            assert not any(answers_eof(sock, 0.2) for sock in newest)  # within the bound: kept
            answer = httpx.post(f"{url}/mcp", json=INIT, headers=MCP_HEADERS, timeout=30)
            assert answer.status_code == 200 and "paymo-mcp" in answer.text
        finally:
            for sock in flood:
                sock.close()
