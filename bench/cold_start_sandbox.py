"""Cold start of the zero-setup path: spawn `paymo-mcp --sandbox` on stdio, initialize, tools/list answered.

`python bench/cold_start_sandbox.py [--runs N]` prints the median and the minimum. No floor: it is the
time a newcomer waits, embedded sandbox (uvicorn, SQLite, seeding) included.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import anyio
from mcp import Client, StdioServerParameters


async def once() -> tuple[float, int]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}
    params = StdioServerParameters(command=sys.executable, args=["-m", "paymo_mcp", "--sandbox"], env=env)
    started = time.perf_counter()
    async with Client(params, mode="legacy") as client:
        count = len((await client.list_tools()).tools)
    return time.perf_counter() - started, count


async def measure(runs: int) -> None:
    results = [await once() for _ in range(runs)]
    times = [t for t, _ in results]
    print(
        f"paymo-mcp --sandbox: stdio spawn -> initialize -> tools/list ({results[0][1]} tools): "
        f"median {statistics.median(times) * 1000:.0f} ms, min {min(times) * 1000:.0f} ms, {runs} runs"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=7)
    anyio.run(measure, p.parse_args().runs)


if __name__ == "__main__":
    main()
