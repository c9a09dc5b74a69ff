"""What is special about each resource, checked end to end through MCP against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from tests.helpers import call, control, fails
from tests.test_resources_roundtrip import make_world

pytestmark = pytest.mark.anyio


def api_requests(sandbox: SandboxServer) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = control(sandbox, "requests")
    return log


# -- tasks -------------------------------------------------------------------------------------


async def test_task_with_only_a_project_lands_in_default_task_list(mcp: Client) -> None:
    ids = await make_world(mcp)
    task = await call(mcp, "create_task", {"name": "Loose", "project_id": ids["project"]})
    lists = await call(mcp, "list_tasklists", {"project_id": ids["project"]})
    default = [tl for tl in lists["tasklists"] if tl["name"] == "Default Task List"]
    assert len(default) == 1 and task["tasklist_id"] == default[0]["id"]
    again = await call(mcp, "create_task", {"name": "Loose 2", "project_id": ids["project"]})
    assert again["tasklist_id"] == default[0]["id"], "the default list is reused, not created twice"


async def test_priority_words_become_paymo_levels(mcp: Client) -> None:
    ids = await make_world(mcp)
    for word, level in (("low", 25), ("normal", 50), ("high", 75), ("critical", 100)):
        task = await call(
            mcp, "create_task", {"name": word, "tasklist_id": ids["tasklist"], "priority": word}
        )
        assert task["priority"] == level
    assert "priority" in await fails(mcp, "create_task", {"name": "x", "project_id": 1, "priority": 90})


async def test_completing_a_task_moves_its_status_and_reopening_moves_it_back(mcp: Client) -> None:
    ids = await make_world(mcp)
    statuses = (await call(mcp, "get_lookup", {"kind": "workflow_statuses", "project_id": ids["project"]}))[
        "records"
    ]
    by_action = {s["action"]: s["id"] for s in statuses}
    done = await call(mcp, "update_task", {"id": ids["task"], "complete": True})
    assert done["complete"] is True and done["status_id"] == by_action["complete"]
    reopened = await call(mcp, "update_task", {"id": ids["task"], "complete": False})
    assert reopened["complete"] is False and reopened["status_id"] == by_action["backlog"]
    done_tasks = await call(mcp, "list_tasks", {"project_id": ids["project"], "completed": True})
    assert ids["task"] not in [t["id"] for t in done_tasks["tasks"]]


async def test_task_without_a_place_is_refused_before_any_request(mcp: Client, fresh: SandboxServer) -> None:
    before = len(api_requests(fresh))
    assert "tasklist_id or project_id" in await fails(mcp, "create_task", {"name": "Nowhere"})
    assert len(api_requests(fresh)) == before


# -- task lists --------------------------------------------------------------------------------


async def test_deleting_a_task_list_deletes_its_tasks_and_their_time(mcp: Client) -> None:
    ids = await make_world(mcp)
    entry = await call(
        mcp, "create_time_entry", {"task_id": ids["task"], "date": "2026-11-03", "duration": "2h"}
    )
    await call(mcp, "delete_tasklist", {"id": ids["tasklist"]})
    assert "404" in await fails(mcp, "get_task", {"id": ids["task"]})
    assert "404" in await fails(mcp, "get_time_entry", {"id": entry["id"]})


# -- projects ----------------------------------------------------------------------------------


async def test_project_code_is_checked_before_any_request(mcp: Client, fresh: SandboxServer) -> None:
    before = len(api_requests(fresh))
    error = await fails(mcp, "create_project", {"name": "Bad code", "code": "web-1"})
    assert "code" in error and "A-Z" in error
    assert len(api_requests(fresh)) == before


async def test_project_without_client_goes_to_sample_client(mcp: Client) -> None:
    project = await call(mcp, "create_project", {"name": "Orphan"})
    client = await call(mcp, "get_client", {"id": project["client_id"]})
    assert client["name"] == "Sample Client"


async def test_project_users_and_managers_are_replaced_whole(mcp: Client) -> None:
    users = [u["id"] for u in (await call(mcp, "list_users"))["users"]][:3]
    assert len(users) == 3
    project = await call(mcp, "create_project", {"name": "Team", "users": users[:2], "managers": [users[0]]})
    assert sorted(project["users"]) == sorted(users[:2])
    replaced = await call(mcp, "update_project", {"id": project["id"], "users": [users[2]], "managers": []})
    assert replaced["users"] == [users[2]] and replaced["managers"] == []


async def test_archiving_a_project_hides_it_from_active_lists(mcp: Client) -> None:
    project = await call(mcp, "create_project", {"name": "Old"})
    await call(mcp, "update_project", {"id": project["id"], "active": False})
    active = await call(mcp, "list_projects", {"active": True, "limit": 2500})
    archived = await call(mcp, "list_projects", {"active": False, "limit": 2500})
    assert project["id"] not in [p["id"] for p in active["projects"]]
    assert project["id"] in [p["id"] for p in archived["projects"]]


# -- invoices ----------------------------------------------------------------------------------


async def test_invoice_totals_follow_paymos_worked_examples(mcp: Client) -> None:
    ids = await make_world(mcp)
    one = await call(
        mcp,
        "create_invoice",
        {
            "client_id": ids["client"],
            "currency": "USD",
            "tax": 20,
            "items": [{"item": "Build", "price_unit": 1593, "quantity": 1, "apply_tax": True}],
        },
    )
    assert (one["subtotal"], one["tax_amount"], one["total"]) == (1593, 318.6, 1911.6)
    two = await call(
        mcp,
        "create_invoice",
        {
            "client_id": ids["client"],
            "currency": "USD",
            "tax": 3,
            "items": [{"item": "Hours", "price_unit": 25, "quantity": 15, "apply_tax": True}],
        },
    )
    assert (two["subtotal"], two["tax_amount"], two["total"]) == (375, 11.25, 386.25)
    assert one["status"] == "draft" and one["number"] != two["number"]


async def test_invoice_items_come_back_only_when_included(mcp: Client) -> None:
    ids = await make_world(mcp)
    inv = await call(
        mcp,
        "create_invoice",
        {
            "client_id": ids["client"],
            "currency": "EUR",
            "items": [{"item": "A", "price_unit": 10, "quantity": 2}],
        },
    )
    assert "invoiceitems" not in await call(mcp, "get_invoice", {"id": inv["id"]})
    with_items = await call(mcp, "get_invoice", {"id": inv["id"], "include": ["invoiceitems"]})
    assert [i["item"] for i in with_items["invoiceitems"]] == ["A"]


async def test_invoice_items_update_replaces_the_set(mcp: Client) -> None:
    ids = await make_world(mcp)
    inv = await call(
        mcp,
        "create_invoice",
        {
            "client_id": ids["client"],
            "currency": "EUR",
            "items": [
                {"item": "Keep", "price_unit": 10, "quantity": 1},
                {"item": "Edit", "price_unit": 20, "quantity": 1},
                {"item": "Drop", "price_unit": 30, "quantity": 1},
            ],
        },
    )
    items = (await call(mcp, "get_invoice", {"id": inv["id"], "include": ["invoiceitems"]}))["invoiceitems"]
    by_name = {i["item"]: i["id"] for i in items}
    await call(
        mcp,
        "update_invoice",
        {
            "id": inv["id"],
            "items": [
                {"id": by_name["Keep"]},
                {"id": by_name["Edit"], "price_unit": 25},
                {"item": "New", "price_unit": 5, "quantity": 2},
            ],
        },
    )
    after = await call(mcp, "get_invoice", {"id": inv["id"], "include": ["invoiceitems"]})
    assert sorted((i["item"], i["price_unit"]) for i in after["invoiceitems"]) == [
        ("Edit", 25),
        ("Keep", 10),
        ("New", 5),
    ]
    assert after["subtotal"] == 45


async def test_duplicate_invoice_number_is_refused(mcp: Client) -> None:
    ids = await make_world(mcp)
    await call(mcp, "create_invoice", {"client_id": ids["client"], "currency": "USD", "number": "INV-DUP-1"})
    error = await fails(
        mcp, "create_invoice", {"client_id": ids["client"], "currency": "USD", "number": "INV-DUP-1"}
    )
    assert "INV-DUP-1" in error or "number" in error.lower()


async def test_unknown_currency_is_refused_before_any_request(mcp: Client, fresh: SandboxServer) -> None:
    before = len(api_requests(fresh))
    assert "currency" in await fails(mcp, "create_invoice", {"client_id": 1, "currency": "DOGE"})
    assert len(api_requests(fresh)) == before


async def test_invoice_total_filter_compares(mcp: Client) -> None:
    ids = await make_world(mcp)
    small = await call(
        mcp,
        "create_invoice",
        {
            "client_id": ids["client"],
            "currency": "USD",
            "items": [{"item": "s", "price_unit": 40, "quantity": 1}],
        },
    )
    big = await call(
        mcp,
        "create_invoice",
        {
            "client_id": ids["client"],
            "currency": "USD",
            "items": [{"item": "b", "price_unit": 400, "quantity": 1}],
        },
    )
    over = await call(mcp, "list_invoices", {"client_id": ids["client"], "total": ">100"})
    under = await call(mcp, "list_invoices", {"client_id": ids["client"], "total": "<=50"})
    assert [i["id"] for i in over["invoices"]] == [big["id"]]
    assert [i["id"] for i in under["invoices"]] == [small["id"]]


# -- time entries ------------------------------------------------------------------------------


async def test_date_and_duration_entry_is_bulk(mcp: Client) -> None:
    ids = await make_world(mcp)
    entry = await call(
        mcp, "create_time_entry", {"task_id": ids["task"], "date": "2026-11-04", "duration": "1h30m"}
    )
    assert entry["is_bulk"] is True and entry["duration"] == 5400 and entry["date"] == "2026-11-04"
    longer = await call(mcp, "update_time_entry", {"id": entry["id"], "duration": "2h"})
    assert longer["duration"] == 7200


async def test_timed_entry_has_a_computed_duration_that_cannot_be_set(mcp: Client) -> None:
    ids = await make_world(mcp)
    entry = await call(
        mcp,
        "create_time_entry",
        {"task_id": ids["task"], "start_time": "2026-11-04T09:00:00Z", "end_time": "2026-11-04T09:45:00Z"},
    )
    assert entry["is_bulk"] is False and entry["duration"] == 2700
    assert "duration" in (await fails(mcp, "update_time_entry", {"id": entry["id"], "duration": 600})).lower()


async def test_mixed_timing_modes_are_refused_before_any_request(mcp: Client, fresh: SandboxServer) -> None:
    before = len(api_requests(fresh))
    error = await fails(
        mcp,
        "create_time_entry",
        {"task_id": 1, "date": "2026-11-04", "duration": 600, "start_time": "2026-11-04T09:00:00Z"},
    )
    assert "not both" in error
    assert "1 minute" in await fails(
        mcp,
        "create_time_entry",
        {"task_id": 1, "start_time": "2026-11-04T09:00:00Z", "end_time": "2026-11-04T09:00:30Z"},
    )
    assert len(api_requests(fresh)) == before


async def test_a_second_running_timer_is_a_conflict(mcp: Client) -> None:
    ids = await make_world(mcp)
    timer = await call(
        mcp, "create_time_entry", {"task_id": ids["task"], "start_time": "2026-11-05T08:00:00Z"}
    )
    assert timer["end_time"] is None
    error = await fails(
        mcp, "create_time_entry", {"task_id": ids["task"], "start_time": "2026-11-05T08:30:00Z"}
    )
    assert "409" in error and "timer" in error.lower()
    stopped = await call(mcp, "update_time_entry", {"id": timer["id"], "end_time": "2026-11-05T09:00:00Z"})
    assert stopped["duration"] == 3600


async def test_time_range_lists_only_entries_inside_it(mcp: Client) -> None:
    ids = await make_world(mcp)
    inside = await call(
        mcp, "create_time_entry", {"task_id": ids["task"], "date": "2026-10-10", "duration": 600}
    )
    outside = await call(
        mcp, "create_time_entry", {"task_id": ids["task"], "date": "2026-09-10", "duration": 600}
    )
    page = await call(
        mcp,
        "list_time_entries",
        {"task_id": ids["task"], "start": "2026-10-01T00:00:00Z", "end": "2026-11-01T00:00:00Z"},
    )
    got = [e["id"] for e in page["time_entries"]]
    assert inside["id"] in got and outside["id"] not in got


# -- lists in general --------------------------------------------------------------------------


async def test_limit_is_met_by_paging_not_by_fetching_everything(mcp: Client, fresh: SandboxServer) -> None:
    ids = await make_world(mcp)
    for n in range(12):
        await call(mcp, "create_task", {"name": f"Paged {n}", "tasklist_id": ids["tasklist"]})
    before = len(api_requests(fresh))
    page = await call(mcp, "list_tasks", {"tasklist_id": ids["tasklist"], "limit": 5})
    assert page["count"] == 5 and page["more"] is True
    requests = api_requests(fresh)[before:]
    # One record past the limit is asked for, to know whether a next page exists.
    assert len(requests) == 1 and "page_size=6" in requests[0]["path"] + requests[0].get("query", "")


async def test_order_newest_first(mcp: Client) -> None:
    ids = await make_world(mcp)
    for n in range(3):
        await call(mcp, "create_task", {"name": f"Order {n}", "tasklist_id": ids["tasklist"]})
    newest = await call(mcp, "list_tasks", {"tasklist_id": ids["tasklist"], "order": "id desc"})
    got = [t["id"] for t in newest["tasks"]]
    assert got == sorted(got, reverse=True)


async def test_list_text_output_is_compact_json(mcp: Client) -> None:
    result = await mcp.call_tool("list_tasks", {"limit": 3})
    text = result.content[0].text  # type: ignore[union-attr]
    assert "\n" not in text and ", " not in text.split('"description"')[0] and ": " not in text[:200]
