"""Pruning drops what every watcher has passed, and a pruned record is never returned again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from paymo_mcp.watch import WatchStore
from tests.watch.backends import StoreBackend
from tests.watch.watch_records import MakeRecord, stamp

pytestmark = pytest.mark.anyio


def later() -> datetime:
    """A prune cutoff an hour from now: everything stored so far is older."""
    return datetime.now(UTC) + timedelta(hours=1)


async def test_prune_keeps_what_a_watcher_has_not_seen(
    store: WatchStore, backend: StoreBackend, rec: MakeRecord
) -> None:
    await store.take("tasks", "a", 0)
    await store.take("tasks", "b", 0)
    await store.add_events("tasks", [rec(i, i) for i in range(1, 11)])
    await store.take("tasks", "a", 10)
    await store.take("tasks", "b", 4)
    assert await store.prune(later()) == 4
    assert await backend.count("payloads") == 6
    assert [r["id"] for r in (await store.take("tasks", "b", 10)).records] == list(range(5, 11))
    assert await store.prune(later()) == 6


async def test_prune_leaves_recent_events(store: WatchStore, rec: MakeRecord) -> None:
    await store.take("tasks", "a", 0)
    await store.add_events("tasks", [rec(1)])
    await store.take("tasks", "a", 10)
    assert await store.prune(datetime.now(UTC) - timedelta(days=1)) == 0


async def test_a_pruned_record_delivered_again_is_not_returned_again(
    store: WatchStore, rec: MakeRecord
) -> None:
    await store.take("tasks", "a", 0)
    await store.add_events("tasks", [rec(1), rec(2)])
    await store.take("tasks", "a", 10)
    await store.prune(later())
    assert await store.add_events("tasks", [rec(1), rec(2)]) == 0
    assert (await store.take("tasks", "a", 10)).records == []


async def test_a_backfill_restores_pruned_records_for_a_new_since_watcher_only(
    store: WatchStore, rec: MakeRecord
) -> None:
    await store.take("tasks", "a", 0)
    await store.add_events("tasks", [rec(1), rec(2)])
    await store.take("tasks", "a", 10)
    await store.prune(later())
    await store.add_events("tasks", [rec(1), rec(2)])  # what a backfill for `since` would do
    assert [r["id"] for r in (await store.take("tasks", "b", 10, since=stamp(-10))).records] == [1, 2]
    assert (await store.take("tasks", "a", 10)).records == []


async def test_without_watchers_everything_old_can_go(store: WatchStore, rec: MakeRecord) -> None:
    await store.add_events("tasks", [rec(1), rec(2)])
    assert await store.prune(later()) == 2
    assert (await store.take("tasks", "new", 10, since=stamp(-10))).records == []
