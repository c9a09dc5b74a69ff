"""Concurrency: 50 concurrent `get_task` calls over streamable HTTP vs 50 concurrent bare httpx GETs.

Ours: `python -m paymo_mcp --transport http --port N` (a subprocess against the sandbox subprocess),
one MCP client (`Client("http://127.0.0.1:N/mcp")`) sending 50 `tools/call` at once. The floor: one
`httpx.AsyncClient` sending the same 50 GETs at once. Rounds alternate (ours, floor, floor, ours, ...)
after a warm-up round each; throughput is 50 / the median round's wall time. Target: ratio >= 0.7.

Connection reuse is counted on the sandbox's side (`sandbox_proc.PeerCounter`: distinct peer
address:port pairs per User-Agent), so it is what the server's shared Paymo client really opened.
Target: after the first round, no new connections (the pool is reused).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import anyio
import httpx
from mcp import Client

from _common import (
    SERVER_CMD,
    Row,
    SandboxProcess,
    free_port,
    median,
    sandbox,
    server_env,
    table,
    wait_for_port,
)

TARGET = 0.7
HERE = Path(__file__).parent
CONCURRENCY = 50


def task_ids(box: SandboxProcess) -> list[int]:
    response = httpx.get(f"{box.base_url}tasks", auth=(box.api_key, "X"))
    response.raise_for_status()
    return [t["id"] for t in response.json()["tasks"]]


async def burst(
    call: Callable[[int], Coroutine[Any, Any, Any]], ids: list[int], n: int = CONCURRENCY
) -> float:
    """Wall time of `n` calls started at once."""
    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for i in range(n):
            tg.start_soon(call, ids[i % len(ids)])
    return time.perf_counter() - started


def connections(box: SandboxProcess, agent_prefix: str) -> tuple[int, int]:
    """(connections, requests) the sandbox saw from clients whose User-Agent starts with the prefix."""
    found = [v for k, v in box.peers()["by_agent"].items() if k.startswith(agent_prefix)]
    return sum(v["connections"] for v in found), sum(v["requests"] for v in found)


async def run(rounds: int = 10) -> list[Row]:
    with sandbox() as box:
        ids = task_ids(box)
        port, sdk_port = free_port(), free_port()
        env = server_env(box.base_url, box.api_key)
        cmd = [*SERVER_CMD, "--transport", "http", "--port", str(port)]
        server = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
        sdk_cmd = [sys.executable, str(HERE / "sdk_http_server.py"), str(sdk_port)]
        sdk_server = subprocess.Popen(sdk_cmd, env=env, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, server)
            wait_for_port(sdk_port, sdk_server)
            box.peers(reset=True)
            async with (
                Client(f"http://127.0.0.1:{port}/mcp") as mcp,
                Client(f"http://127.0.0.1:{sdk_port}/mcp") as sdk_mcp,
                httpx.AsyncClient(base_url=box.base_url, auth=(box.api_key, "X")) as http,
            ):

                async def ours(task_id: int) -> None:
                    result = await mcp.call_tool("get_task", {"id": task_id})
                    if result.is_error:
                        raise RuntimeError(f"get_task failed: {result.content}")

                async def sdk(task_id: int) -> None:
                    result = await sdk_mcp.call_tool("get_task", {"id": task_id})
                    if result.is_error:
                        raise RuntimeError(f"the SDK floor's get_task failed: {result.content}")

                async def floor(task_id: int) -> None:
                    response = await http.get(f"tasks/{task_id}")
                    response.raise_for_status()
                    response.json()

                await burst(ours, ids)  # warm-up: session, connections, lazy imports
                after_first, _ = connections(box, "paymo-mcp")
                await burst(sdk, ids)
                await burst(floor, ids)
                times: dict[str, list[float]] = {"ours": [], "sdk": [], "floor": []}
                order = (("ours", ours), ("sdk", sdk), ("floor", floor))
                for r in range(rounds):
                    for name, fn in order[:: 1 if r % 2 == 0 else -1]:
                        times[name].append(await burst(fn, ids))
        finally:
            for proc in (server, sdk_server):
                proc.terminate()
                proc.wait(timeout=10)
        opened, sent = connections(box, "paymo-mcp")
        floor_opened, floor_sent = connections(box, "python-httpx")
    tp = {name: CONCURRENCY / median(t) for name, t in times.items()}
    return [
        Row(
            "concurrency",
            f"{CONCURRENCY} concurrent get_task over streamable HTTP: throughput (median of {rounds} rounds)",
            f"{tp['ours']:.0f} calls/s",
            f"{tp['floor']:.0f} GETs/s (bare httpx)",
            tp["ours"] / tp["floor"],
            f"≥ {TARGET}",
            tp["ours"] / tp["floor"] >= TARGET,
        ),
        Row(
            "concurrency",
            "  same calls to a 1-tool MCPServer over HTTP (the SDK's own share)",
            f"{tp['sdk']:.0f} calls/s",
            f"{tp['floor']:.0f} GETs/s (bare httpx)",
            tp["sdk"] / tp["floor"],
            "—",
            None,
        ),
        Row(
            "concurrency",
            "connections the server's Paymo client opened to the sandbox (counted by the sandbox)",
            f"{opened} for {sent} requests, {opened - after_first} after round 1",
            f"{floor_opened} for {floor_sent} (bare httpx)",
            None,
            "0 new after round 1",
            opened == after_first,
        ),
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=10)
    print(table(anyio.run(run, p.parse_args().rounds)))


if __name__ == "__main__":
    main()
