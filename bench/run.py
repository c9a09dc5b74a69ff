"""Run every benchmark and print one table: each figure, its floor, the ratio, the target, pass/fail.

    python bench/run.py                      # all of them (a minute or two on 2 cores)
    python bench/run.py --only per_call      # one (repeat --only, or comma-separate, for several)

Benchmarks: cold_start, per_call, concurrency, scale, tokens (one module each, in this directory;
each also runs alone: `python bench/<name>.py --help`). Ratios are measured within one run, so a
noisy machine moves ours and the floor alike. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio

import cold_start
import concurrency
import per_call
import scale
import tokens
from _common import Row, table

BENCHMARKS: dict[str, Callable[[], Awaitable[list[Row]]]] = {
    "cold_start": cold_start.run,
    "per_call": per_call.run,
    "concurrency": concurrency.run,
    "scale": scale.run,
    "tokens": tokens.run,
}


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {platform.system()}"


async def run_all(names: list[str]) -> list[Row]:
    rows: list[Row] = []
    for name in names:
        started = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            rows += await BENCHMARKS[name]()
        except Exception:
            traceback.print_exc()
            rows.append(Row(name, "the benchmark failed (traceback above)", "error", passed=False))
        print(f"  {name}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", action="append", default=[], help=f"run only these: {', '.join(BENCHMARKS)}")
    args = p.parse_args()
    names = [n.strip() for arg in args.only for n in arg.split(",") if n.strip()] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        p.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    started = time.perf_counter()
    rows = anyio.run(run_all, names)
    print(table(rows))
    print(
        f"\n{datetime.date.today()}, {machine()}; `python bench/run.py"
        f"{''.join(f' --only {n}' for n in args.only)}` took {time.perf_counter() - started:.0f} s"
    )
    return 0 if all(r.passed is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
