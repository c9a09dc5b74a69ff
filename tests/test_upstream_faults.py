"""Issue 6, upstream faults: the retry policy bullet by bullet, on the sandbox's faults over loopback.

GET, PUT and DELETE survive 429/502/503/504, dropped connections and timeouts; a POST that may have
reached Paymo is never sent twice, while one that certainly did not (connection refused, 429) is
retried; Retry-After, the try limit and the time budget are honoured; the sandbox's own rate limiter is
waited out. Every successful test adds the faults it survived to a count printed after the module.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client

from paymo_mcp.client import PaymoClient, RetryPolicy
from paymo_mcp.sandbox import SandboxServer, create_app
from paymo_mcp.server.app import build_server
from tests.helpers import call, control, fails, fault, settings_for
from tests.servers import free_port, serving

pytestmark = pytest.mark.anyio
SURVIVED = {"faults": 0, "tests": 0}


@pytest.fixture(scope="module", autouse=True)
def report_survived(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and SURVIVED["tests"]:
        with capture.global_and_fixture_disabled():
            reporter.write_line(
                f"\nupstream faults: {SURVIVED['faults']} injected faults survived by retries "
                f"in {SURVIVED['tests']} tests of {__name__}"
            )


def survived(count: int) -> None:
    SURVIVED["faults"] += count
    SURVIVED["tests"] += 1


def logged(sandbox: SandboxServer, method: str, path: str) -> list[dict[str, Any]]:
    return [r for r in control(sandbox, "requests") if r["method"] == method and r["path"] == path]


async def logged_at_least(sandbox: SandboxServer, method: str, path: str, count: int) -> None:
    """Wait for a slow answer to end (the sandbox logs a request once answered); 10 s at most."""
    with anyio.fail_after(10):
        while len(logged(sandbox, method, path)) < count:
            await anyio.sleep(0.05)


async def one_call(client: Client, sandbox: SandboxServer, method: str) -> tuple[str, str, dict[str, Any]]:
    """(tool, path, arguments) of a call whose only request is `method` on one record's path."""
    if method == "GET":
        return "get_client", "/api/clients/1", {"id": 1}
    if method == "PUT":
        return "update_client", "/api/clients/1", {"id": 1, "city": "Lisbon"}
    made = await call(client, "create_client", {"name": "Short-lived Ltd"})
    return "delete_client", f"/api/clients/{made['id']}", {"id": made["id"]}


async def check_effect(
    client: Client, method: str, arguments: dict[str, Any], result: dict[str, Any]
) -> None:
    if method == "GET":
        assert result["name"] == "Acme Corporation"
    elif method == "PUT":
        assert result["city"] == "Lisbon"
        assert (await call(client, "get_client", {"id": 1}))["city"] == "Lisbon"
    else:
        assert result == {"id": arguments["id"], "deleted": True}
        assert "404" in await fails(client, "get_client", {"id": arguments["id"]})


@pytest.mark.parametrize("status", [429, 502, 503, 504])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_idempotent_calls_are_retried_through_retryable_statuses(
    mcp: Client, fresh: SandboxServer, method: str, status: int
) -> None:
    tool, path, arguments = await one_call(mcp, fresh, method)
    fault(fresh, method=method, path_prefix=path, status=status, times=2)
    result = await call(mcp, tool, arguments)
    assert [r["status"] for r in logged(fresh, method, path)] == [status, status, 200]
    await check_effect(mcp, method, arguments, result)
    survived(2)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_idempotent_calls_survive_a_dropped_connection_after_processing(
    mcp: Client, fresh: SandboxServer, method: str
) -> None:
    tool, path, arguments = await one_call(mcp, fresh, method)
    fault(fresh, method=method, path_prefix=path, status=200, reset=True)
    result = await call(mcp, tool, arguments)
    tries = logged(fresh, method, path)
    assert len(tries) == 2 and tries[0].get("dropped") is True
    # A retried DELETE finds the record gone (the lost try deleted it): that is success, not a 404.
    assert tries[1]["status"] == (404 if method == "DELETE" else 200)
    await check_effect(mcp, method, arguments, result)
    survived(1)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_idempotent_calls_survive_a_timeout(fresh: SandboxServer, method: str) -> None:
    async with Client(build_server(settings_for(fresh, timeout_s=1.0))) as client:
        tool, path, arguments = await one_call(client, fresh, method)
        fault(fresh, method=method, path_prefix=path, status=200, delay_s=2.0)
        result = await call(client, tool, arguments)
        await check_effect(client, method, arguments, result)
    await logged_at_least(fresh, method, path, 2)  # the slow answer is logged once the sandbox finished it
    assert len(logged(fresh, method, path)) == 2
    survived(1)


async def test_a_create_that_timed_out_is_not_sent_again(fresh: SandboxServer) -> None:
    fault(fresh, method="POST", path_prefix="/api/clients", status=200, delay_s=1.0)
    async with Client(build_server(settings_for(fresh, timeout_s=0.5))) as client:
        error = await fails(client, "create_client", {"name": "Timed Out Ltd"})
    assert "POST /clients" in error and "no answer came in time after the request was sent" in error
    assert "may or may not have been applied" in error and "List the records (e.g. by name)" in error
    await logged_at_least(fresh, "POST", "/api/clients", 1)  # the slow one, logged once it ends
    assert len(logged(fresh, "POST", "/api/clients")) == 1


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_a_create_meeting_a_gateway_error_is_not_retried(
    mcp: Client, fresh: SandboxServer, status: int
) -> None:
    fault(fresh, method="POST", path_prefix="/api/tasks", status=status)
    error = await fails(mcp, "create_task", {"name": "Maybe", "tasklist_id": 1})
    assert f"POST /tasks failed ({status})" in error
    assert len(logged(fresh, "POST", "/api/tasks")) == 1


async def test_a_create_refused_with_429_is_retried_and_made_once(mcp: Client, fresh: SandboxServer) -> None:
    fault(fresh, method="POST", path_prefix="/api/clients", status=429, retry_after=1)
    made = await call(mcp, "create_client", {"name": "Patient Ltd"})
    assert [r["status"] for r in logged(fresh, "POST", "/api/clients")] == [429, 201]
    names = [c["name"] for c in (await call(mcp, "list_clients", {"limit": 100}))["clients"]]
    assert names.count("Patient Ltd") == 1 and made["name"] == "Patient Ltd"
    survived(1)


async def test_a_create_whose_connection_was_refused_is_retried_and_made_once() -> None:
    """Nothing listens at first (connect refused, so nothing was sent); then Paymo comes up."""
    port = free_port()
    late = create_app(api_key="late-key")
    policy = RetryPolicy(max_tries=20, budget_s=15, base_delay_s=0.1, max_delay_s=0.3)
    async with PaymoClient("late-key", f"http://127.0.0.1:{port}/api/", retry=policy) as client:
        made: dict[str, Any] = {}
        finished = anyio.Event()

        async def create() -> None:
            made.update(await client.create("clients", "clients", {"name": "Refused First Ltd"}))
            finished.set()

        async with anyio.create_task_group() as tg:
            tg.start_soon(create)
            await anyio.sleep(0.5)
            assert client.requests_sent >= 2 and not made  # refused, and retried
            with serving(late, port) as url:
                with anyio.fail_after(10):
                    await finished.wait()
                log = httpx.get(f"{url}/__sandbox/requests").json()
                clients = httpx.get(f"{url}/api/clients", auth=("late-key", "X")).json()["clients"]
    posts = [r for r in log if r["method"] == "POST"]
    assert len(posts) == 1 and posts[0]["status"] == 201
    assert [c["name"] for c in clients].count("Refused First Ltd") == 1 and made[
        "name"
    ] == "Refused First Ltd"
    survived(client.requests_sent - 1)


async def test_retry_after_is_honoured_on_503_too(mcp: Client, fresh: SandboxServer) -> None:
    fault(fresh, method="GET", path_prefix="/api/projects", status=503, retry_after=1)
    started = time.monotonic()
    await call(mcp, "list_projects")
    waited = time.monotonic() - started
    statuses = [r["status"] for r in control(fresh, "requests") if r["path"] == "/api/projects"]
    assert statuses == [503, 200] and waited >= 1.0
    survived(1)


async def test_a_retry_after_beyond_the_budget_fails_at_once_saying_how_long(fresh: SandboxServer) -> None:
    fault(fresh, method="GET", path_prefix="/api/tasks", status=429, retry_after=30)
    async with Client(build_server(settings_for(fresh, retry_budget_s=5.0))) as client:
        with anyio.fail_after(5.0):  # at once: not after 30 s, nor after the budget
            error = await fails(client, "list_tasks")
    assert "(429)" in error and "wait 30 s" in error
    assert len([r for r in control(fresh, "requests") if r["path"] == "/api/tasks"]) == 1


@pytest.mark.parametrize("max_tries", [1, 2, 4])
async def test_the_number_of_tries_is_configurable(fresh: SandboxServer, max_tries: int) -> None:
    fault(fresh, method="GET", path_prefix="/api/tasklists", status=503, times=10)
    async with Client(build_server(settings_for(fresh, max_tries=max_tries))) as client:
        error = await fails(client, "list_tasklists")
    assert "GET /tasklists failed (503)" in error and "try again" in error
    assert len([r for r in control(fresh, "requests") if r["path"] == "/api/tasklists"]) == max_tries


async def test_the_time_budget_is_configurable(fresh: SandboxServer) -> None:
    fault(fresh, method="GET", path_prefix="/api/invoices", status=503, times=None)
    async with Client(build_server(settings_for(fresh, max_tries=10, retry_budget_s=1.0))) as client:
        error = await fails(client, "list_invoices")
    tries = [r["time"] for r in control(fresh, "requests") if r["path"] == "/api/invoices"]
    assert "(503)" in error
    # Stopped by the budget (1 s), not by the try limit; the time allows a loaded machine a second.
    assert 2 <= len(tries) < 10 and tries[-1] - tries[0] <= 2.0


async def test_backoff_between_tries_grows_within_its_jitter_bounds(fresh: SandboxServer) -> None:
    fault(fresh, method="GET", path_prefix="/api/company", status=503, times=3)
    policy = RetryPolicy(max_tries=4, budget_s=10, base_delay_s=0.2, max_delay_s=0.6)
    async with PaymoClient(fresh.api_key, fresh.base_url, retry=policy) as client:
        assert "company" in await client.request("GET", "company")
    times = [r["time"] for r in control(fresh, "requests") if r["path"] == "/api/company"]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(gaps) == 3
    for attempt, gap in enumerate(gaps, start=1):
        ceiling = min(0.6, 0.2 * 2 ** (attempt - 1))  # 0.2, 0.4, 0.6 (capped)
        # The lower bound is the backoff's own; the upper one allows a loaded machine a second.
        assert ceiling / 2 - 0.01 <= gap <= ceiling + 1.0, (attempt, gap)
    survived(3)


async def test_the_sandbox_rate_limiter_is_waited_out_via_retry_after(fresh: SandboxServer) -> None:
    """Someone else spent this window; the server's first request meets a real 429 and waits."""
    control(fresh, "rate_limit", {"limit": 3, "period_s": 2})
    async with Client(build_server(settings_for(fresh))) as client:
        with httpx.Client(base_url=fresh.base_url, auth=(fresh.api_key, "X")) as other:
            assert [other.get("me").status_code for _ in range(3)] == [200, 200, 200]
            spent = other.get("me")
        assert spent.status_code == 429 and int(spent.headers["retry-after"]) >= 1
        started = time.monotonic()
        found = await call(client, "list_clients")
        waited = time.monotonic() - started
    assert found["count"] == 3
    statuses = [r["status"] for r in control(fresh, "requests") if r["path"] == "/api/clients"]
    assert statuses == [429, 200] and waited >= 0.9
    survived(1)


async def test_waiting_for_the_rate_limit_does_not_spend_the_retry_budget(fresh: SandboxServer) -> None:
    """A request that waited for the rate limit still has its whole retry budget after its first send.

    The window is spent by two requests; the third waits for the next window (up to 2 s, within its
    2.5 s budget), meets a 503 asking for 2 s, and is still retried: 4 s in all, past the budget.
    """
    control(fresh, "rate_limit", {"limit": 2, "period_s": 2})
    fault(fresh, method="GET", path_prefix="/api/tasks/5", status=503, retry_after=2)
    policy = RetryPolicy(max_tries=3, budget_s=2.5, base_delay_s=0.1, max_delay_s=0.2)
    async with PaymoClient(fresh.api_key, fresh.base_url, retry=policy) as client:
        for _ in range(2):
            await client.request("GET", "me")
        called = time.time()
        task = await client.get("tasks", "tasks", 5)
    log = control(fresh, "requests")
    assert task["id"] == 5 and 429 not in [r["status"] for r in log]  # paced, not refused
    tries = [r for r in log if r["path"] == "/api/tasks/5"]
    assert [r["status"] for r in tries] == [503, 200]
    assert tries[0]["time"] - log[0]["time"] >= 2.0  # its first try waited for the next window
    assert tries[1]["time"] - called > policy.budget_s  # and it was still retried, after the budget
    survived(1)
