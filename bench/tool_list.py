"""Tool-list size: what every model pays on every turn, in bytes of compact JSON.

Prints the model-visible part of the default server's tool list (names, descriptions and input
schemas: what a client hands the model), the whole `tools/list` answer (output schemas and
annotations too), and the model-visible size of each role preset (`--toolsets timesheet|pm|billing`).
Run: `python bench/tool_list.py`. No Paymo is contacted: listing tools needs none.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
from mcp import Client
from pydantic import SecretStr

from paymo_mcp.config import PRESETS, Settings, parse_toolsets
from paymo_mcp.server.app import build_server

VISIBLE = ("name", "description", "inputSchema")


def size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


async def measure(toolsets: str | None = None) -> tuple[int, int, int]:
    """(model-visible bytes, whole tools/list bytes, number of tools) of a server with these toolsets."""
    extra = {"toolsets": parse_toolsets(toolsets)} if toolsets else {}
    settings = Settings(api_key=SecretStr("bench-key"), base_url="http://127.0.0.1:1/api/", **extra)
    async with Client(build_server(settings)) as client:
        result = await client.list_tools()
    wire = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    visible = sum(size({k: t[k] for k in VISIBLE if k in t}) for t in wire["tools"])
    return visible, size(wire), len(wire["tools"])


async def main() -> None:
    visible, whole, count = await measure()
    print(f"default       {visible:>7,} bytes model-visible  {count:>2} tools")
    print(f"tools/list    {whole:>7,} bytes (whole answer, default toolsets)")
    for preset in PRESETS:
        visible, _, count = await measure(preset)
        toolsets = ",".join(PRESETS[preset])
        print(f"{preset:<13} {visible:>7,} bytes model-visible  {count:>2} tools  ({toolsets})")


if __name__ == "__main__":
    anyio.run(main)
