"""Issue 13: every list answer carries `next_cursor` and every list tool takes `cursor`; walked to the end,
each record comes exactly once, even when records are created and deleted between pages."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from tests.helpers import call, fails

pytestmark = pytest.mark.anyio


async def walk(client: Client, tool: str, key: str, args: dict[str, Any], between: Any = None) -> list[int]:
    """Every id of a list, page by page; `between(page_number)` runs after each page."""
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = await call(client, tool, {**args, **({"cursor": cursor} if cursor else {})})
        seen += [r["id"] for r in page[key]]
        pages += 1
        assert page["more"] is (page["next_cursor"] is not None)
        if between is not None:
            await between(pages)
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
        assert pages < 100, "the walk does not end"


@pytest.fixture
def big_account(fresh: SandboxServer) -> SandboxServer:
    """3,200 more tasks in Website Redesign's Discovery list."""
    rows = [{"name": f"Bulk task {n}", "project_id": 1, "tasklist_id": 1} for n in range(3200)]
    fresh.app.bulk_insert("tasks", rows)
    return fresh


async def test_a_walk_of_3000_tasks_sees_each_once_despite_a_create_and_a_delete(
    mcp: Client, big_account: SandboxServer
) -> None:
    before = await walk(mcp, "list_tasks", "tasks", {"fields": ["name"], "limit": 2500})
    assert len(before) == len(set(before)) >= 3215
    made: list[int] = []
    deleted: list[int] = []

    async def meanwhile(page: int) -> None:
        if page == 2:  # between the 2nd and 3rd page: a new task; one already seen and one not yet, deleted
            made.append((await call(mcp, "create_task", {"name": "Created mid-walk", "project_id": 1}))["id"])
            deleted.append(before[-5])
            for gone in (before[10], before[-5]):  # page numbers would skip a task after the first
                await call(mcp, "delete_task", {"id": gone})

    seen = await walk(mcp, "list_tasks", "tasks", {"fields": ["name"], "limit": 500}, meanwhile)
    assert len(seen) == len(set(seen)), "a task came twice"
    assert set(seen) == (set(before) - set(deleted)) | set(made), "a task was skipped"


async def test_a_walk_in_another_order_sees_each_once(mcp: Client) -> None:
    for n in range(7):
        await call(mcp, "create_task", {"name": f"Zeta {n}", "project_id": 3})
    everything = [t["id"] for t in (await call(mcp, "list_tasks", {"limit": 100}))["tasks"]]
    by_name = await walk(mcp, "list_tasks", "tasks", {"order": "name desc", "limit": 4})
    assert sorted(by_name) == sorted(everything) and len(by_name) == len(set(by_name))
    newest_first = await walk(mcp, "list_tasks", "tasks", {"order": "id desc", "limit": 4})
    assert newest_first == sorted(everything, reverse=True)


async def test_the_last_page_has_no_cursor_even_when_it_is_exactly_full(mcp: Client) -> None:
    page = await call(mcp, "list_tasks", {"project_id": 3, "limit": 3})  # Brand Guidelines has 3 tasks
    assert page["count"] == 3 and page["more"] is False and page["next_cursor"] is None
    first = await call(mcp, "list_tasks", {"project_id": 3, "limit": 2})
    assert first["more"] is True and first["next_cursor"]
    rest = await call(mcp, "list_tasks", {"project_id": 3, "limit": 2, "cursor": first["next_cursor"]})
    assert rest["count"] == 1 and rest["next_cursor"] is None


@pytest.mark.parametrize(
    ("tool", "key"),
    [
        ("list_tasklists", "tasklists"),
        ("list_projects", "projects"),
        ("list_clients", "clients"),
        ("list_invoices", "invoices"),
        ("list_time_entries", "time_entries"),
        ("list_users", "users"),
    ],
)
async def test_every_list_tool_pages_by_cursor(mcp: Client, tool: str, key: str) -> None:
    everything = [r["id"] for r in (await call(mcp, tool, {"limit": 100}))[key]]
    assert len(everything) >= 2
    assert await walk(mcp, tool, key, {"limit": 1}) == everything


async def test_an_invoice_search_walk_merges_number_and_title_matches_once_each(mcp: Client) -> None:
    made = []
    for n in range(5):  # matches by title, by number, or by both
        title = "Support retainer" if n % 2 == 0 else "INVOICE"
        number = f"RET-{n}" if n > 1 else f"SUP-{n}"
        invoice = {"client_id": 1, "currency": "USD", "title": title, "number": number}
        made.append((await call(mcp, "create_invoice", invoice))["id"])
    await call(mcp, "create_invoice", {"client_id": 1, "currency": "USD", "title": "Other", "number": "X-1"})
    wanted = [made[0], *made[2:]]  # SUP-1 has neither "ret" in its number nor in its title
    assert await walk(mcp, "list_invoices", "invoices", {"search": "ret", "limit": 2}) == wanted
    assert (
        await walk(mcp, "list_invoices", "invoices", {"search": "ret", "order": "id desc", "limit": 2})
        == (wanted[::-1])
    )


async def test_a_cursor_of_another_query_or_a_made_up_one_is_refused_in_one_line(mcp: Client) -> None:
    first = await call(mcp, "list_tasks", {"project_id": 1, "limit": 2})
    other = await fails(mcp, "list_tasks", {"project_id": 2, "limit": 2, "cursor": first["next_cursor"]})
    assert "cursor" in other and "other filters" in other
    assert "cursor" in await fails(mcp, "list_tasks", {"project_id": 1, "cursor": "not-a-cursor"})
    # The page size and the fields asked for may change on the way.
    more = await call(mcp, "list_tasks", {"project_id": 1, "limit": 3, "cursor": first["next_cursor"]})
    assert more["count"] == 3 and more["tasks"][0]["id"] > first["tasks"][-1]["id"]


async def test_a_page_asked_for_by_cursor_alone_keeps_the_limit_and_fields_of_the_first(
    mcp: Client, big_account: SandboxServer
) -> None:
    first = await call(mcp, "list_tasks", {"fields": ["name"], "limit": 300})
    second = await call(mcp, "list_tasks", {"cursor": first["next_cursor"]})
    assert second["count"] == 300 and set(second["tasks"][0]) == {"id", "name"}
    assert second["tasks"][0]["id"] > first["tasks"][-1]["id"]
    # What the call gives overrides what the cursor kept.
    third = await call(mcp, "list_tasks", {"cursor": second["next_cursor"], "limit": 5})
    assert third["count"] == 5 and set(third["tasks"][0]) == {"id", "name"}
