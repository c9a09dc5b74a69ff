"""Does the watch store block the event loop? (issue 14) The loop's lag while the SQLite store works.

    python bench/watch_event_loop.py                  # 20,000 records stored and taken
    python bench/watch_event_loop.py --records 50000

A ticker asks the loop for 1 ms sleeps and records how late each one wakes: the lag every other
request on the server would see. Measured in one run, as ratios to the idle loop: storing and taking
(the store's calls run in worker threads), opening the full file in a worker thread (what the server
does), and, for contrast, opening it on the loop itself.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import anyio.to_thread

from paymo_mcp.watch import SqliteWatchStore


def record(i: int) -> dict[str, object]:
    return {
        "id": i,
        "name": f"Task {i}: follow up with the client about the quarterly report",
        "project_id": 1 + i % 40,
        "description": "<p>Details of the task, as Paymo sends them.</p>",
        "created_on": "2026-11-29T10:00:00Z",
    }


async def lag_during(work: Callable[[], Awaitable[None]]) -> tuple[float, float]:
    """(p99, max) lag in ms of 1 ms sleeps while `work` runs."""
    lags: list[float] = []
    done = anyio.Event()

    async def tick() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await anyio.sleep(0.001)
            lags.append((time.perf_counter() - started - 0.001) * 1000)

    async with anyio.create_task_group() as tg:
        tg.start_soon(tick)
        await anyio.sleep(0.05)  # the ticker is running before the work starts
        await work()
        done.set()
    lags.sort()
    return lags[int(len(lags) * 0.99) - 1], lags[-1]


async def main(records: int) -> None:
    with tempfile.TemporaryDirectory(prefix="paymo-loop-bench-") as tmp:
        path = Path(tmp) / "watch.sqlite3"
        store = SqliteWatchStore(path)

        async def idle() -> None:
            await anyio.sleep(2)

        async def store_and_take() -> None:
            await store.take("tasks", "w", 0)
            for start in range(1, records + 1, 1000):
                await store.add_events("tasks", [record(i) for i in range(start, start + 1000)])
                while (await store.take("tasks", "w", 500)).records:
                    pass

        base = await lag_during(idle)
        working = await lag_during(store_and_take)
        await store.aclose()
        opened: list[SqliteWatchStore] = []

        async def open_in_thread() -> None:
            opened.append(await anyio.to_thread.run_sync(SqliteWatchStore, path))

        async def open_on_loop() -> None:
            opened.append(SqliteWatchStore(path))
            await anyio.sleep(0)

        in_thread = await lag_during(open_in_thread)
        on_loop = await lag_during(open_on_loop)
        for each in opened:
            await each.aclose()
        size_mb = path.stat().st_size / 1e6
    print(f"records stored and taken: {records:,}; file {size_mb:.1f} MB")
    print(f"{'phase':44} {'p99 lag':>9} {'max lag':>9} {'max / idle':>11}")
    for name, (p99, worst) in (
        ("idle loop", base),
        ("store + take (worker threads)", working),
        ("open the full file in a worker thread", in_thread),
        ("open the full file on the loop (contrast)", on_loop),
    ):
        print(f"{name:44} {p99:7.2f}ms {worst:7.2f}ms {worst / max(base[1], 1e-3):10.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    anyio.run(main, args.records)
