"""The cost of the watch store's calls on PostgreSQL vs SQLite, in one run, as a ratio (issue 15).

    python bench/watch_take_backends.py                 # a throwaway durable cluster on a free port
    python bench/watch_take_backends.py --rounds 400

Both stores are as durable as they are in production: SQLite with synchronous=FULL (WAL), PostgreSQL
with fsync and synchronous_commit on, over TCP on 127.0.0.1 (a real deployment adds the network's
round trips: a take is five of them, BEGIN to COMMIT). Measured, each the median of `--rounds` calls:
- an empty take (nothing new: what most polling watchers get),
- a take of 10 records from a backlog,
- add_events of 100 new records (a catch-up page; a webhook delivery is add_events of 1),
- add_events of 1 record.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ package

from tests.postgres import PostgresCluster

from paymo_mcp.watch import SqliteWatchStore, WatchStore
from paymo_mcp.watch.postgres_store import PostgresWatchStore


def record(i: int, created_on: str) -> dict[str, object]:
    return {
        "id": i,
        "name": f"Task {i}: follow up with the client about the quarterly report",
        "project_id": 1 + i % 40,
        "tasklist_id": 1 + i % 200,
        "user_id": 1 + i % 12,
        "complete": False,
        "billable": True,
        "description": "<p>Details of the task, as Paymo sends them.</p>",
        "due_date": "2026-12-01",
        "created_on": created_on,
        "updated_on": created_on,
    }


async def median_ms(rounds: int, call: Callable[[int], Awaitable[object]]) -> float:
    times = []
    for n in range(rounds):
        started = time.perf_counter()
        await call(n)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


async def measure(store: WatchStore, rounds: int) -> dict[str, float]:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 5))
    next_id = 1

    def new(count: int) -> list[dict[str, object]]:
        nonlocal next_id
        batch = [record(i, stamp) for i in range(next_id, next_id + count)]
        next_id += count
        return batch

    await store.take("tasks", "idle", 0)
    await store.take("tasks", "busy", 0)
    await store.add_events("tasks", new(100))  # warm up: connections, statements, pages
    while (await store.take("tasks", "idle", 500)).records:
        pass
    figures = {"empty take": await median_ms(rounds, lambda n: store.take("tasks", "idle", 10))}
    await store.add_events("tasks", new(10 * rounds))
    while (await store.take("tasks", "idle", 500)).records:
        pass
    figures["take of 10 (backlog)"] = await median_ms(rounds, lambda n: store.take("tasks", "busy", 10))
    figures["add_events of 100"] = await median_ms(rounds, lambda n: store.add_events("tasks", new(100)))
    figures["add_events of 1"] = await median_ms(rounds, lambda n: store.add_events("tasks", new(1)))
    return figures


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="paymo-watch-bench-") as tmp:
        sqlite = SqliteWatchStore(Path(tmp) / "watch.sqlite3")
        try:
            lite = await measure(sqlite, rounds)
        finally:
            await sqlite.aclose()
    with PostgresCluster.create(durable=True) as cluster:
        postgres = PostgresWatchStore(cluster.url(await cluster.create_database()))
        try:
            pg = await measure(postgres, rounds)
        finally:
            await postgres.aclose()
    print(f"{'median of ' + str(rounds):<24} {'SQLite ms':>10} {'PostgreSQL ms':>14} {'PG / SQLite':>12}")
    for name in lite:
        print(f"{name:<24} {lite[name]:>10.2f} {pg[name]:>14.2f} {pg[name] / lite[name]:>11.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    anyio.run(main, parser.parse_args().rounds)
