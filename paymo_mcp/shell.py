"""`paymo-mcp tools` and `paymo-mcp call`: the server's tools from a shell, through a real MCP session."""

from __future__ import annotations

import json
import sys
from typing import Any

import anyio
from mcp import Client
from mcp.shared.exceptions import MCPError

from paymo_mcp.config import Settings


def _one_line(text: str | None, width: int = 88) -> str:
    first = (text or "").strip().split("\n")[0]
    return first if len(first) <= width else first[: width - 1] + "…"


async def _list(settings: Settings) -> int:
    from paymo_mcp.server.app import build_server

    async with Client(build_server(settings)) as client:
        tools = (await client.list_tools()).tools
    width = max(len(t.name) for t in tools)
    for tool in tools:
        print(f"{tool.name:<{width}}  {_one_line(tool.description)}")
    return 0


async def _call(settings: Settings, name: str, raw: str) -> int:
    from paymo_mcp.server.app import build_server

    try:
        arguments: Any = json.loads(raw) if raw.strip() else {}
    except ValueError as exc:
        print(f"paymo-mcp: the arguments are not JSON: {exc}", file=sys.stderr)
        return 2
    if not isinstance(arguments, dict):
        print("paymo-mcp: the arguments must be a JSON object", file=sys.stderr)
        return 2
    try:
        async with Client(build_server(settings)) as client:
            result = await client.call_tool(name, arguments)
    except MCPError as exc:  # a protocol error (not a tool error): still one line, exit code 1
        print(f"paymo-mcp: {name}: {exc.message}", file=sys.stderr)
        return 1
    if result.is_error:
        text = " ".join(getattr(block, "text", "") for block in result.content)
        print(" ".join(text.split()), file=sys.stderr)  # one line, whatever the tool wrote
        return 1
    if result.structured_content is not None:
        print(json.dumps(result.structured_content, indent=2, ensure_ascii=False))
    else:
        print("\n".join(getattr(block, "text", "") for block in result.content))
    return 0


def list_tools(settings: Settings) -> int:
    return anyio.run(_list, settings)


def call_tool(settings: Settings, name: str, raw_arguments: str) -> int:
    return anyio.run(_call, settings, name, raw_arguments)
