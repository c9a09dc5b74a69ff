"""Retention on an injected clock: delivered records stay resumable 7 days, idle watchers go after 30,
and the schedule the server runs prunes again and again."""

from __future__ import annotations

import anyio
import pytest

from paymo_mcp.watch import WatchStore
from paymo_mcp.watch.errors import WatchInputError
from paymo_mcp.watch.retention import PRUNE_EVERY_S, prune_expired, prune_forever
from tests.watch.backends import StoreBackend
from tests.watch.fake_clock import DAY, FakeClock
from tests.watch.watch_records import MakeRecord

pytestmark = pytest.mark.anyio


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def timed(backend: StoreBackend, clock: FakeClock) -> WatchStore:
    return backend.open(clock=clock)


async def test_a_lost_answer_can_be_taken_again_for_seven_days_then_the_cursor_expires(
    timed: WatchStore, clock: FakeClock, rec: MakeRecord
) -> None:
    start = await timed.take("tasks", "w", 0)
    await timed.add_events("tasks", [rec(i, i) for i in range(1, 11)])
    received = await timed.take("tasks", "w", 4)
    await timed.take("tasks", "w", 6)  # lost
    clock.advance(6.9 * DAY)
    await prune_expired(timed, clock())
    assert [r["id"] for r in (await timed.take("tasks", "w", 10, cursor=received.cursor)).records] == [
        5,
        6,
        7,
        8,
        9,
        10,
    ]
    clock.advance(7.2 * DAY)
    await prune_expired(timed, clock())
    with pytest.raises(WatchInputError, match="older than the retention"):
        await timed.take("tasks", "w", 10, cursor=start.cursor)


async def test_payloads_go_after_the_retention_once_every_watcher_has_them(
    timed: WatchStore, backend: StoreBackend, clock: FakeClock, rec: MakeRecord
) -> None:
    await timed.take("tasks", "fast", 0)
    await timed.take("tasks", "slow", 0)
    await timed.add_events("tasks", [rec(i, i) for i in range(1, 21)])
    await timed.take("tasks", "fast", 20)
    await timed.take("tasks", "slow", 5)
    clock.advance(6 * DAY)
    assert await prune_expired(timed, clock()) == 0  # within the retention: all kept
    clock.advance(2 * DAY)
    assert await prune_expired(timed, clock()) == 5  # what "slow" has not taken stays
    assert await backend.count("payloads") == 15
    assert await backend.count("delivered") == 0
    assert [r["id"] for r in (await timed.take("tasks", "slow", 50)).records] == list(range(6, 21))


async def test_a_watcher_idle_for_thirty_days_is_forgotten_with_what_it_held(
    timed: WatchStore, backend: StoreBackend, clock: FakeClock, rec: MakeRecord
) -> None:
    await timed.take("tasks", "busy", 0)
    await timed.take("tasks", "idle", 0)
    await timed.add_events("tasks", [rec(i, i) for i in range(1, 6)])
    for _ in range(6):  # "busy" takes every five days, "idle" never again
        clock.advance(4.9 * DAY)
        await timed.take("tasks", "busy", 50)
        await prune_expired(timed, clock())
    assert await timed.watcher_exists("tasks", "busy")
    assert await timed.watcher_exists("tasks", "idle")  # idle for 29.4 days: not yet
    clock.advance(1 * DAY)
    await prune_expired(timed, clock())
    assert not await timed.watcher_exists("tasks", "idle")
    assert await backend.count("payloads") == 0


async def test_the_schedule_prunes_at_start_and_then_every_interval(
    timed: WatchStore, backend: StoreBackend, clock: FakeClock, rec: MakeRecord
) -> None:
    await timed.take("tasks", "w", 0)
    waits: list[float] = []
    seen: list[int] = []

    async def sleep(seconds: float) -> None:
        # Each "hour" a record arrives and is taken; the clock then jumps two days on.
        waits.append(seconds)
        seen.append(await backend.count("payloads"))
        if len(waits) == 6:
            scope.cancel()
        await timed.add_events("tasks", [rec(len(waits))])
        await timed.take("tasks", "w", 10)
        clock.advance(2 * DAY)
        await anyio.lowlevel.checkpoint()

    with anyio.CancelScope() as scope:
        await prune_forever(timed, clock=clock, sleep=sleep)
    assert waits == [PRUNE_EVERY_S] * 6
    # A record stays while younger than 7 days: from the fifth prune on, the oldest ones go.
    assert seen == [0, 1, 2, 3, 3, 3]
