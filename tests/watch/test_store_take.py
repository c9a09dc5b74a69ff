"""Taking new records: each record reaches each watcher exactly once, oldest first."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from paymo_mcp.watch import WatchStore
from tests.watch.backends import StoreBackend
from tests.watch.watch_records import MakeRecord, stamp

pytestmark = pytest.mark.anyio


async def drain(store: WatchStore, watcher: str, limit: int, since: str | None = None) -> list[int]:
    """Take until nothing remains; the ids in the order they were returned."""
    ids: list[int] = []
    while True:
        result = await store.take("tasks", watcher, limit, since=since)
        ids += [r["id"] for r in result.records]
        assert len(result.records) <= limit
        if not result.records:
            assert result.remaining == 0
            return ids


async def test_a_new_watcher_starts_from_now(store: WatchStore, rec: MakeRecord) -> None:
    await store.add_events("tasks", [rec(1), rec(2)])
    first = await store.take("tasks", "w", 50)
    assert (first.records, first.remaining, first.new_watcher) == ([], 0, True)
    await store.add_events("tasks", [rec(3, 1)])
    second = await store.take("tasks", "w", 50)
    assert [r["id"] for r in second.records] == [3]
    assert not second.new_watcher


async def test_n_records_are_taken_exactly_once_oldest_first(store: WatchStore, rec: MakeRecord) -> None:
    await store.take("tasks", "w", 1)
    records = [rec(100 + i, offset_s=i) for i in range(60)]
    random.Random(7).shuffle(records)
    assert await store.add_events("tasks", records) == 60
    result = await store.take("tasks", "w", 100)
    assert [r["id"] for r in result.records] == list(range(100, 160))
    assert result.remaining == 0
    assert (await store.take("tasks", "w", 100)).records == []


async def test_three_times_limit_drains_in_three_takes(store: WatchStore, rec: MakeRecord) -> None:
    await store.take("tasks", "w", 1)
    await store.add_events("tasks", [rec(i, offset_s=i) for i in range(1, 31)])
    seen: list[int] = []
    for remaining in (20, 10, 0):
        result = await store.take("tasks", "w", 10)
        assert result.remaining == remaining
        seen += [r["id"] for r in result.records]
    assert seen == list(range(1, 31))


async def test_many_records_in_one_created_on_second(store: WatchStore, rec: MakeRecord) -> None:
    await store.take("tasks", "w", 1)
    ids = random.Random(3).sample(range(1000, 2000), 45)
    await store.add_events("tasks", [rec(i, offset_s=2) for i in ids])
    # A limit that splits the second several times: a (created_on) cursor alone would skip or repeat.
    assert await drain(store, "w", 7) == sorted(ids)


async def test_late_and_repeated_deliveries_are_neither_skipped_nor_repeated(
    store: WatchStore, rec: MakeRecord
) -> None:
    await store.take("tasks", "w", 1)
    await store.add_events("tasks", [rec(5, 50), rec(6, 60)])
    taken = [r["id"] for r in (await store.take("tasks", "w", 10)).records]
    assert taken == [5, 6]
    # An earlier-created record arrives after later ones were returned; and old ones arrive again.
    assert await store.add_events("tasks", [rec(4, 40), rec(5, 50), rec(6, 60)]) == 1
    assert await store.add_events("tasks", [rec(4, 40)]) == 0
    taken += await drain(store, "w", 10)
    assert sorted(taken) == [4, 5, 6]
    assert len(taken) == len(set(taken))


async def test_the_first_delivery_of_a_record_is_the_one_kept(store: WatchStore, rec: MakeRecord) -> None:
    await store.take("tasks", "w", 1)
    await store.add_events("tasks", [rec(1, name="first")])
    await store.add_events("tasks", [rec(1, name="second")])
    assert [r["name"] for r in (await store.take("tasks", "w", 10)).records] == ["first"]


async def test_a_restart_between_takes_loses_and_repeats_nothing(
    backend: StoreBackend, rec: MakeRecord
) -> None:
    taken: list[int] = []
    store = backend.open()
    await store.take("tasks", "w", 1)
    await store.add_events("tasks", [rec(i, offset_s=i) for i in range(1, 21)])
    taken += [r["id"] for r in (await store.take("tasks", "w", 8)).records]
    await store.aclose()

    store = backend.open()
    await store.add_events("tasks", [rec(i, offset_s=i) for i in range(15, 26)])
    result = await store.take("tasks", "w", 8)
    assert not result.new_watcher
    taken += [r["id"] for r in result.records]
    await store.aclose()

    store = backend.open()
    taken += await drain(store, "w", 8)
    await store.aclose()
    assert taken == list(range(1, 26))


async def test_watchers_are_independent(store: WatchStore, rec: MakeRecord) -> None:
    await store.take("tasks", "a", 1)
    await store.add_events("tasks", [rec(1, 1), rec(2, 2)])
    await store.take("tasks", "b", 1)  # b starts after 1 and 2 were stored
    await store.add_events("tasks", [rec(3, 3)])
    assert [r["id"] for r in (await store.take("tasks", "a", 2)).records] == [1, 2]
    assert await drain(store, "b", 5) == [3]
    assert await drain(store, "a", 5) == [3]


async def test_watchers_of_different_resources_do_not_mix(store: WatchStore, rec: MakeRecord) -> None:
    await store.take("tasks", "w", 1)
    await store.take("projects", "w", 1)
    await store.add_events("tasks", [rec(1)])
    await store.add_events("projects", [rec(1, name="project 1")])
    assert [r["name"] for r in (await store.take("projects", "w", 5)).records] == ["project 1"]
    assert [r["name"] for r in (await store.take("tasks", "w", 5)).records] == ["task 1"]


async def test_since_reaches_back_to_records_stored_before_the_watcher(
    store: WatchStore, rec: MakeRecord
) -> None:
    await store.add_events("tasks", [rec(1, -3600), rec(2, -60), rec(3, 0)])
    result = await store.take("tasks", "w", 10, since=stamp(-60))
    assert [r["id"] for r in result.records] == [2, 3]
    assert result.new_watcher
    await store.add_events("tasks", [rec(4, 10)])
    # `since` on an existing watcher does not rewind it.
    assert [r["id"] for r in (await store.take("tasks", "w", 10, since=stamp(-7200))).records] == [4]


async def test_since_accepts_offsets_and_naive_datetimes_as_utc(store: WatchStore, rec: MakeRecord) -> None:
    await store.add_events("tasks", [rec(1, -120), rec(2, 0)])
    since = stamp(-60).replace("Z", "+00:00")
    assert [r["id"] for r in (await store.take("tasks", "a", 10, since=since)).records] == [2]
    naive = stamp(-200).removesuffix("Z")
    assert [r["id"] for r in (await store.take("tasks", "b", 10, since=naive)).records] == [1, 2]


async def test_a_since_that_is_not_a_date_time_is_refused(store: WatchStore) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        await store.take("tasks", "w", 10, since="yesterday")
    assert not await store.watcher_exists("tasks", "w")


async def test_backfilled_old_records_reach_since_watchers_only(store: WatchStore, rec: MakeRecord) -> None:
    await store.take("tasks", "now", 1)
    # A backfill for a `since` watcher brings in records created a day ago, after "now" started.
    await store.add_events("tasks", [rec(i, -86400 + i) for i in range(1, 4)])
    await store.add_events("tasks", [rec(10, 1)])
    assert await drain(store, "now", 10) == [10]
    assert await drain(store, "past", 10, since=stamp(-90000)) == [1, 2, 3, 10]


async def test_a_record_without_created_on_counts_as_new(store: WatchStore) -> None:
    await store.take("tasks", "w", 1)
    await store.add_events("tasks", [{"id": 1}, {"id": 2, "created_on": "not a date"}])
    assert await drain(store, "w", 10) == [1, 2]


async def test_records_need_an_integer_id(store: WatchStore, rec: MakeRecord) -> None:
    with pytest.raises(ValueError, match="integer `id`"):
        await store.add_events("tasks", [{"name": "no id"}])
    with pytest.raises(ValueError, match="integer `id`"):
        await store.add_events("tasks", [rec(1), {"id": True}])
    # A bad record in a batch stores nothing of the batch.
    await store.take("tasks", "w", 1)
    assert (await store.take("tasks", "w", 1)).records == []
    assert await store.add_events("tasks", [{"id": "7", "created_on": stamp()}]) == 1


async def test_limit_zero_counts_without_taking(store: WatchStore, rec: MakeRecord) -> None:
    await store.take("tasks", "w", 0)
    await store.add_events("tasks", [rec(1), rec(2)])
    assert (await store.take("tasks", "w", 0)).remaining == 2
    assert len((await store.take("tasks", "w", 5)).records) == 2
    with pytest.raises(ValueError, match="limit"):
        await store.take("tasks", "w", -1)


async def test_bookkeeping_is_kept_for_the_retention_then_shrinks_to_the_gaps(
    store: WatchStore, backend: StoreBackend, rec: MakeRecord
) -> None:
    async def delivered_rows() -> int:
        return await backend.count("delivered")

    await store.take("tasks", "w", 1)
    await store.add_events("tasks", [rec(i, i, project_id=i % 2) for i in range(1, 41)])
    await store.take("tasks", "w", 10, filters={"project_id": 1})
    assert await delivered_rows() == 10  # kept: an answer that never arrived can be taken again
    later = datetime.fromtimestamp(time.time(), UTC) + timedelta(hours=1)  # the clock stores use
    await store.prune(later)
    # Rows for 3, 5, .. 19 stay: record 2 (not taken) is a gap below them. Row 1 folded into the floor.
    assert await delivered_rows() == 9
    await drain(store, "w", 15)
    assert await delivered_rows() == 39
    await store.prune(later)
    assert await delivered_rows() == 0
