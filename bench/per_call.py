"""Per-call overhead: `get_task` through MCP vs the same GET with a bare httpx.AsyncClient; medians.

The sandbox (`sandbox_proc.py`, its own process, rate limit raised) answers every contender:
- ours, in process: `Client(build_server(settings))` (the SDK's default, direct in-process dispatch);
  target: median ratio <= 1.3; also as a legacy session (initialize, JSON-RPC over memory streams);
- the SDK's own share: a one-tool MCPServer whose tool is the bare GET, through the same Client;
- ours over stdio: `python -m paymo_mcp` spawned by the SDK's stdio client; the ratio is reported.
The floor: `httpx.AsyncClient(base_url, auth).get("tasks/<id>")` and `.json()`, one keep-alive
connection, the same ids. Calls run in blocks of 50 per contender, the order rotating each round,
after a warm-up; each figure is the median of N single-call latencies.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
from mcp import Client, StdioServerParameters
from mcp.server.mcpserver import MCPServer
from pydantic import SecretStr

from paymo_mcp.config import Settings
from paymo_mcp.server.app import build_server

from _common import SERVER_CMD, Row, SandboxProcess, median, ms, sandbox, server_env, state_dir, table

TARGET = 1.3
BLOCK = 50
Call = Callable[[int], Awaitable[Any]]


def task_ids(box: SandboxProcess) -> list[int]:
    response = httpx.get(f"{box.base_url}tasks", auth=(box.api_key, "X"))
    response.raise_for_status()
    return [t["id"] for t in response.json()["tasks"]]


async def interleaved(contenders: dict[str, Call], ids: list[int], calls: int) -> dict[str, list[float]]:
    """Per-call latencies of each contender: blocks of BLOCK calls in turn, the order rotating per round."""
    names = list(contenders)
    for i in range(20):  # warm-up: connections, caches, lazy imports
        for name in names:
            await contenders[name](ids[i % len(ids)])
    times: dict[str, list[float]] = {name: [] for name in names}
    for block, start in enumerate(range(0, calls, BLOCK)):
        for name in names[block % len(names) :] + names[: block % len(names)]:
            fn = contenders[name]
            for i in range(start, min(start + BLOCK, calls)):
                started = time.perf_counter()
                await fn(ids[i % len(ids)])
                times[name].append(time.perf_counter() - started)
    return times


def bare_get(http: httpx.AsyncClient) -> Call:
    async def get(task_id: int) -> Any:
        response = await http.get(f"tasks/{task_id}")
        response.raise_for_status()
        return response.json()["tasks"][0]

    return get


def mcp_get(client: Client) -> Call:
    async def get(task_id: int) -> Any:
        result = await client.call_tool("get_task", {"id": task_id})
        if result.is_error or not result.structured_content:
            raise RuntimeError(f"get_task failed: {result.content}")
        return result.structured_content

    return get


def sdk_floor(http: httpx.AsyncClient) -> MCPServer:
    """The SDK's own share: a one-tool MCPServer whose tool is the bare GET (no schemas, no checks)."""
    server = MCPServer("sdk-floor")
    get = bare_get(http)

    @server.tool()
    async def get_task(id: int) -> dict[str, Any]:
        """Get one task by id."""
        result: dict[str, Any] = await get(id)
        return result

    return server


async def run(calls: int = 500) -> list[Row]:
    rows = []
    with sandbox() as box:
        ids = task_ids(box)
        async with httpx.AsyncClient(base_url=box.base_url, auth=(box.api_key, "X")) as http:
            floor = bare_get(http)
            settings = Settings(
                api_key=SecretStr(box.api_key),
                base_url=box.base_url,
                state_dir=state_dir(),
            )
            ours_server = build_server(settings)
            # The SDK sets the root logger to INFO; build_server quiets httpx, and so must the SDK floor.
            logging.getLogger("httpx").setLevel(logging.WARNING)
            async with (
                Client(ours_server) as ours,
                Client(build_server(settings), mode="legacy") as ours_legacy,
                Client(sdk_floor(http)) as sdk,
            ):
                contenders = {
                    "ours": mcp_get(ours),
                    "legacy": mcp_get(ours_legacy),
                    "sdk": mcp_get(sdk),
                    "floor": floor,
                }
                times = await interleaved(contenders, ids, calls)
            o, f, s, leg = (median(times[k]) for k in ("ours", "floor", "sdk", "legacy"))
            bare = f"{ms(f)} (bare httpx GET)"
            rows += [
                Row(
                    "per call",
                    f"get_task, in-process Client(server), median of {calls}",
                    ms(o),
                    bare,
                    o / f,
                    f"≤ {TARGET}",
                    o / f <= TARGET,
                ),
                Row("per call", "  same GET as a 1-tool MCPServer (the SDK's own share)", ms(s), bare, s / f),
                Row(
                    "per call",
                    "  get_task, in-process legacy session (JSON-RPC streams)",
                    ms(leg),
                    bare,
                    leg / f,
                ),
            ]
            params = StdioServerParameters(
                command=SERVER_CMD[0], args=SERVER_CMD[1:], env=server_env(box.base_url, box.api_key)
            )
            async with Client(params, mode="legacy") as stdio:
                times = await interleaved({"ours": mcp_get(stdio), "floor": floor}, ids, calls)
            o, f = median(times["ours"]), median(times["floor"])
            rows.append(
                Row(
                    "per call",
                    f"get_task over stdio (subprocess), median of {calls}",
                    ms(o),
                    f"{ms(f)} (bare httpx GET)",
                    o / f,
                )
            )
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=500)
    print(table(anyio.run(run, p.parse_args().calls)))


if __name__ == "__main__":
    main()
