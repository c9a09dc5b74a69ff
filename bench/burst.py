"""Burst under a rate limit (issue 6): N tool calls at once against a sandbox limited to L requests / P s.

The server's pacer reads X-Ratelimit-Limit / -Remaining / -Decay-Period and spends the budget window by
window, so the burst should finish with zero errors and zero 429s in about the ideal N / L * P seconds.

    python bench/burst.py                          # 200 calls, 20 requests / 5 s: ideal 50 s
    python bench/burst.py --calls 30 --limit 10 --period 1
    python bench/burst.py --calls 60 --limit 10 --period 1 --busy   # with a spinning process beside it

Each call is a read tool that makes exactly one Paymo request (a mix of get_me, get_project, list_clients
and get_task), all started at the same moment through one in-process MCP session. The figures: elapsed
time against the ideal (and against the floor of a fixed window, which opens with its first request, so
the last of the N / L windows opens (N / L - 1) * P s in), tool errors, and the 429s the sandbox logged.
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import time
from typing import Any

import anyio
import httpx
from mcp import Client
from pydantic import SecretStr

from paymo_mcp.config import Settings
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server

CALLS: list[tuple[str, dict[str, Any]]] = [
    ("get_me", {}),
    ("get_project", {"id": 1}),
    ("list_clients", {"limit": 5}),
    ("get_task", {"id": 2}),
]


async def burst(sandbox: SandboxServer, calls: int, limit: int, period: float) -> dict[str, Any]:
    control = sandbox.base_url.replace("/api/", "/__sandbox/")
    httpx.post(control + "reset", json={}).raise_for_status()
    httpx.post(control + "rate_limit", json={"limit": limit, "period_s": period}).raise_for_status()
    settings = Settings(api_key=SecretStr(sandbox.api_key), base_url=sandbox.base_url, confirm_deletes=False)
    errors: list[str] = []
    async with Client(build_server(settings)) as client:

        async def one(tool: str, arguments: dict[str, Any]) -> None:
            result = await client.call_tool(tool, arguments)
            if result.is_error:
                errors.append(" ".join(getattr(b, "text", "") for b in result.content))

        started = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for tool, arguments in itertools.islice(itertools.cycle(CALLS), calls):
                tg.start_soon(one, tool, arguments)
        elapsed = time.perf_counter() - started
    log = httpx.get(control + "requests").json()
    return {
        "elapsed": elapsed,
        "ideal": calls / limit * period,
        # A fixed window opens with its first request: the last window opens (windows - 1) * P in.
        "floor": (-(-calls // limit) - 1) * period,
        "errors": errors,
        "requests": len(log),
        "429s": sum(1 for r in log if r["status"] == 429),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--limit", type=int, default=20, help="sandbox requests per window")
    parser.add_argument("--period", type=float, default=5.0, help="sandbox window, seconds")
    parser.add_argument(
        "--busy", action="store_true", help="keep a CPU-bound process running beside it (a loaded machine)"
    )
    args = parser.parse_args()
    spinner = subprocess.Popen([sys.executable, "-c", "while 1: pass"]) if args.busy else None
    try:
        with SandboxServer() as sandbox:
            figures = anyio.run(burst, sandbox, args.calls, args.limit, args.period)
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
    ratio = figures["elapsed"] / figures["ideal"]
    print(
        f"burst: {args.calls} tool calls at {args.limit} requests / {args.period:g} s: "
        f"{figures['elapsed']:.1f} s (ideal {figures['ideal']:.1f} s, x{ratio:.2f}; "
        f"fixed-window floor {figures['floor']:.1f} s), "
        f"{len(figures['errors'])} errors, {figures['429s']} x 429 "
        f"in {figures['requests']} requests to the sandbox" + (" (one core kept busy)" if args.busy else "")
    )
    for error in figures["errors"][:3]:
        print(f"  error: {error[:200]}", file=sys.stderr)
    return 0 if not figures["errors"] and not figures["429s"] else 1


if __name__ == "__main__":
    sys.exit(main())
