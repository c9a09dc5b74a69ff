"""Schemas every major client accepts (what the MCP Inspector's portability check flags): one type name
per `type`, never an array like ["string", "null"] that single-type dialects (Gemini's OpenAPI subset)
reject; input schemas carry no null at all, yet update tools still take an explicit null to clear."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from mcp import Client
from pydantic import SecretStr

from paymo_mcp.config import Settings
from paymo_mcp.server.app import build_server
from tests.helpers import call, fails

pytestmark = pytest.mark.anyio


def every_tool() -> list[dict[str, Any]]:
    server = build_server(Settings(api_key=SecretStr("portability-key")))
    return [
        {"name": t.name, "input": t.parameters, "output": t.output_schema}
        for t in server._tool_manager.list_tools()
    ]


TOOLS = every_tool()


def nodes(schema: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema with its path; the keys under properties/$defs are names, not keywords."""
    if isinstance(schema, dict):
        yield path, schema
        for key, value in schema.items():
            if key in ("properties", "$defs") and isinstance(value, dict):
                for name, sub in value.items():
                    yield from nodes(sub, f"{path}.{key}.{name}")
            elif isinstance(value, dict | list):
                yield from nodes(value, f"{path}.{key}")
    elif isinstance(schema, list):
        for i, item in enumerate(schema):
            yield from nodes(item, f"{path}[{i}]")


def test_no_schema_has_a_type_array() -> None:
    arrays = [
        f"{tool['name']}.{side}{path}: {node['type']}"
        for tool in TOOLS
        for side in ("input", "output")
        for path, node in nodes(tool[side] or {})
        if isinstance(node.get("type"), list)
    ]
    assert arrays == [], arrays[:5]
    assert len(TOOLS) >= 40


def test_input_schemas_carry_no_null() -> None:
    nulls = [
        f"{tool['name']}{path}"
        for tool in TOOLS
        for path, node in nodes(tool["input"])
        if node.get("type") == "null" or None in (node.get("enum") or [])
    ]
    assert nulls == [], nulls[:5]


def test_input_schemas_do_not_say_additional_properties_false() -> None:
    # Gemini's function declarations refuse the keyword (HTTP 400 for the whole tool list); unknown
    # arguments are still refused at run time, naming the allowed ones (tests/test_bad_input.py).
    closed = [
        f"{tool['name']}{path}"
        for tool in TOOLS
        for path, node in nodes(tool["input"])
        if node.get("additionalProperties") is False
    ]
    assert closed == [], closed[:5]


def test_each_anyof_branch_is_one_type_or_a_reference() -> None:
    loose = [
        f"{tool['name']}.{side}{path}"
        for tool in TOOLS
        for side in ("input", "output")
        for path, node in nodes(tool[side] or {})
        for branch in node.get("anyOf", [])
        if not ({"type", "$ref", "enum"} & branch.keys())
    ]
    assert loose == [], loose[:5]


def test_date_patterns_admit_the_words_a_model_may_use() -> None:
    seen = 0
    for tool in TOOLS:
        for path, node in nodes(tool["input"]):
            pattern = node.get("pattern", "")
            if "today" in pattern:
                seen += 1
                assert "format" not in node, f"{tool['name']}{path}: a strict client checks format"
                for word in ("2026-05-01", "today", "yesterday", "tomorrow"):
                    assert re.fullmatch(pattern, word), f"{tool['name']}{path} refuses {word}"
            elif "now" in pattern:
                seen += 1
                for word in ("2026-05-01T09:00", "2026-05-01T09:00:00+02:00", "now"):
                    assert re.fullmatch(pattern, word), f"{tool['name']}{path} refuses {word}"
    assert seen >= 15


async def test_update_tools_still_take_null_to_clear(mcp: Client) -> None:
    task = await call(mcp, "create_task", {"name": "Clearable", "project_id": 1, "due_date": "2026-12-01"})
    cleared = await call(mcp, "update_task", {"id": task["id"], "due_date": None, "budget_hours": None})
    assert cleared["due_date"] is None
    tools = {t.name: t for t in (await mcp.list_tools()).tools}
    assert "null clears" in (tools["update_task"].description or "")
    refused = await fails(mcp, "update_task", {"id": task["id"], "name": None})
    assert "name: cannot be null (omit it to leave the value as it is)" in refused
