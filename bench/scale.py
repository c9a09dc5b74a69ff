"""Scale: `list_tasks` with limit=2500 over an account of 20,000 tasks.

The sandbox subprocess holds exactly 20,000 tasks (`Sandbox.bulk_insert`). The server runs as
`python -m paymo_mcp` on stdio, so its memory is its own: peak RSS is the kernel's high-water mark
(`VmHWM` in /proc/<pid>/status), against its resident size once idle after `tools/list`.

- time: median of N `list_tasks(limit=2500)` calls, against the floor of fetching the same pages
  (same page size) with a bare httpx client and decoding them; calls alternate with the floor's.
- pages: the sandbox's request log must show exactly ceil(2500 / page_size) GETs of /api/tasks,
  pages 0, 1, ... in order, each with the same page_size: only the needed pages were fetched.
"""

from __future__ import annotations

import argparse
import math
import time
from typing import Any
from urllib.parse import parse_qs

import anyio
import httpx
from mcp import Client, StdioServerParameters

from _common import SERVER_CMD, Row, child_pids, kib, median, ms, proc_status, sandbox, server_env, table

TASKS = 20_000
LIMIT = 2500


def task_pages(log: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(page, page_size) of every GET /api/tasks in the sandbox's request log."""
    pages = []
    for entry in log:
        if entry["method"] == "GET" and entry["path"].rstrip("/") == "/api/tasks":
            query = parse_qs(entry["query"])
            pages.append((int(query["page"][0]), int(query["page_size"][0])))
    return pages


async def run(calls: int = 5) -> list[Row]:
    with sandbox(bulk_tasks=TASKS) as box:
        params = StdioServerParameters(
            command=SERVER_CMD[0], args=SERVER_CMD[1:], env=server_env(box.base_url, box.api_key)
        )
        async with (
            Client(params, mode="legacy") as client,
            httpx.AsyncClient(base_url=box.base_url, auth=(box.api_key, "X"), timeout=60) as http,
        ):
            await client.list_tools()
            (pid,) = child_pids("paymo_mcp")
            idle = kib(proc_status(pid)["VmRSS"])
            ours_t, floor_t, fetched, counts = [], [], [], []
            for _ in range(calls):
                box.requests_log(clear=True)
                started = time.perf_counter()
                result = await client.call_tool("list_tasks", {"limit": LIMIT})
                ours_t.append(time.perf_counter() - started)
                if result.is_error or not result.structured_content:
                    raise RuntimeError(f"list_tasks failed: {result.content}")
                counts.append(result.structured_content["count"])
                fetched.append(task_pages(box.requests_log()))
                size = fetched[-1][0][1]
                started = time.perf_counter()
                for page in range(math.ceil(LIMIT / size)):
                    response = await http.get("tasks", params={"page": page, "page_size": size})
                    response.raise_for_status()
                    response.json()
                floor_t.append(time.perf_counter() - started)
            status = proc_status(pid)
    peak = kib(status["VmHWM"])
    size = fetched[0][0][1]
    needed = math.ceil(LIMIT / size)
    exact = all(pages == [(p, size) for p in range(needed)] for pages in fetched)
    got = ", ".join(str(len(p)) for p in fetched)
    o, f = median(ours_t), median(floor_t)
    return [
        Row(
            "scale",
            f"list_tasks limit={LIMIT} of {TASKS:,} tasks, stdio: time (median of {calls})",
            ms(o),
            f"{ms(f)} (bare httpx, same {needed} pages)",
            o / f,
        ),
        Row(
            "scale",
            "  server peak RSS (VmHWM) over those calls",
            f"{peak / 1024:.0f} MB",
            f"{idle / 1024:.0f} MB (idle, after tools/list)",
            peak / idle,
        ),
        Row(
            "scale",
            f"  Paymo requests per call (records returned: {', '.join(map(str, set(counts)))})",
            f"{got} GETs, page_size={size}",
            f"ceil({LIMIT}/{size}) = {needed}",
            None,
            f"= {needed}, pages 0..{needed - 1}",
            exact and set(counts) == {LIMIT},
        ),
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=5)
    print(table(anyio.run(run, p.parse_args().calls)))


if __name__ == "__main__":
    main()
