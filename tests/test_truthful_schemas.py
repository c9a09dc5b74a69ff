"""What a model reads about a tool is true: every argument the tool takes is advertised under its own
name, and no description promises what its own tool does not do (issue 12, audit D1, D3, D4)."""

from __future__ import annotations

import re
from typing import Any, get_args

import pytest
from mcp import Client
from pydantic import BaseModel, SecretStr

from paymo_mcp.config import Settings
from paymo_mcp.server.app import build_server, build_tools

pytestmark = pytest.mark.anyio

SETTINGS = Settings(api_key=SecretStr("schema-key"), base_url="http://127.0.0.1:1/api/")


async def advertised() -> dict[str, dict[str, Any]]:
    async with Client(build_server(SETTINGS)) as client:
        tools = (await client.list_tools()).tools
    return {t.name: t.model_dump(by_alias=True, exclude_none=True) for t in tools}


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


def _properties(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """The properties of `node`, following a $ref into $defs and array items."""
    while True:
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        elif "items" in node:
            node = node["items"]
        elif "anyOf" in node:
            node = next(a for a in node["anyOf"] if a.get("type") != "null")
        else:
            return dict(node.get("properties", {}))


def missing_fields(
    model: type[BaseModel], schema: dict[str, Any], node: dict[str, Any], at: str
) -> list[str]:
    """Every field `model` accepts (nested models too) that the advertised schema does not name."""
    props = _properties(schema, node)
    out = []
    for name, field in model.model_fields.items():
        if name not in props:
            out.append(f"{at}{name}")
            continue
        nested = _nested_model(field.annotation)
        if nested is not None:
            out += missing_fields(nested, schema, props[name], f"{at}{name}.")
    return out


async def test_every_argument_a_tool_accepts_is_in_its_advertised_schema() -> None:
    # D1: compact_schema dropped every key named "title", the invoice's title property included.
    listed = await advertised()
    for name in ("create_invoice", "update_invoice", "create_invoice_from_time"):
        assert "title" in listed[name]["inputSchema"]["properties"], name
    problems = []
    for tool in build_tools(SETTINGS):
        model = tool.fn.input_model  # type: ignore[attr-defined]
        schema = listed[tool.name]["inputSchema"]
        problems += [f"{tool.name}: {m}" for m in missing_fields(model, schema, schema, "")]
    assert problems == []


async def test_fields_paymo_cannot_change_are_not_offered_on_update() -> None:
    # D4: project_id is read-only for tasks (tasks.md) and task lists (tasklists.md).
    listed = await advertised()
    assert "project_id" not in listed["update_task"]["inputSchema"]["properties"]
    assert "project_id" not in listed["update_tasklist"]["inputSchema"]["properties"]
    # The move Paymo does support: a task moves with its task list.
    move = listed["update_task"]["inputSchema"]["properties"]["tasklist_id"]["description"]
    assert "another project" in move and "moves the task" in move


async def test_a_time_entry_can_name_its_invoice_line_on_create_and_update() -> None:
    # D3: the seed's "Invoice ID" (entries.md: invoice_item_id, not read-only).
    listed = await advertised()
    for name in ("create_time_entry", "update_time_entry"):
        assert "invoice_item_id" in listed[name]["inputSchema"]["properties"], name


# Wording true of a create and false of an update: defaults, what omitting does, what "alone" starts.
CREATE_ONLY = re.compile(
    r"creates it|omitted ?[:=]|\(default|default[:)]|alone: starts|starts a timer|to add to|auto-numbered|"
    r"Sample Client|at least 1 minute",
    re.IGNORECASE,
)


def descriptions(node: Any, at: str = "") -> list[tuple[str, str]]:
    """(where, text) of every description in a schema, nested ones included."""
    out = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                out.append((at, value))
            else:
                out += descriptions(value, f"{at}.{key}" if at else key)
    elif isinstance(node, list):
        for n, item in enumerate(node):
            out += descriptions(item, f"{at}[{n}]")
    return out


async def test_update_descriptions_say_nothing_only_a_create_does() -> None:
    listed = await advertised()
    updates = {n: t for n, t in listed.items() if n.startswith("update_")}
    assert len(updates) == 6
    wrong = [
        f"{name} {where}: {text}"
        for name, tool in updates.items()
        for where, text in [("description", tool["description"]), *descriptions(tool["inputSchema"])]
        if CREATE_ONLY.search(text)
    ]
    assert wrong == []


# Each list argument of an update that replaces the whole list (tasks.md, projects.md, invoices.md).
REPLACING = [
    ("update_task", "users"),
    ("update_project", "users"),
    ("update_project", "managers"),
    ("update_invoice", "items"),
]


@pytest.mark.parametrize(("tool", "argument"), REPLACING)
async def test_an_update_says_when_a_list_replaces_the_whole_list(tool: str, argument: str) -> None:
    listed = await advertised()
    said = listed[tool]["inputSchema"]["properties"][argument]["description"].lower()
    assert "replaces" in said, said


async def test_the_client_logo_says_it_is_fetched_from_an_http_url() -> None:
    # D2: Paymo wants a multipart upload; the argument is a URL the server fetches and uploads.
    listed = await advertised()
    for name in ("create_client", "update_client"):
        said = listed[name]["inputSchema"]["properties"]["image"]["description"]
        assert "http" in said and "uploaded" in said, said
