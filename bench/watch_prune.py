"""Watch store size (issue 11): the SQLite file after 100,000 deliveries, and after the scheduled prune.

    python bench/watch_prune.py                 # 100,000 task-like records taken by one watcher
    python bench/watch_prune.py --records 20000 --watchers 2

A fake clock puts the deliveries 8 days in the past before pruning, so the 7-day retention lets
them go. Also printed: a take's time with every delivery still retained (what resuming costs), and
opening the file (its schema and quick_check run at start).
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

import anyio

from paymo_mcp.watch import SqliteWatchStore
from paymo_mcp.watch.retention import prune_expired

DAY = 86400.0


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def size(path: Path) -> int:
    """The database and its WAL, after a checkpoint folds the WAL in."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


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


async def main(records: int, watchers: int) -> None:
    with tempfile.TemporaryDirectory(prefix="paymo-watch-bench-") as tmp:
        path = Path(tmp) / "watch.sqlite3"
        clock = Clock()
        store = SqliteWatchStore(path, clock=clock)
        names = [f"w{n}" for n in range(watchers)]
        for name in names:
            await store.take("tasks", name, 0)
        clock.now += 1
        for start in range(1, records + 1, 1000):
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(clock.now))
            batch = [record(i, stamp) for i in range(start, min(start + 1000, records + 1))]
            await store.add_events("tasks", batch)
            for name in names:
                while (await store.take("tasks", name, 500)).records:
                    pass
        deliveries = records * watchers
        full = size(path)
        started = time.perf_counter()
        takes = 20
        for _ in range(takes):
            await store.take("tasks", names[0], 50)
        take_ms = (time.perf_counter() - started) / takes * 1000
        await store.aclose()
        started = time.perf_counter()
        store = SqliteWatchStore(path, clock=clock)
        open_ms = (time.perf_counter() - started) * 1000
        clock.now += 8 * DAY
        started = time.perf_counter()
        dropped = await prune_expired(store, clock())
        prune_s = time.perf_counter() - started
        await store.aclose()
        pruned = size(path)
        store = SqliteWatchStore(path, clock=clock)
        started = time.perf_counter()
        for _ in range(takes):
            await store.take("tasks", names[0], 50)
        take_after_ms = (time.perf_counter() - started) / takes * 1000
        await store.aclose()
    print(f"deliveries: {deliveries:,} ({records:,} records x {watchers} watcher(s))")
    print(f"file after the deliveries: {full / 1e6:.1f} MB ({full / deliveries:.0f} bytes per delivery)")
    print(
        f"file after the prune:      {pruned / 1e6:.1f} MB ({pruned / records:.0f} bytes per record id kept)"
    )
    print(f"payloads dropped: {dropped:,} in {prune_s:.2f} s")
    print(
        f"an empty take, all deliveries retained: {take_ms:.1f} ms; after the prune: {take_after_ms:.2f} ms"
    )
    print(f"opening the full file (schema check + quick_check): {open_ms:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--watchers", type=int, default=1)
    args = parser.parse_args()
    anyio.run(main, args.records, args.watchers)
