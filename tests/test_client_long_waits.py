"""Issue 11 §3: no wait is longer than the call's time budget, so one long rate-limit answer hangs nothing.

A 429 asking for minutes (or a day), or a spent window with a day-long decay period, makes the call
that met it, and every call after it, fail at once with one line: Paymo's rate limit and when to try
again. Nothing is sent while Paymo has asked to wait. The 10 s limits are failsafes: the old code
waited the whole Retry-After (or decay period) before answering anything again.
"""

from __future__ import annotations

import anyio
import httpx
import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import call, control, fails, fault, settings_for

pytestmark = pytest.mark.anyio


async def fails_at_once(mcp: Client, tool: str, arguments: dict[str, object]) -> str:
    with anyio.fail_after(10):
        return await fails(mcp, tool, arguments)


@pytest.mark.parametrize(
    ("retry_after", "first_says", "next_says"),
    [(120, "wait 2 min", "wait 2 min"), (86400, "wait 24 h", "wait 10 min")],  # 10 min: the trusted most
)
async def test_a_long_retry_after_fails_that_call_and_the_next_at_once(
    mcp: Client, fresh: SandboxServer, retry_after: int, first_says: str, next_says: str
) -> None:
    fault(fresh, path_prefix="/api/me", status=429, retry_after=retry_after)
    first = await fails_at_once(mcp, "get_me", {})
    assert (
        "GET /me failed (429)" in first and f"Paymo's rate limit was reached; {first_says} and retry" in first
    )
    later = await fails_at_once(mcp, "get_task", {"id": 1})
    assert (
        "GET /tasks/1 failed: not sent: Paymo's rate limit allows the next request only past this call's 10 s"
    )
    assert f"Paymo's rate limit was reached; {next_says} and retry" in later
    assert [r["path"] for r in control(fresh, "requests")] == ["/api/me"]  # nothing sent while told to wait


async def test_a_retry_after_of_infinity_is_ignored_not_obeyed(mcp: Client, fresh: SandboxServer) -> None:
    """A Retry-After that is not a finite number says nothing: the 429 is retried after a short backoff."""
    # JSON has no Infinity, but the sandbox's parser reads it (its answer, listing the fault, fails to
    # encode it: the 429 in the log below shows the fault was armed). Its Retry-After reads "inf".
    httpx.post(
        fresh.base_url.replace("/api/", "/__sandbox/faults"),
        content='{"path_prefix": "/api/me", "status": 429, "retry_after": Infinity}',
    )
    with anyio.fail_after(10):
        me = await call(mcp, "get_me")
        task = await call(mcp, "get_task", {"id": 1})
    assert me["id"] and task["id"] == 1
    assert [r["status"] for r in control(fresh, "requests")] == [429, 200, 200]


async def test_a_spent_window_with_a_day_long_decay_period_fails_the_next_call_at_once(
    fresh: SandboxServer,
) -> None:
    control(fresh, "rate_limit", {"limit": 1, "period_s": 86400})
    async with Client(build_server(settings_for(fresh, retry_budget_s=5.0))) as mcp:
        await call(mcp, "get_me")  # X-Ratelimit-Remaining: 0, X-Ratelimit-Decay-Period: 86400
        error = await fails_at_once(mcp, "get_task", {"id": 1})
    assert (
        "not sent: Paymo's rate limit allows the next request only past this call's 5 s time budget" in error
    )
    assert "wait 10 min and retry" in error  # the longest wait one answer may impose; then Paymo is asked
    assert [r["status"] for r in control(fresh, "requests")] == [200]


async def test_a_retry_after_within_the_budget_is_waited_out_by_every_call(fresh: SandboxServer) -> None:
    """The other side of the rule: a short wait is waited, by the call that met it and by the next."""
    fault(fresh, path_prefix="/api/me", status=429, retry_after=1)
    async with Client(build_server(settings_for(fresh, retry_budget_s=5.0))) as mcp:
        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                tg.start_soon(call, mcp, "get_me")
                while not control(fresh, "requests"):
                    await anyio.sleep(0.02)
                tg.start_soon(call, mcp, "get_task", {"id": 1})
    log = control(fresh, "requests")
    assert sorted((r["path"], r["status"]) for r in log) == [
        ("/api/me", 200),
        ("/api/me", 429),
        ("/api/tasks/1", 200),
    ]
    assert min(r["time"] for r in log if r["status"] == 200) - log[0]["time"] >= 1.0
