"""Filters narrow a take before its limit, and never hide records from later, wider takes."""

from __future__ import annotations

import pytest

from paymo_mcp.watch import WatchStore
from tests.watch.watch_records import MakeRecord

pytestmark = pytest.mark.anyio


async def ids(store: WatchStore, limit: int, **filters: object) -> tuple[list[int], int]:
    result = await store.take("tasks", "w", limit, filters=filters)
    return [r["id"] for r in result.records], result.remaining


async def test_filters_apply_before_the_limit_and_remaining_counts_matches(
    store: WatchStore, rec: MakeRecord
) -> None:
    await store.take("tasks", "w", 1)
    await store.add_events("tasks", [rec(i, i, project_id=7 if i % 3 == 0 else 8) for i in range(1, 31)])
    assert await ids(store, 4, project_id=7) == ([3, 6, 9, 12], 6)
    assert await ids(store, 100, project_id=7) == ([15, 18, 21, 24, 27, 30], 0)
    # The records that did not match are still waiting for an unfiltered take.
    rest, remaining = await ids(store, 100)
    assert (len(rest), remaining) == (20, 0)
    assert all(i % 3 for i in rest)


async def test_filters_combine_and_match_ids_given_as_text(store: WatchStore, rec: MakeRecord) -> None:
    await store.take("tasks", "w", 1)
    await store.add_events(
        "tasks",
        [
            rec(1, 1, project_id=7, tasklist_id=1),
            rec(2, 2, project_id="7", tasklist_id=2),
            rec(3, 3, project_id=7, tasklist_id=2),
        ],
    )
    assert await ids(store, 10, project_id="7", tasklist_id=2) == ([2, 3], 0)
    assert await ids(store, 10, project_id=7) == ([1], 0)


async def test_boolean_and_null_filters(store: WatchStore, rec: MakeRecord) -> None:
    await store.take("tasks", "w", 1)
    await store.add_events(
        "tasks",
        [
            rec(1, 1, complete=True, due_date=None),
            rec(2, 2, complete=False, due_date="2030-01-01"),
            rec(3, 3),
        ],
    )
    assert await ids(store, 10, complete=False) == ([2], 0)
    assert await ids(store, 10, due_date=None) == ([1, 3], 0)


async def test_bad_filters_are_refused(store: WatchStore) -> None:
    with pytest.raises(ValueError, match="plain field name"):
        await store.take("tasks", "w", 1, filters={"a') OR 1=1 --": 1})
    with pytest.raises(ValueError, match="single"):
        await store.take("tasks", "w", 1, filters={"users": [1, 2]})
