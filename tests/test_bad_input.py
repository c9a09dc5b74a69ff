"""Bad input from the model's side: every tool rejects it with an isError result naming the field, in one
line, before any request reaches Paymo (the sandbox's request log stays empty).

Each tool gets the mutations its own input schema allows (unknown field, each required field missing,
each field of the wrong type, each id negative), plus the value checks the issue names: priorities
outside the four levels, invalid dates and currencies Paymo does not have.
"""

from __future__ import annotations

from typing import Any

import httpx
import mcp_types as types
import pytest
from mcp import Client
from mcp.client.session import ClientRequestContext
from mcp.server.mcpserver import MCPServer
from pydantic import SecretStr

from paymo_mcp.config import Settings
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import TRANSCRIPT, settings_for

pytestmark = pytest.mark.anyio

# Arguments each tool accepts, so that a single mutation is the only thing wrong.
VALID: dict[str, dict[str, Any]] = {
    "get_task": {"id": 1},
    "update_task": {"id": 1, "name": "Renamed"},
    "delete_task": {"id": 1},
    "create_task": {"name": "New task", "tasklist_id": 1},
    "get_tasklist": {"id": 1},
    "update_tasklist": {"id": 1, "name": "Renamed"},
    "delete_tasklist": {"id": 1},
    "create_tasklist": {"name": "New list", "project_id": 1},
    "get_project": {"id": 1},
    "update_project": {"id": 1, "name": "Renamed"},
    "delete_project": {"id": 1},
    "create_project": {"name": "New project"},
    "get_client": {"id": 1},
    "update_client": {"id": 1, "name": "Renamed"},
    "delete_client": {"id": 1},
    "create_client": {"name": "New client"},
    "get_invoice": {"id": 1},
    "update_invoice": {"id": 2, "notes": "n"},
    "delete_invoice": {"id": 2},
    "create_invoice": {"client_id": 1, "currency": "USD"},
    "get_time_entry": {"id": 1},
    "update_time_entry": {"id": 1, "description": "d"},
    "delete_time_entry": {"id": 1},
    "create_time_entry": {"task_id": 1, "date": "2026-03-02", "duration": 3600},
    "create_invoice_from_time": {"client_id": 1, "start": "2026-01-01", "end": "2026-12-31", "dry_run": True},
    "api_call": {"method": "GET", "path": "company"},
}

# The checks the issue names, tool by tool: (tool, field, bad value).
PRIORITIES = [-25, 0, 1, 60, 99, 101, 250, "urgent", "medium", 50.5, True]
DATES = ["2026-02-30", "2026-13-01", "2026-00-10", "31/12/2026", "next friday", "", "2026-1-1x"]
DATETIMES = ["last tuesday", "2026-03-02T25:00:00Z", "2026-02-30T10:00:00Z", "12:00", ""]
CURRENCIES = ["US", "X1Z", "DOLLARS", "", "EURO", "usd$", 840]
VALUE_CASES: list[tuple[str, str, list[Any]]] = [
    *[(tool, "priority", PRIORITIES) for tool in ("create_task", "update_task")],
    *[(tool, "due_date", DATES) for tool in ("create_task", "update_task")],
    *[("create_invoice", field, DATES) for field in ("date", "due_date", "delivery_date")],
    *[("update_invoice", field, DATES) for field in ("date", "due_date")],
    ("create_time_entry", "date", DATES),
    *[("create_invoice_from_time", field, DATES) for field in ("start", "end", "due_date")],
    *[(tool, "since", DATETIMES) for tool in ("watch_new_tasks", "watch_new_invoices")],
    *[("list_time_entries", field, DATETIMES) for field in ("start", "end")],
    *[(tool, "currency", CURRENCIES) for tool in ("create_invoice", "update_invoice")],
    ("create_invoice_from_time", "currency", CURRENCIES),
]
# The sandbox's request log, read and cleared over one shared connection (a new httpx client per call
# costs ~25 ms, which hundreds of cases would feel).
LOG = httpx.Client(timeout=10)


def clear_log(sandbox: SandboxServer) -> None:
    LOG.delete(sandbox.base_url.replace("/api/", "/__sandbox/requests")).raise_for_status()


def logged(sandbox: SandboxServer) -> list[dict[str, Any]]:
    response = LOG.get(sandbox.base_url.replace("/api/", "/__sandbox/requests"))
    response.raise_for_status()
    entries: list[dict[str, Any]] = response.json()
    return entries


_SERVERS: dict[str, MCPServer[Any]] = {}


def server_for(sandbox: SandboxServer) -> MCPServer[Any]:
    """One server (building one is the slow part); every case still opens its own session."""
    if sandbox.base_url not in _SERVERS:
        _SERVERS[sandbox.base_url] = build_server(settings_for(sandbox, max_tries=1))
    return _SERVERS[sandbox.base_url]


def all_tools() -> list[tuple[str, dict[str, Any]]]:
    server = build_server(Settings(api_key=SecretStr("bad-input-key")))
    return [(t.name, t.parameters) for t in server._tool_manager.list_tools()]


TOOLS = all_tools()


def types_of(prop: dict[str, Any]) -> set[str]:
    kind = prop.get("type")
    if kind is None and "anyOf" in prop:  # one type per branch (portable schemas)
        return {k for branch in prop["anyOf"] for k in types_of(branch)}
    if kind is None and "enum" in prop:
        return {type(v).__name__ for v in prop["enum"]}
    return set(kind if isinstance(kind, list) else [kind] if kind else [])


def mutations(name: str, schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(what, field the error must name, arguments) for every way this tool's schema can be broken."""
    base = VALID.get(name, {})
    props: dict[str, Any] = schema.get("properties", {})
    cases = [("unknown field", "bogus_field", {**base, "bogus_field": 1})]
    for field in schema.get("required", []):
        cases.append(("missing required", field, {k: v for k, v in base.items() if k != field}))
    for field, prop in props.items():
        kinds = types_of(prop)
        # A JSON object is the wrong type for every scalar and list field; a number for object fields.
        wrong: Any = 42 if ("object" in kinds or not kinds) else {"unexpected": "object"}
        cases.append(("wrong type", field, {**base, field: wrong}))
        if kinds & {"integer", "number", "boolean"} and "string" not in kinds:
            cases.append(("text for a number or flag", field, {**base, field: "abc"}))
        if "array" in kinds:
            cases.append(("list of the wrong items", field, {**base, field: [{"x": 1}]}))
        if "integer" in kinds and prop.get("minimum", -1) >= 0:
            cases.append(("negative", field, {**base, field: -7}))
    return cases


class Asker:
    """An elicitation-capable client's callback: records any question (none may come) and accepts."""

    def __init__(self) -> None:
        self.questions: list[str] = []

    async def __call__(
        self, context: ClientRequestContext, params: types.ElicitRequestParams
    ) -> types.ElicitResult:
        self.questions.append(params.message)
        return types.ElicitResult(action="accept", content={"confirm": True})


async def rejected(
    sandbox: SandboxServer, client: Client, tool: str, arguments: dict[str, Any], field: str, what: str
) -> str | None:
    """None when the call was refused as it must be; otherwise what went wrong."""
    clear_log(sandbox)
    result = await client.call_tool(tool, arguments)
    text = " ".join(getattr(block, "text", "") for block in result.content)
    TRANSCRIPT.append(text)
    label = f"{tool} {what} {field}={arguments.get(field, '<absent>')!r}"
    if not result.is_error:
        return f"{label}: accepted -> {text[:120]}"
    sent = logged(sandbox)
    if sent:
        return f"{label}: {len(sent)} request(s) reached Paymo first: {sent[0]['method']} {sent[0]['path']}"
    if field not in text:
        return f"{label}: the error does not name {field!r}: {text}"
    if "\n" in text.strip() or "Traceback" in text:
        return f"{label}: not a one-line error: {text!r}"
    if not text.startswith(f"Error executing tool {tool}: Invalid arguments: "):
        return f"{label}: not an argument error: {text}"
    return None


# Only tools that confirm first (deletes) behave differently for a client that can answer questions.
CLIENTS = [(n, s, False) for n, s in TOOLS] + [(n, s, True) for n, s in TOOLS if n.startswith("delete_")]


@pytest.mark.parametrize(
    ("name", "schema", "elicitation"),
    CLIENTS,
    ids=[f"{n}-{'eliciting' if e else 'plain'}-client" for n, _, e in CLIENTS],
)
async def test_every_tool_rejects_broken_arguments_before_any_request(
    fresh: SandboxServer, name: str, schema: dict[str, Any], elicitation: bool
) -> None:
    asker = Asker()
    cases = mutations(name, schema)
    async with Client(server_for(fresh), elicitation_callback=asker if elicitation else None) as client:
        problems = [await rejected(fresh, client, name, args, field, what) for what, field, args in cases]
        asked = list(asker.questions)
        if name in VALID:  # the baseline really is valid: the mutation alone made each case fail
            ok = await client.call_tool(
                name, {**VALID[name], "method": "GET"} if name == "api_call" else VALID[name]
            )
            TRANSCRIPT.append(ok.content[0].text)  # type: ignore[union-attr]
            assert not ok.is_error, ok.content[0].text  # type: ignore[union-attr]
    assert [p for p in problems if p] == [], f"{len(cases)} cases"
    assert asked == [], "the user was asked about arguments that were going to be refused"


@pytest.mark.parametrize(
    ("tool", "field", "values"), VALUE_CASES, ids=[f"{t}-{f}" for t, f, _ in VALUE_CASES]
)
async def test_out_of_range_values_are_refused_naming_the_field(
    sandbox: SandboxServer, tool: str, field: str, values: list[Any]
) -> None:
    # No reset needed: nothing here may reach the sandbox at all.
    async with Client(server_for(sandbox)) as client:
        problems = [
            await rejected(sandbox, client, tool, {**VALID.get(tool, {}), field: value}, field, "value")
            for value in values
        ]
    assert [p for p in problems if p] == []


async def test_the_four_priority_levels_and_their_words_are_accepted(fresh: SandboxServer) -> None:
    async with Client(server_for(fresh)) as client:
        for value, stored in ((25, 25), (50, 50), (75, 75), (100, 100), ("high", 75), ("Critical", 100)):
            result = await client.call_tool("update_task", {"id": 1, "priority": value})
            assert not result.is_error, result.content[0].text  # type: ignore[union-attr]
            assert result.structured_content["priority"] == stored


async def test_nested_invoice_items_name_the_item_and_field(sandbox: SandboxServer) -> None:
    fresh = sandbox  # nothing here may reach the sandbox, so it needs no reset
    broken_items = [
        ([{"price_unit": 10}], "item 0"),
        ([{"item": "Design", "quantity": "lots"}], "items.0.quantity"),
        ([{"item": "Design"}, {"item": "Build", "bogus": 1}], "items.1.bogus"),
        ("not a list", "items"),
    ]
    async with Client(server_for(fresh)) as client:
        for items, field in broken_items:
            args = {**VALID["create_invoice"], "items": items}
            problem = await rejected(fresh, client, "create_invoice", args, field, "items")
            assert problem is None, problem
        clear_log(fresh)
        result = await client.call_tool(
            "create_invoice", {**VALID["create_invoice"], "items": [{"item": "Build", "bogus": 1}]}
        )
    text = result.content[0].text  # type: ignore[union-attr]
    # The allowed names are the item's, not the invoice's.
    assert "apply_tax" in text and "currency" not in text.split("allowed", 1)[1], text


async def test_an_argument_to_a_tool_without_arguments_says_it_takes_none(sandbox: SandboxServer) -> None:
    async with Client(server_for(sandbox)) as client:
        problem = await rejected(sandbox, client, "get_me", {"user": 1}, "user", "unknown field")
        assert problem is None, problem
        result = await client.call_tool("get_me", {"user": 1})
    assert "this tool takes no arguments" in result.content[0].text  # type: ignore[union-attr]
