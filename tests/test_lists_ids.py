"""Issue 13: ids never need guessing. A wrong project_id, tasklist_id, task_id, client_id or user_id, in a
list filter, a create or an update, is one line naming the id and the tool that finds the right one."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from tests.helpers import call, fails

pytestmark = pytest.mark.anyio

PROJECTS = "no such project; find ids with list_projects (search=...)"
TASKLISTS = "no such task list; find ids with list_tasklists (search=...)"
TASKS = "no such task; find ids with list_tasks (search=...)"
CLIENTS = "no such client; find ids with list_clients (search=...)"
USERS = "no such user; find ids with list_users (your own: get_me)"


@pytest.mark.parametrize(
    ("tool", "args", "expected"),
    [
        ("create_task", {"name": "x", "project_id": 999}, f"project_id 999: {PROJECTS}"),
        ("create_task", {"name": "x", "tasklist_id": 998}, f"tasklist_id 998: {TASKLISTS}"),
        ("create_task", {"name": "x", "project_id": 1, "user_id": 997}, f"user_id 997: {USERS}"),
        ("create_task", {"name": "x", "project_id": 1, "users": [2, 996]}, "users 996: no such user"),
        ("update_task", {"id": 4, "tasklist_id": 995}, "tasklist_id 995: no such task list"),
        (
            "create_time_entry",
            {"task_id": 994, "date": "2026-11-02", "duration": "1h"},
            f"task_id 994: {TASKS}",
        ),
        ("create_invoice", {"client_id": 993, "currency": "USD"}, f"client_id 993: {CLIENTS}"),
        ("create_project", {"name": "P", "client_id": 992}, "client_id 992: no such client"),
        ("create_tasklist", {"name": "L", "project_id": 991}, "project_id 991: no such project"),
    ],
)
async def test_a_write_with_a_wrong_id_names_it_and_the_tool_that_finds_ids(
    mcp: Client, tool: str, args: dict[str, Any], expected: str
) -> None:
    error = await fails(mcp, tool, args)
    assert expected in error and "nothing was changed" in error


@pytest.mark.parametrize(
    ("tool", "args", "expected"),
    [
        ("list_tasks", {"project_id": 990}, f"project_id 990: {PROJECTS}"),
        ("list_tasks", {"tasklist_id": 989}, "tasklist_id 989: no such task list"),
        ("list_time_entries", {"user_id": 988}, f"user_id 988: {USERS}"),
        ("list_time_entries", {"task_id": 987}, "task_id 987: no such task"),
        ("list_invoices", {"client_id": 986}, f"client_id 986: {CLIENTS}"),
        ("list_projects", {"client_id": 985}, "client_id 985: no such client"),
    ],
)
async def test_a_list_filter_with_a_wrong_id_names_it(
    mcp: Client, tool: str, args: dict[str, Any], expected: str
) -> None:
    assert expected in await fails(mcp, tool, args)


async def test_a_right_id_with_nothing_in_it_is_an_empty_list_not_an_error(mcp: Client) -> None:
    project = await call(mcp, "create_project", {"name": "Empty for now", "client_id": 2})
    page = await call(mcp, "list_tasks", {"project_id": project["id"]})
    assert page == {"tasks": [], "count": 0, "more": False, "next_cursor": None}


@pytest.mark.parametrize(
    ("tool", "args"),
    [("get_task", {"id": 984}), ("update_task", {"id": 984, "name": "y"}), ("delete_task", {"id": 984})],
)
async def test_a_wrong_record_id_says_which_tool_finds_ids(
    mcp: Client, tool: str, args: dict[str, Any]
) -> None:
    assert "id 984: no such task (Paymo: 404); find ids with list_tasks (search=...)" in await fails(
        mcp, tool, args
    )
