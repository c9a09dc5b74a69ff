"""Replicas: 50 concurrent tool calls through one replica vs spread over two, in one run (issue 15).

    python bench/replicas.py              # 10 rounds of each, alternating
    python bench/replicas.py --rounds 20

Two `paymo-mcp --transport http --stateless` processes share one throwaway PostgreSQL (durable
settings) and one sandbox process standing in for Paymo. A round is 50 calls started at once:
"one" sends all 50 to replica A; "two" sends 25 to A and 25 to B (what a round-robin balancer
does). Rounds alternate (one, two, two, one, ...) after a warm-up; throughput is 50 / the median
round's wall time, and the ratio two/one is the speed-up. Two kinds of call:
- `get_task` (one Paymo GET per call: the sandbox works as much as the replica),
- `watch_new_tasks` with 50 different watchers (a poll of Paymo plus a take in PostgreSQL).

Where the time goes is measured too: the CPU seconds each process used per call (the replicas, the
sandbox, PostgreSQL's backends, and this client), from /proc. On a 2-core machine the replicas
compete for the same two cores with the sandbox, PostgreSQL and the client that makes the load, so
a second replica adds parallelism only where one replica left a core idle.

Measured on 2 cores (`python bench/replicas.py`, 10 rounds): see the README's "Running several
replicas" for the figures and what they mean.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import httpx
from mcp import Client

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ package

from tests.postgres import PostgresCluster
from tests.replicas import Replica

from _common import Row, free_port, median, sandbox, server_env, table

CONCURRENCY = 50
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes (and their threads) used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def postgres_pids(cluster: PostgresCluster) -> list[int]:
    """The postmaster and its children (the backends serving the replicas' connections)."""
    pid_file = cluster.data / "postmaster.pid"
    master = int(pid_file.read_text().split()[0])
    found = [master]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if ppid == master:
                found.append(int(entry.name))
    return found


async def burst(calls: list[Callable[[], Awaitable[None]]]) -> float:
    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for call in calls:
            tg.start_soon(call)
    return time.perf_counter() - started


async def measure(rounds: int) -> tuple[list[Row], dict[str, dict[str, float]]]:
    with sandbox() as box, PostgresCluster.create(durable=True) as cluster:
        database = await cluster.create_database()
        env = server_env(box.base_url, box.api_key, PAYMO_DATABASE_URL=cluster.url(database))
        logs = Path(os.environ.get("TMPDIR", "/tmp"))
        replicas = [Replica(free_port(), dict(env), logs / f"bench-replica-{i}.log") for i in range(2)]
        for replica in replicas:
            await anyio.to_thread.run_sync(replica.start)
        response = httpx.get(f"{box.base_url}tasks", auth=(box.api_key, "X"))
        ids = [t["id"] for t in response.json()["tasks"]]
        figures: dict[str, dict[str, float]] = {}
        rows: list[Row] = []
        try:
            async with Client(replicas[0].url) as a, Client(replicas[1].url) as b:

                def calls(kind: str, spread: bool) -> list[Callable[[], Awaitable[None]]]:
                    made = []
                    for i in range(CONCURRENCY):
                        client = b if spread and i % 2 else a
                        if kind == "get_task":
                            name, args = "get_task", {"id": ids[i % len(ids)]}
                        else:
                            name, args = "watch_new_tasks", {"watcher": f"w{i}", "limit": 10}

                        async def one(client: Client = client, name: str = name, args: dict = args) -> None:  # type: ignore[type-arg]
                            result = await client.call_tool(name, args)
                            if result.is_error:
                                raise RuntimeError(f"{name} failed: {result.content}")

                        made.append(one)
                    return made

                processes = {
                    "replica A": [replicas[0].process.pid],  # type: ignore[union-attr]
                    "replica B": [replicas[1].process.pid],  # type: ignore[union-attr]
                    "sandbox": [box.proc.pid],
                }
                for kind in ("get_task", "watch_new_tasks"):
                    await burst(calls(kind, False))  # warm-up: connections, imports, new watchers
                    await burst(calls(kind, True))
                    times: dict[str, list[float]] = {"one": [], "two": []}
                    cpu: dict[str, dict[str, float]] = {"one": {}, "two": {}}
                    for r in range(rounds):
                        for setup in ("one", "two") if r % 2 == 0 else ("two", "one"):
                            pg = postgres_pids(cluster)
                            before = {n: cpu_seconds(p) for n, p in processes.items()}
                            before["PostgreSQL"] = cpu_seconds(pg)
                            before["client"] = time.process_time()
                            times[setup].append(await burst(calls(kind, setup == "two")))
                            after = {n: cpu_seconds(p) for n, p in processes.items()}
                            after["PostgreSQL"] = cpu_seconds(pg)
                            after["client"] = time.process_time()
                            for name in before:
                                cpu[setup][name] = cpu[setup].get(name, 0.0) + after[name] - before[name]
                    tp = {s: CONCURRENCY / median(t) for s, t in times.items()}
                    for setup in ("one", "two"):
                        per_call = {n: v / (rounds * CONCURRENCY) for n, v in cpu[setup].items()}
                        figures[f"{kind} {setup}"] = per_call | {"wall": median(times[setup]) / CONCURRENCY}
                    rows.append(
                        Row(
                            "replicas",
                            f"{CONCURRENCY} concurrent {kind}: two replicas vs one ({rounds} rounds)",
                            f"{tp['two']:.0f} calls/s",
                            f"{tp['one']:.0f} calls/s (one replica)",
                            tp["two"] / tp["one"],
                            "—",
                            None,
                        )
                    )
        finally:
            for replica in replicas:
                replica.stop()
            await cluster.drop_database(database)
    return rows, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    rows, figures = anyio.run(measure, args.rounds)
    print(table(rows))
    print(f"\nCPU ms per call, by process ({os.cpu_count()} CPUs; wall = median round / {CONCURRENCY}):")
    names = ["replica A", "replica B", "sandbox", "PostgreSQL", "client"]
    print(f"{'':24}" + "".join(f"{n:>11}" for n in [*names, "sum", "wall", "cores busy"]))
    for key, per_call in figures.items():
        cells = [per_call.get(n, 0.0) * 1000 for n in names]
        wall = per_call["wall"] * 1000
        line = "".join(f"{c:11.2f}" for c in [*cells, sum(cells), wall, sum(cells) / wall])
        print(f"{key:24}{line}")
    print(
        "cores busy = CPU per call (all processes) / wall per call: with one replica, that one process"
        "\n(one core at most: Python runs one thread at a time) is the bottleneck; with two, the machine's"
        f"\n{os.cpu_count()} cores are the limit, shared with the sandbox, PostgreSQL and the client."
    )


if __name__ == "__main__":
    main()
