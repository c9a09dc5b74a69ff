"""Issue 11 §3: a cancelled request leaves the client usable, whichever await it was cancelled at.

Each test cancels one request at one await (waiting for the pacer, sending, sleeping before a retry;
the body read is in test_upstream_bodies.py), then asserts that the next request is answered before
the cancelled one's delayed answer could have been: the order of events, not a stopwatch. The 10 s
limits are failsafes only: on the old code the next request never came back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client

from paymo_mcp.client import PaymoClient, RetryPolicy
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import call, control, fault, settings_for

pytestmark = pytest.mark.anyio
SLOW_S = 3.0  # the cancelled request's answer takes this long; the next one must not wait for it


def faults_pending(sandbox: SandboxServer) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = httpx.get(sandbox.base_url.replace("/api/", "/__sandbox/faults")).json()[
        "faults"
    ]
    return listed


def answered(sandbox: SandboxServer, path: str) -> bool:
    return any(r["path"] == path for r in control(sandbox, "requests"))


async def until(condition: Callable[[], bool]) -> None:
    with anyio.fail_after(10):
        while not condition():
            await anyio.sleep(0.02)


async def cancel_when(request: Callable[[], Awaitable[Any]], ready: Callable[[], bool]) -> None:
    """Start `request` and cancel it once `ready()` holds; it must not have finished by then."""
    finished = False

    async def run() -> None:
        nonlocal finished
        await request()
        finished = True

    async with anyio.create_task_group() as tg:
        tg.start_soon(run)
        await until(ready)
        tg.cancel_scope.cancel()
    assert not finished


async def served_before_the_slow_answer(sandbox: SandboxServer, client: PaymoClient, slow: str) -> None:
    """The next request is answered while the cancelled one's answer is still being delayed."""
    with anyio.fail_after(10):
        assert (await client.get("clients", "clients", 2))["id"] == 2
    assert not answered(sandbox, slow), "the next request waited for the cancelled one"
    await until(lambda: answered(sandbox, slow))  # its delayed answer ends before the next test


async def test_cancelled_while_sending_the_first_request(fresh: SandboxServer) -> None:
    """The first request probes the rate limit for the others: cancelling it must not leave them waiting."""
    fault(fresh, method="GET", path_prefix="/api/clients/1", status=200, delay_s=SLOW_S, reset=True)
    async with PaymoClient(fresh.api_key, fresh.base_url) as client:
        await cancel_when(lambda: client.get("clients", "clients", 1), lambda: not faults_pending(fresh))
        await served_before_the_slow_answer(fresh, client, "/api/clients/1")


async def test_cancelled_while_waiting_for_the_pacer(fresh: SandboxServer) -> None:
    """A second request waits for the first (the probe); both are cancelled; a third goes at once."""
    fault(fresh, method="GET", path_prefix="/api/clients/1", status=200, delay_s=SLOW_S, reset=True)
    async with PaymoClient(fresh.api_key, fresh.base_url) as client:
        async with anyio.create_task_group() as tg:
            tg.start_soon(client.get, "clients", "clients", 1)
            await until(lambda: not faults_pending(fresh))
            pacer = client.pacer
            assert pacer is not None
            await cancel_when(lambda: client.get("clients", "clients", 3), lambda: pacer.waiting == 1)
            assert client.requests_sent == 1  # it was cancelled in the pacer, before sending
            tg.cancel_scope.cancel()
        await served_before_the_slow_answer(fresh, client, "/api/clients/1")


async def test_cancelled_while_sleeping_before_a_retry(fresh: SandboxServer) -> None:
    fault(fresh, method="GET", path_prefix="/api/clients/1", status=503, retry_after=SLOW_S)
    async with PaymoClient(fresh.api_key, fresh.base_url, retry=RetryPolicy(budget_s=30)) as client:
        await cancel_when(
            lambda: client.get("clients", "clients", 1), lambda: answered(fresh, "/api/clients/1")
        )
        with anyio.fail_after(10):
            assert (await client.get("clients", "clients", 2))["id"] == 2
    assert [(r["path"], r["status"]) for r in control(fresh, "requests")] == [
        ("/api/clients/1", 503),
        ("/api/clients/2", 200),
    ]


async def test_a_tool_call_the_mcp_client_cancels_leaves_the_next_one_working(fresh: SandboxServer) -> None:
    fault(fresh, method="GET", path_prefix="/api/clients/1", status=200, delay_s=SLOW_S, reset=True)
    async with Client(build_server(settings_for(fresh))) as mcp:
        await cancel_when(lambda: mcp.call_tool("get_client", {"id": 1}), lambda: not faults_pending(fresh))
        with anyio.fail_after(10):
            assert (await call(mcp, "get_client", {"id": 2}))["id"] == 2
    assert not answered(fresh, "/api/clients/1")
    await until(lambda: answered(fresh, "/api/clients/1"))
