"""Several takers at once (tasks, threads, store instances, processes) never get the same record twice."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import anyio
import pytest

from paymo_mcp.watch import SqliteWatchStore, WatchStore
from tests.watch.backends import StoreBackend
from tests.watch.watch_records import MakeRecord, make_record

pytestmark = pytest.mark.anyio


async def drain_ids(store: WatchStore, watcher: str, limit: int) -> list[int]:
    ids: list[int] = []
    while records := (await store.take("tasks", watcher, limit)).records:
        ids += [r["id"] for r in records]
    return ids


def take_in_threads(
    stores: list[WatchStore], watcher: str, limit: int, close: bool = False
) -> list[list[int]]:
    """Each store drains the watcher from its own thread (and event loop), all starting together;
    with `close`, each store is closed in its thread (a PostgreSQL pool lives on its event loop)."""
    results: list[list[int]] = [[] for _ in stores]
    barrier = threading.Barrier(len(stores))

    async def drain_and_close(store: WatchStore) -> list[int]:
        try:
            return await drain_ids(store, watcher, limit)
        finally:
            if close:
                await store.aclose()

    def worker(index: int) -> None:
        barrier.wait()
        results[index] = anyio.run(drain_and_close, stores[index])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def assert_split_exactly(parts: list[list[int]], expected: list[int]) -> None:
    every = [i for part in parts for i in part]
    assert sorted(every) == expected  # none lost, none twice
    for part in parts:
        assert part == sorted(part)  # each taker still sees oldest first


async def test_concurrent_takes_from_threads_on_one_store(
    sqlite_store: SqliteWatchStore, rec: MakeRecord
) -> None:
    store = sqlite_store  # one instance used from two event loops: SQLite's threads allow it
    await store.take("tasks", "w", 0)
    await store.add_events("tasks", [rec(i, i) for i in range(1, 401)])
    parts = take_in_threads([store, store], "w", 3)
    assert_split_exactly(parts, list(range(1, 401)))


async def test_concurrent_takes_from_threads_on_two_store_instances(
    backend: StoreBackend, rec: MakeRecord
) -> None:
    setup = backend.open()
    await setup.take("tasks", "w", 0)
    await setup.add_events("tasks", [rec(i, i) for i in range(1, 401)])
    parts = take_in_threads([backend.open(), backend.open()], "w", 3, close=True)
    assert_split_exactly(parts, list(range(1, 401)))


async def test_concurrent_takes_and_adds_in_one_event_loop(store: WatchStore) -> None:
    await store.take("tasks", "w", 0)
    taken: list[int] = []

    async def produce(start: int) -> None:
        for i in range(start, start + 100, 5):
            await store.add_events("tasks", [make_record(j) for j in range(i, i + 5)])

    async def consume() -> None:
        for _ in range(200):
            taken.extend(r["id"] for r in (await store.take("tasks", "w", 4)).records)

    async with anyio.create_task_group() as tg:
        for start in (1, 101, 201):
            tg.start_soon(produce, start)
        for _ in range(3):
            tg.start_soon(consume)
    taken += await drain_ids(store, "w", 50)
    assert sorted(taken) == list(range(1, 301))


async def test_two_store_instances_share_watchers_events_and_cursors(
    backend: StoreBackend, rec: MakeRecord
) -> None:
    a, b = backend.open(), backend.open()
    await a.take("tasks", "w", 0)
    await a.add_events("tasks", [rec(1, 1), rec(2, 2)])
    assert [r["id"] for r in (await b.take("tasks", "w", 1)).records] == [1]
    assert await b.add_events("tasks", [rec(2, 2), rec(3, 3)]) == 1
    assert [r["id"] for r in (await a.take("tasks", "w", 10)).records] == [2, 3]
    await b.set_high_water("tasks", 3)
    assert await a.high_water("tasks") == 3
    await a.aclose()
    await b.aclose()


async def test_a_take_cancelled_before_it_commits_gives_nothing_away(
    sqlite_store: SqliteWatchStore, store_path: Path, rec: MakeRecord
) -> None:
    store = sqlite_store
    await store.take("tasks", "w", 0)
    await store.add_events("tasks", [rec(1), rec(2), rec(3)])
    # Another process holds the write lock, so the take is still waiting when its caller gives up.
    other = sqlite3.connect(store_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.5, other.execute, ("ROLLBACK",)).start()
    with anyio.move_on_after(0.1) as scope:
        await store.take("tasks", "w", 10)
    assert scope.cancelled_caught
    other.close()
    assert [r["id"] for r in (await store.take("tasks", "w", 10)).records] == [1, 2, 3]


PROCESS_SCRIPT = """
import json, os, sys, time
import anyio
from paymo_mcp.watch import SqliteWatchStore, WatchStore
from tests.watch.backends import StoreBackend

path, go, first_id = sys.argv[1], sys.argv[2], int(sys.argv[3])

async def main():
    store = SqliteWatchStore(path)
    while not os.path.exists(go):
        time.sleep(0.005)
    added = 0
    for i in range(first_id, first_id + 300, 10):
        added += await store.add_events("tasks", [{"id": j} for j in range(i, i + 10)])
    ids = []
    while records := (await store.take("tasks", "w", 5)).records:
        ids += [r["id"] for r in records]
    await store.aclose()
    print(json.dumps({"added": added, "ids": ids}))

anyio.run(main)
"""


async def test_two_processes_on_one_file_add_and_take_exactly_once(store_path: Path, tmp_path: Path) -> None:
    store = SqliteWatchStore(store_path)
    await store.take("tasks", "w", 0)
    await store.add_events("tasks", [make_record(i) for i in range(1, 201)])
    go = tmp_path / "go"
    # The two replicas add overlapping ids (150..449 and 300..599) while both take.
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", PROCESS_SCRIPT, str(store_path), str(go), str(first)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for first in (150, 300)
    ]
    time.sleep(0.5)
    go.touch()
    outputs = [json.loads(p.communicate(timeout=60)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum(o["added"] for o in outputs) == 599 - 200
    rest = await drain_ids(store, "w", 100)
    every = [i for o in outputs for i in o["ids"]] + rest
    assert sorted(every) == list(range(1, 600))
    await store.aclose()
