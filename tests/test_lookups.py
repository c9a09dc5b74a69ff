"""Lookup tools and resources: where the ids the typed tools ask for come from, checked against the
seeded account (paymo_mcp/sandbox/README.md), and the tool descriptions that point a model to them."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import ResourceTemplateReference

from paymo_mcp.sandbox import SandboxServer
from tests.helpers import call, fails

pytestmark = pytest.mark.anyio


def paymo(sandbox: SandboxServer, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """A direct, authorized call to the sandbox's Paymo API (setup that no MCP tool covers)."""
    response = httpx.request(
        method, sandbox.base_url + path, json=body, auth=(sandbox.api_key, "X"), timeout=10
    )
    response.raise_for_status()
    return response.json()


async def read_json(client: Client, uri: str) -> Any:
    result = await client.read_resource(uri)
    return json.loads(result.contents[0].text)  # type: ignore[union-attr]


async def test_get_me_is_the_api_keys_user(mcp: Client) -> None:
    me = await call(mcp, "get_me")
    assert (me["id"], me["name"], me["email"], me["type"]) == (
        1,
        "Alex Admin",
        "alex@northwind.example",
        "Admin",
    )


async def test_list_users_gives_the_seeded_team_and_filters_by_type(mcp: Client) -> None:
    users = await call(mcp, "list_users")
    assert [(u["id"], u["name"], u["type"]) for u in users["users"]] == [
        (1, "Alex Admin", "Admin"),
        (2, "Maria Lopez", "Employee"),
        (3, "Sam Chen", "Employee"),
        (4, "Gina Park", "Guest"),
    ]
    assert users["count"] == 4 and users["more"] is False
    employees = await call(mcp, "list_users", {"type": "Employee"})
    assert [u["name"] for u in employees["users"]] == ["Maria Lopez", "Sam Chen"]


async def test_workflow_statuses_by_workflow_and_by_project(mcp: Client, fresh: SandboxServer) -> None:
    default = await call(mcp, "get_lookup", {"kind": "workflow_statuses", "project_id": 1})
    assert [(s["id"], s["name"], s["action"]) for s in default["records"]] == [
        (1, "Backlog", "backlog"),
        (2, "Complete", "complete"),
        (3, "To Do", ""),
        (4, "In progress", ""),
    ]
    # A project has no statuses of its own: project_id must resolve through the project's workflow.
    # A second workflow (Paymo gives it Backlog and Complete) and a project on it tell the two apart.
    workflow = paymo(fresh, "POST", "workflows", {"name": "Support"})["workflows"][0]
    project = await call(
        mcp, "create_project", {"name": "Helpdesk", "client_id": 1, "workflow_id": workflow["id"]}
    )
    by_project = await call(mcp, "get_lookup", {"kind": "workflow_statuses", "project_id": project["id"]})
    assert [(s["name"], s["workflow_id"]) for s in by_project["records"]] == [
        ("Backlog", workflow["id"]),
        ("Complete", workflow["id"]),
    ]
    everything = await call(mcp, "get_lookup", {"kind": "workflow_statuses"})
    assert {s["id"] for s in everything["records"]} == {1, 2, 3, 4} | {s["id"] for s in by_project["records"]}
    assert "account-wide" in await fails(mcp, "get_lookup", {"kind": "project_statuses", "project_id": 1})


async def test_a_status_from_the_lookup_is_accepted_by_create_task(mcp: Client) -> None:
    statuses = await call(mcp, "get_lookup", {"kind": "workflow_statuses", "project_id": 1})
    doing = next(s["id"] for s in statuses["records"] if s["name"] == "In progress")
    task = await call(mcp, "create_task", {"name": "Hero banner", "project_id": 1, "status_id": doing})
    assert task["status_id"] == doing == 4


async def test_project_statuses_are_paymos_default_set(mcp: Client) -> None:
    statuses = await call(mcp, "get_lookup", {"kind": "project_statuses"})
    assert [(s["name"], s["active"]) for s in statuses["records"]] == [
        ("Active", True),
        ("Proposal", True),
        ("On-hold", False),
        ("Cancelled", False),
        ("Completed", False),
        ("Archived", False),
    ]


async def test_invoice_templates_mark_the_default(mcp: Client) -> None:
    templates = await call(mcp, "get_lookup", {"kind": "invoice_templates"})
    assert [(t["id"], t["name"], t["is_default"]) for t in templates["records"]] == [
        (1, "Classic", True),
        (2, "Modern", False),
    ]


async def test_milestones_by_project(mcp: Client, fresh: SandboxServer) -> None:
    website = await call(mcp, "get_lookup", {"kind": "milestones", "project_id": 1})
    assert [(m["name"], m["project_id"], m["due_date"]) for m in website["records"]] == [
        ("Design sign-off", 1, "2026-11-20")
    ]
    assert (await call(mcp, "get_lookup", {"kind": "milestones", "project_id": 3}))["records"] == []
    paymo(fresh, "POST", "milestones", {"name": "Guide v1", "project_id": 3, "due_date": "2026-12-15"})
    brand = await call(mcp, "get_lookup", {"kind": "milestones", "project_id": 3})
    assert [(m["name"], m["project_id"]) for m in brand["records"]] == [("Guide v1", 3)]
    assert [
        m["name"] for m in (await call(mcp, "get_lookup", {"kind": "milestones", "project_id": 1}))["records"]
    ] == ["Design sign-off"]


async def test_currencies_are_paymos_86_codes_with_symbols(mcp: Client) -> None:
    currencies = (await call(mcp, "get_lookup", {"kind": "currencies"}))["currencies"]
    assert len(currencies) == 86
    assert (currencies["USD"], currencies["EUR"], currencies["GBP"], currencies["THB"]) == (
        "$",
        "€",
        "£",
        "฿",
    )
    assert "TBH" not in currencies  # D10: the docs' TBH is a typo for the ISO code of the Thai baht


@pytest.mark.parametrize(
    ("name", "tool", "key"),
    [
        ("users", "list_users", "users"),
        ("workflow_statuses", "get_lookup", "records"),
        ("project_statuses", "get_lookup", "records"),
        ("invoice_templates", "get_lookup", "records"),
        ("milestones", "get_lookup", "records"),
    ],
)
async def test_lookup_resource_reads_what_the_tool_lists(mcp: Client, name: str, tool: str, key: str) -> None:
    from_resource = await read_json(mcp, f"paymo://lookups/{name}")
    arguments = {"limit": 2500} if tool == "list_users" else {"kind": name}
    from_tool = (await call(mcp, tool, arguments))[key]
    assert [r["id"] for r in from_resource] == [r["id"] for r in from_tool]
    assert [r.get("name") for r in from_resource] == [r.get("name") for r in from_tool]
    assert len(from_resource) >= 1


async def test_me_and_currency_resources(mcp: Client) -> None:
    me = await read_json(mcp, "paymo://lookups/me")
    assert (me["id"], me["name"]) == (1, "Alex Admin")
    currencies = await read_json(mcp, "paymo://lookups/currencies")
    assert currencies == (await call(mcp, "get_lookup", {"kind": "currencies"}))["currencies"]


async def test_unknown_lookup_resource_names_the_choices(mcp: Client) -> None:
    with pytest.raises(MCPError) as raised:
        await mcp.read_resource("paymo://lookups/colours")
    assert "unknown lookup 'colours'" in raised.value.message
    assert "workflow_statuses" in raised.value.message


async def test_lookup_names_complete(mcp: Client) -> None:
    ref = ResourceTemplateReference(type="ref/resource", uri="paymo://lookups/{name}")
    assert (await mcp.complete(ref, {"name": "name", "value": "wo"})).completion.values == [
        "workflow_statuses"
    ]
    assert (await mcp.complete(ref, {"name": "name", "value": "m"})).completion.values == ["me", "milestones"]


# -- descriptions: which lookup gives which id ---------------------------------------------------

# (tool, argument, the lookup a model should use to fill it)
WHERE_IDS_COME_FROM = [
    ("create_task", "status_id", "get_lookup"),
    ("update_task", "status_id", "get_lookup"),
    ("create_task", "users", "list_users"),
    ("create_task", "user_id", "list_users"),
    ("create_project", "status_id", "get_lookup"),
    ("update_project", "status_id", "get_lookup"),
    ("create_project", "workflow_id", "get_lookup"),
    ("create_project", "users", "list_users"),
    ("create_project", "managers", "list_users"),
    ("create_invoice", "template_id", "get_lookup"),
    ("update_invoice", "template_id", "get_lookup"),
    ("create_invoice", "currency", "get_lookup"),
    ("create_tasklist", "milestone_id", "get_lookup"),
    ("update_tasklist", "milestone_id", "get_lookup"),
    ("create_time_entry", "user_id", "list_users"),
    ("create_invoice_from_time", "client_id", "list_clients"),
]


async def listed_tools(client: Client) -> dict[str, Any]:
    return {t.name: t for t in (await client.list_tools()).tools}


@pytest.mark.parametrize(("tool", "argument", "lookup"), WHERE_IDS_COME_FROM)
async def test_crud_descriptions_say_which_lookup_gives_the_id(
    mcp: Client, tool: str, argument: str, lookup: str
) -> None:
    tools = await listed_tools(mcp)
    assert lookup in tools, f"{lookup} is named but not served"
    listed = tools[tool]
    assert argument in listed.input_schema["properties"], f"{tool} has no {argument}"
    said = (
        (listed.input_schema["properties"][argument].get("description") or "")
        + " "
        + (listed.description or "")
    )
    assert lookup in said, f"{tool}.{argument}: neither it nor the tool says to use {lookup}"


async def test_each_lookup_says_what_its_ids_are_for(mcp: Client) -> None:
    tools = await listed_tools(mcp)
    expected = {
        "list_users": ["user_id", "users", "managers"],
        "get_lookup": ["status_id", "workflow_id", "template_id", "milestone_id", "currency"],
        "get_me": ["user_id", "timezone", "now_local"],
    }
    for name, words in expected.items():
        description = tools[name].description or ""
        missing = [w for w in words if w not in description]
        assert not missing, f"{name}: {description!r} does not mention {missing}"
        assert tools[name].annotations.read_only_hint is True, name


async def test_every_tool_a_description_names_exists(mcp: Client) -> None:
    tools = await listed_tools(mcp)
    named: set[str] = set()
    for tool in tools.values():
        text = (tool.description or "") + json.dumps(tool.input_schema)
        named |= set(re.findall(r"\b((?:list|get|create|update|delete|watch_new)_[a-z_]+)\b", text))
    assert named, "no description names another tool"
    assert named <= set(tools), f"named but not served: {sorted(named - set(tools))}"
