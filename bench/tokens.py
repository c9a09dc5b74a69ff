"""Tokens: what the server costs a model to read, in bytes of compact JSON (a fair proxy for tokens).

- `tools/list`: the whole answer as compact JSON (input and output schemas, annotations included),
  the number of tools, the average and the largest tool; target: average <= 1.6 KB (1600 B) per tool.
  Also the total with `--toolsets tasks` (`Settings(toolsets=("tasks",))`).
- `list_tasks` text block for 100 tasks, bytes per record, against Paymo's own JSON for the same records
  (a direct GET of the sandbox, the `tasks` array as compact JSON); target: ratio <= 1.1. And the
  same with a typical `fields` selection (id, name, due_date, complete).

The sandbox is seeded (15 tasks); 85 more are created through its API, so every record went through
Paymo's rules (codes, sequence, defaults) and is shaped like a real one.
"""

from __future__ import annotations

import argparse
from typing import Any

import anyio
import httpx
from mcp import Client
from pydantic import SecretStr

from paymo_mcp.config import Settings
from paymo_mcp.server.app import build_server

from _common import Row, SandboxProcess, compact, sandbox, state_dir, table, utf8_len

TOOL_BUDGET = 1600
RECORD_TARGET = 1.1
RECORDS = 100
FIELDS = ["id", "name", "due_date", "complete"]


def add_tasks(box: SandboxProcess, total: int) -> None:
    """Create tasks through the sandbox's API until it holds `total`."""
    auth = (box.api_key, "X")
    have = len(httpx.get(f"{box.base_url}tasks", auth=auth).json()["tasks"])
    words = ["Review", "Draft", "Update", "Check", "Prepare", "Send"]
    things = ["homepage copy", "invoice template", "sprint notes", "brand colours", "client brief", "QA list"]
    with httpx.Client(base_url=box.base_url, auth=auth) as http:
        for i in range(have, total):
            body: dict[str, Any] = {
                "name": f"{words[i % 6]} the {things[(i // 6) % 6]}",
                "tasklist_id": 1 + i % 8,
                "description": "Follow up with the client." if i % 3 == 0 else "",
                "due_date": f"2026-12-{1 + i % 28:02d}",
                "users": [1 + i % 3],
                "priority": (25, 50, 75, 100)[i % 4],
            }
            http.post("tasks", json=body).raise_for_status()


async def tools_list(settings: Settings) -> tuple[int, list[tuple[str, int]]]:
    """(bytes of the whole tools/list answer, [(tool, bytes)]), all as compact JSON."""
    async with Client(build_server(settings), mode="legacy") as client:
        result = await client.list_tools()
    wire = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    per_tool = [(tool["name"], utf8_len(compact(tool))) for tool in wire["tools"]]
    return utf8_len(compact(wire)), per_tool


async def list_text(settings: Settings, arguments: dict[str, Any]) -> tuple[str, list[int]]:
    """The text block of one list_tasks call, and the ids it holds."""
    async with Client(build_server(settings)) as client:
        result = await client.call_tool("list_tasks", arguments)
    if result.is_error or not result.structured_content:
        raise RuntimeError(f"list_tasks failed: {result.content}")
    text: str = result.content[0].text  # type: ignore[union-attr]
    return text, [t["id"] for t in result.structured_content["tasks"]]


async def run() -> list[Row]:
    with sandbox() as box:
        add_tasks(box, RECORDS)
        settings = Settings(api_key=SecretStr(box.api_key), base_url=box.base_url, state_dir=state_dir())
        total, per_tool = await tools_list(settings)
        tasks_total, tasks_tools = await tools_list(settings.model_copy(update={"toolsets": ("tasks",)}))
        text, ids = await list_text(settings, {"limit": RECORDS})
        slim, slim_ids = await list_text(settings, {"limit": RECORDS, "fields": FIELDS})
        response = httpx.get(
            f"{box.base_url}tasks", params={"page": 0, "page_size": RECORDS}, auth=(box.api_key, "X")
        )
        response.raise_for_status()
        paymo = response.json()["tasks"]
    if [t["id"] for t in paymo] != ids or slim_ids != ids:
        raise RuntimeError("list_tasks and the direct GET returned different records")
    average = sum(b for _, b in per_tool) / len(per_tool)
    largest = max(per_tool, key=lambda nb: nb[1])
    floor = utf8_len(compact(paymo)) / len(paymo)
    ours, ours_slim = utf8_len(text) / len(ids), utf8_len(slim) / len(ids)
    return [
        Row(
            "tokens",
            f"tools/list, compact JSON: average per tool ({len(per_tool)} tools)",
            f"{average:.0f} B",
            "—",
            None,
            f"≤ {TOOL_BUDGET} B",
            average <= TOOL_BUDGET,
        ),
        Row(
            "tokens",
            f"  tools/list total; largest tool {largest[0]}",
            f"{total / 1000:.1f} KB; {largest[1]} B",
        ),
        Row(
            "tokens",
            f"  tools/list total with --toolsets tasks ({len(tasks_tools)} tools)",
            f"{tasks_total / 1000:.1f} KB",
        ),
        Row(
            "tokens",
            f"list_tasks text block, bytes per record ({len(ids)} tasks)",
            f"{ours:.0f} B",
            f"{floor:.0f} B (Paymo's own JSON, compact)",
            ours / floor,
            f"≤ {RECORD_TARGET}",
            ours / floor <= RECORD_TARGET,
        ),
        Row(
            "tokens",
            f"  with fields={FIELDS}",
            f"{ours_slim:.0f} B",
            f"{floor:.0f} B (Paymo's own JSON, compact)",
            ours_slim / floor,
        ),
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.parse_args()
    print(table(anyio.run(run)))


if __name__ == "__main__":
    main()
