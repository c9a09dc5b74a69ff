"""A 20,000-task account: bulk seeding is quick and filtered, paged lists stay fast."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from paymo_mcp.sandbox import Sandbox, create_app
from tests.sandbox.conftest import BASE, many

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def big() -> Sandbox:
    sandbox = create_app(seed=False)
    lists = []
    for n in range(10):
        project_id = sandbox.bulk_insert("projects", [{"name": f"Bench {n}", "code": f"B{n}", "users": [1]}])[
            0
        ]
        tasklist_id = sandbox.bulk_insert("tasklists", [{"name": "All", "project_id": project_id}])[0]
        lists.append((project_id, tasklist_id))
    rows = [
        {
            "name": f"Task {i}",
            "project_id": lists[i % 10][0],
            "tasklist_id": lists[i % 10][1],
            "code": f"B{i % 10}-{i // 10 + 1}",
            "status_id": 1,
            "complete": i % 3 == 0,
            "users": [1 + i % 4],
            "priority": 50,
        }
        for i in range(20_000)
    ]
    started = time.monotonic()
    ids = sandbox.bulk_insert("tasks", rows)
    assert len(ids) == 20_000 and time.monotonic() - started < 60  # ~1 s quiet; margin for a busy machine
    return sandbox


@pytest.fixture
async def big_api(big: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=big)
    async with httpx.AsyncClient(transport=transport, base_url=BASE, auth=(big.api_key, "X")) as client:
        yield client


@pytest.mark.parametrize(
    "where",
    ["project_id=5 and complete=false", "users=3", "complete=false", 'name like "Task 19"', "mytasks=true"],
)
async def test_a_filtered_page_of_20000_tasks_is_fast(big_api: httpx.AsyncClient, where: str) -> None:
    await big_api.get("tasks", params={"where": where, "page": 0, "page_size": 100})  # warm up
    started = time.monotonic()
    page = many(await big_api.get("tasks", params={"where": where, "page": 3, "page_size": 100}), "tasks")
    elapsed = time.monotonic() - started
    # ~20 ms on a quiet machine; a full scan per page would take seconds. bench/scale.py has the figures.
    assert len(page) == 100 and elapsed < 2, f"{where}: {elapsed * 1000:.0f} ms"


async def test_bulk_rows_get_defaults_and_timestamps(big_api: httpx.AsyncClient) -> None:
    task = many(await big_api.get("tasks", params={"page": 0, "page_size": 1}), "tasks")[0]
    assert task["description"] == "" and task["created_on"].endswith("Z") and task["billable"] is False
    assert len(many(await big_api.get("tasks"), "tasks")) == 2500, "an unpaged list stops at 2500"
