"""What real Paymo does that the default sandbox does not (issue 12), switched on in the sandbox and met
through the MCP tools: numbers as strings, HTML descriptions, a localized Default Task List, an Employee's
or a Guest's key on Admin-only endpoints, and a tight POST rate limit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client
from pydantic import SecretStr

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import call, control, fails, settings_for

pytestmark = pytest.mark.anyio


def records(result: Any) -> list[dict[str, Any]]:
    """The records of a list tool's structured answer, whatever its envelope key."""
    if isinstance(result, list):
        return result
    lists = [v for v in result.values() if isinstance(v, list)]
    assert len(lists) == 1, result
    found: list[dict[str, Any]] = lists[0]
    return found


async def test_numbers_as_strings_still_list_invoices(fresh: SandboxServer, mcp: Client) -> None:
    control(fresh, "quirks", {"numbers_as_strings": True})
    invoices = records(await call(mcp, "list_invoices", {}))
    assert {i["id"]: float(i["total"]) for i in invoices} == {1: 1911.6, 2: 386.25}


async def test_numbers_as_strings_still_get_a_time_entry(fresh: SandboxServer, mcp: Client) -> None:
    control(fresh, "quirks", {"numbers_as_strings": True})
    entry = await call(mcp, "get_time_entry", {"id": 1})
    assert float(entry["duration"]) == 9000


async def test_html_descriptions_come_through_get_task(fresh: SandboxServer, mcp: Client) -> None:
    control(fresh, "quirks", {"html_descriptions": True})
    task = await call(mcp, "get_task", {"id": 1})
    assert task["description"] == "<p>Stakeholder interviews for the project.</p>"


async def test_a_task_with_only_a_project_goes_to_the_localized_default_list(
    fresh: SandboxServer, mcp: Client
) -> None:
    control(fresh, "quirks", {"default_tasklist_name": "Lista de tareas predeterminada"})
    first = await call(mcp, "create_task", {"name": "Uno", "project_id": 4})
    second = await call(mcp, "create_task", {"name": "Dos", "project_id": 4})
    assert first["tasklist_id"] == second["tasklist_id"], "found again by its localized name"
    tasklist = await call(mcp, "get_tasklist", {"id": first["tasklist_id"]})
    assert (tasklist["name"], tasklist["project_id"]) == ("Lista de tareas predeterminada", 4)


async def test_an_employee_key_gets_one_clear_403_line(fresh: SandboxServer) -> None:
    employee = settings_for(fresh, api_key=SecretStr(f"{fresh.api_key}-2"))
    async with Client(build_server(employee)) as maria:
        text = await fails(maria, "create_invoice", {"client_id": 1, "currency": "USD"})
        assert "403" in text or "denied" in text.lower(), text
        assert "Admin" in text, text
        task = await call(maria, "create_task", {"name": "Allowed", "tasklist_id": 1})
        assert task["name"] == "Allowed"
    invoices = control(fresh, "requests")
    assert not [
        r for r in invoices if r["method"] == "POST" and r["path"] == "/api/invoices" and r["status"] < 300
    ]


async def test_a_guest_key_cannot_create_tasks(fresh: SandboxServer) -> None:
    guest = settings_for(fresh, api_key=SecretStr(f"{fresh.api_key}-4"))
    async with Client(build_server(guest)) as gina:
        text = await fails(gina, "create_task", {"name": "Nope", "tasklist_id": 1})
        assert "Guest" in text, text


async def test_a_tight_post_limit_paces_creates_without_duplicates(fresh: SandboxServer, mcp: Client) -> None:
    control(fresh, "quirks", {"post_limit": 5, "post_period_s": 1})
    names = [f"Paced {n}" for n in range(8)]
    for name in names:
        assert (await call(mcp, "create_task", {"name": name, "tasklist_id": 3}))["name"] == name
    created = [
        t["name"]
        for t in records(await call(mcp, "list_tasks", {"tasklist_id": 3, "limit": 100}))
        if t["name"].startswith("Paced")
    ]
    assert sorted(created) == sorted(names), "each create landed exactly once"
    posts = [r for r in control(fresh, "requests") if r["method"] == "POST" and r["path"] == "/api/tasks"]
    assert [r["status"] for r in posts].count(201) == 8
    assert json.dumps(posts).count('"status": 429') == len(posts) - 8, "the only other answers were 429s"
