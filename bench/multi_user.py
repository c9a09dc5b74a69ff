"""What multi-user mode costs per call: the same calls through a single-user and a multi-user server,
in one run, as a ratio (issue 16).

    python bench/multi_user.py               # 200 rounds
    python bench/multi_user.py --rounds 400

Two `paymo-mcp --transport http` processes share one sandbox process standing in for Paymo: one
single-user (`--auth-token`, the server's key), one `--multi-user` (SQLite OAuth store; the person
signed in through the real OAuth flow). Each round makes the same call on both, alternating which goes
first, over one MCP session each; the figure is the median of the rounds. The multi-user server looks
the access token up in its store (two reads, one Fernet decryption each) on every request, and runs
the call with the person's own client. Calls:
- `tools/list` (no Paymo call: what the token check alone adds),
- `get_task` (one Paymo GET per call).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

import anyio
import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ package

from tests.oauth_flow import tokens_for

from _common import SERVER_CMD, Row, free_port, median, sandbox, server_env, table, wait_for_port

SECRET = "bench-multi-user-secret-2b8e"
TOKEN = "bench-bearer-token"


@asynccontextmanager
async def session(url: str, token: str) -> AsyncIterator[Client]:
    http = httpx2.AsyncClient(headers={"authorization": f"Bearer {token}"}, timeout=60)
    async with Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client:
        yield client


def spawn(args: list[str], env: dict[str, str], port: int) -> subprocess.Popen[str]:
    command = [*SERVER_CMD, "--transport", "http", "--port", str(port), *args]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for_port(port, proc)
    return proc


async def seconds(call: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


async def measure(rounds: int) -> list[Row]:
    rows: list[Row] = []
    with sandbox() as box:
        single_port, multi_port = free_port(), free_port()
        single = spawn(["--auth-token", TOKEN], server_env(box.base_url), single_port)
        multi_url = f"http://127.0.0.1:{multi_port}"
        multi_env = server_env(box.base_url, PAYMO_MCP_SECRET=SECRET, PAYMO_MCP_PUBLIC_URL=multi_url)
        del multi_env["PAYMO_API_KEY"]  # multi-user mode has no server key
        multi = spawn(["--multi-user"], multi_env, multi_port)
        try:
            with httpx.Client(timeout=60) as http:
                access = tokens_for(http, multi_url, box.api_key)[1]["access_token"]
            async with (
                session(f"http://127.0.0.1:{single_port}", TOKEN) as one,
                session(multi_url, access) as many,
            ):
                calls: dict[str, Callable[[Client], Awaitable[object]]] = {
                    "tools/list": lambda c: c.list_tools(),
                    "get_task (one Paymo GET)": lambda c: c.call_tool("get_task", {"id": 1}),
                }
                for name, call in calls.items():
                    times: dict[str, list[float]] = {"single": [], "multi": []}
                    for _ in range(10):  # warm up: connections, caches, the person's client
                        await call(one)
                        await call(many)
                    for n in range(rounds):
                        order = [("single", one), ("multi", many)]
                        for label, client in order if n % 2 else reversed(order):
                            times[label].append(await seconds(partial(call, client)))
                    s, m = median(times["single"]), median(times["multi"])
                    figure = f"{name}: multi-user (floor: single-user)"
                    rows.append(Row("multi_user", figure, f"{m * 1000:.2f} ms", f"{s * 1000:.2f} ms", m / s))
        finally:
            for proc in (single, multi):
                proc.terminate()
                proc.wait(timeout=10)
    return rows


async def run() -> list[Row]:
    return await measure(200)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    print(table(anyio.run(measure, args.rounds)))


if __name__ == "__main__":
    main()
