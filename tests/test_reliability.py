"""Upstream faults, reproduced with the sandbox's fault endpoints: retries, no duplicate writes, pacing."""

from __future__ import annotations

import time
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client

from paymo_mcp.client import PaymoClient, PaymoUnavailableError, RetryPolicy
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import call, control, fails, fault, settings_for

pytestmark = pytest.mark.anyio


def logged(sandbox: SandboxServer, method: str, prefix: str) -> list[dict[str, Any]]:
    return [r for r in control(sandbox, "requests") if r["method"] == method and r["path"].startswith(prefix)]


async def test_reads_are_retried_through_503s(mcp: Client, fresh: SandboxServer) -> None:
    fault(fresh, method="GET", path_prefix="/api/clients", status=503, times=2)
    page = await call(mcp, "list_clients")
    assert page["count"] > 0
    statuses = [r["status"] for r in logged(fresh, "GET", "/api/clients")]
    assert statuses == [503, 503, 200]


async def test_429_waits_for_retry_after(mcp: Client, fresh: SandboxServer) -> None:
    fault(fresh, method="GET", path_prefix="/api/projects", status=429, retry_after=1)
    started = time.monotonic()
    await call(mcp, "list_projects")
    assert time.monotonic() - started >= 1.0
    assert [r["status"] for r in logged(fresh, "GET", "/api/projects")] == [429, 200]


async def test_a_create_whose_answer_is_lost_is_not_sent_twice(mcp: Client, fresh: SandboxServer) -> None:
    fault(fresh, method="POST", path_prefix="/api/clients", status=200, reset=True)
    error = await fails(mcp, "create_client", {"name": "Exactly Once Ltd"})
    assert "may or may not have been applied" in error and "List the records" in error
    assert len(logged(fresh, "POST", "/api/clients")) == 1
    found = await call(mcp, "list_clients", {"limit": 2500})
    assert [c["name"] for c in found["clients"]].count("Exactly Once Ltd") == 1


async def test_a_create_meeting_503_is_not_retried(mcp: Client, fresh: SandboxServer) -> None:
    fault(fresh, method="POST", path_prefix="/api/clients", status=503)
    error = await fails(mcp, "create_client", {"name": "Maybe Ltd"})
    assert "503" in error
    assert len(logged(fresh, "POST", "/api/clients")) == 1


async def test_an_update_whose_answer_is_lost_is_retried_safely(mcp: Client, fresh: SandboxServer) -> None:
    client = await call(mcp, "create_client", {"name": "Idempotent Inc"})
    fault(fresh, method="PUT", path_prefix=f"/api/clients/{client['id']}", status=200, reset=True)
    updated = await call(mcp, "update_client", {"id": client["id"], "city": "Lisbon"})
    assert updated["city"] == "Lisbon"
    assert len(logged(fresh, "PUT", f"/api/clients/{client['id']}")) == 2


async def test_a_slow_read_times_out_and_is_retried(fresh: SandboxServer) -> None:
    fault(fresh, method="GET", path_prefix="/api/company", status=200, delay_s=3.0)
    async with PaymoClient(
        fresh.api_key, fresh.base_url, timeout=1.0, retry=RetryPolicy(max_tries=3, base_delay_s=0.05)
    ) as client:
        body = await client.request("GET", "company")
    assert "company" in body


async def test_connection_refused_is_retried_then_reported(unused_tcp_port: int) -> None:
    async with PaymoClient(
        "k", f"http://127.0.0.1:{unused_tcp_port}/api/", retry=RetryPolicy(max_tries=3, base_delay_s=0.01)
    ) as client:
        with pytest.raises(PaymoUnavailableError, match="could not reach Paymo"):
            await client.create("clients", "clients", {"name": "x"})
        assert client.requests_sent == 3


async def test_retries_stop_at_the_time_budget(fresh: SandboxServer) -> None:
    fault(fresh, method="GET", path_prefix="/api/tasks", status=503, times=50)
    policy = RetryPolicy(max_tries=50, budget_s=1.0, base_delay_s=0.2, max_delay_s=0.4)
    async with PaymoClient(fresh.api_key, fresh.base_url, retry=policy) as client:
        with pytest.raises(PaymoUnavailableError):
            await client.request("GET", "tasks")
    tries = [r["time"] for r in control(fresh, "requests") if r["path"] == "/api/tasks"]
    # Stopped by the budget (1 s), not by the try limit; the time allows a loaded machine a second.
    assert 2 <= len(tries) < 50 and tries[-1] - tries[0] <= 2.0


async def test_a_burst_is_paced_under_the_rate_limit_without_429(fresh: SandboxServer) -> None:
    control(fresh, "rate_limit", {"limit": 10, "period_s": 1})
    errors: list[str] = []
    async with Client(build_server(settings_for(fresh))) as mcp:

        async def one() -> None:
            result = await mcp.call_tool("get_me", {})
            if result.is_error:
                errors.append(result.content[0].text)  # type: ignore[union-attr]

        started = time.monotonic()
        async with anyio.create_task_group() as tg:
            for _ in range(30):
                tg.start_soon(one)
        elapsed = time.monotonic() - started
    statuses = [r["status"] for r in control(fresh, "requests")]
    assert errors == [] and 429 not in statuses
    assert elapsed >= 1.9  # 30 requests at 10/s need at least two full windows after the first


@pytest.fixture
def unused_tcp_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def test_error_bodies_that_are_not_json_reach_the_model_as_one_line(fresh: SandboxServer) -> None:
    def html(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, html="<html><body>Internal Server Error</body></html>")

    server = build_server(settings_for(fresh, max_tries=1), transport=httpx.MockTransport(html))
    async with Client(server) as mcp:
        error = await fails(mcp, "list_tasks")
    assert "non-JSON text/html response (HTTP 500" in error and "<html>" not in error
