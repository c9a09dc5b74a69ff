"""Contract tests over the whole tool surface, and the reviewed snapshot of what a model sees.

Refresh the snapshots on purpose with `UPDATE_SNAPSHOTS=1 pytest tests/test_tool_surface.py`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from pydantic import SecretStr

from paymo_mcp.config import TOOLSETS, Settings
from paymo_mcp.server.app import build_server

pytestmark = pytest.mark.anyio
SNAPSHOTS = Path(__file__).parent / "snapshots" / "tools"
CRUD = ("list", "get", "create", "update", "delete")
SINGULAR = {
    "tasks": "task",
    "tasklists": "tasklist",
    "projects": "project",
    "clients": "client",
    "invoices": "invoice",
    "time_entries": "time_entry",
}


async def listed(**settings: Any) -> list[dict[str, Any]]:
    server = build_server(Settings(api_key=SecretStr("snapshot-key"), **settings))
    async with Client(server) as client:
        result = await client.list_tools()
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in result.tools]


def compact(tool: dict[str, Any]) -> int:
    return len(json.dumps(tool, separators=(",", ":")))


async def test_each_tool_matches_its_snapshot() -> None:
    tools = await listed()
    SNAPSHOTS.mkdir(parents=True, exist_ok=True)
    seen = set()
    for tool in tools:
        path = SNAPSHOTS / f"{tool['name']}.json"
        seen.add(path.name)
        text = json.dumps(tool, indent=2, sort_keys=True) + "\n"
        if os.environ.get("UPDATE_SNAPSHOTS"):
            path.write_text(text)
        assert path.exists(), f"no snapshot for {tool['name']}; run with UPDATE_SNAPSHOTS=1"
        assert path.read_text() == text, f"{tool['name']} drifted from its snapshot"
    stale = {p.name for p in SNAPSHOTS.glob("*.json")} - seen
    if os.environ.get("UPDATE_SNAPSHOTS"):
        for name in stale:
            (SNAPSHOTS / name).unlink()
    else:
        assert not stale, f"snapshots of tools that no longer exist: {sorted(stale)}"


async def test_pinned_names_exist() -> None:
    names = {t["name"] for t in await listed()}
    for plural, one in SINGULAR.items():
        assert {f"list_{plural}", f"get_{one}", f"create_{one}", f"update_{one}", f"delete_{one}"} <= names
    assert "api_call" in names


async def test_names_are_unique_verb_noun_and_annotations_are_explicit() -> None:
    tools = await listed()
    names = [t["name"] for t in tools]
    assert len(names) == len(set(names))
    for tool in tools:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)+", tool["name"]), tool["name"]
        hints = tool["annotations"]
        assert isinstance(hints.get("readOnlyHint"), bool), tool["name"]
        deleting = tool["name"].startswith("delete_") or tool["name"] == "api_call"
        assert hints.get("destructiveHint", False) is deleting, tool["name"]
        # watch_new_* changes only its own cursor, never the account: read-only too.
        reads = ("list_", "get_", "watch_new_", "summarize_")
        assert hints["readOnlyHint"] is tool["name"].startswith(reads), tool["name"]
        schema = tool["inputSchema"]
        assert schema["type"] == "object" and "anyOf" not in schema and "oneOf" not in schema
        # Strict at run time (an unknown argument is refused naming the allowed ones), but not in the
        # schema: Gemini's function declarations refuse `additionalProperties` outright.
        assert '"additionalProperties": false' not in json.dumps(schema), tool["name"]
        for name, prop in schema.get("properties", {}).items():
            assert prop.get("description") or "$ref" in prop, f"{tool['name']}.{name} has no description"


async def test_the_surface_stays_lean() -> None:
    tools = await listed()
    sizes = {t["name"]: compact(t) for t in tools}
    average = sum(sizes.values()) / len(sizes)
    assert average <= 1600, f"average {average:.0f} bytes per tool"
    assert max(sizes.values()) <= 6000, max(sizes.items(), key=lambda kv: kv[1])


# What every model pays on every turn: the names, descriptions and input schemas of the default server.
TOOL_LIST_BUDGET = 41_000


async def test_the_model_visible_tool_list_stays_within_its_budget() -> None:
    server = build_server(Settings(api_key=SecretStr("x"), base_url="http://127.0.0.1:1/api/"))
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
    visible = [t.model_dump(exclude_none=True, by_alias=True) for t in tools]
    sizes = {
        d["name"]: len(
            json.dumps(
                {k: d[k] for k in ("name", "description", "inputSchema") if k in d}, separators=(",", ":")
            )
        )
        for d in visible
    }
    assert sum(sizes.values()) <= TOOL_LIST_BUDGET, (
        sum(sizes.values()),
        sorted(sizes.items(), key=lambda kv: -kv[1])[:5],
    )


async def test_read_only_mode_registers_no_writing_tools() -> None:
    names = {t["name"] for t in await listed(read_only=True)}
    assert not {n for n in names if n.startswith(("create_", "update_", "delete_"))}
    assert {"list_tasks", "get_invoice", "api_call"} <= names


@pytest.mark.parametrize("toolset", [t for t in TOOLSETS if t in SINGULAR])
async def test_a_toolset_shrinks_the_surface_to_its_resource(toolset: str) -> None:
    names = {t["name"] for t in await listed(toolsets=(toolset,))}
    assert names and all(n.endswith((f"_{toolset}", f"_{SINGULAR[toolset]}")) for n in names), names
