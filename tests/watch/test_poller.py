"""Polling: page by page past the high-water id, from now on the first run, backfill for `since`."""

from __future__ import annotations

from typing import Any

import pytest

from paymo_mcp.watch import SqliteWatchStore, backfill, pages_after, poll_new, where_after
from paymo_mcp.watch.timestamps import to_epoch
from tests.watch.watch_records import make_record, stamp

pytestmark = pytest.mark.anyio


class FakeListing:
    """Paymo's list endpoint reduced to what the poller sends: `where` on id and created_on, paging."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.calls: list[tuple[str, int, int]] = []
        self.fail_on_call: int | None = None

    def create(self, count: int, offset_s: float = 0) -> list[int]:
        start = max((r["id"] for r in self.records), default=0) + 1
        new = [make_record(i, offset_s) for i in range(start, start + count)]
        self.records += new
        return [r["id"] for r in new]

    async def fetch_where(self, where: str, page: int, page_size: int) -> list[dict[str, Any]]:
        self.calls.append((where, page, page_size))
        if self.fail_on_call == len(self.calls):
            raise ConnectionError("Paymo unavailable")
        matches = sorted(self.records, key=lambda r: r["id"])
        for condition in where.split(" and "):
            if condition.startswith("id>"):
                matches = [r for r in matches if r["id"] > int(condition[3:])]
            elif condition.startswith("created_on>="):
                since = int(condition[len("created_on>=") :])
                matches = [r for r in matches if to_epoch(r["created_on"]) >= since]
            else:
                raise AssertionError(f"unexpected where {condition!r}")
        return matches[page * page_size : (page + 1) * page_size]

    async def latest_id(self) -> int | None:
        self.calls.append(("latest", 0, 1))
        return max((r["id"] for r in self.records), default=None)


@pytest.fixture
def paymo() -> FakeListing:
    return FakeListing([make_record(i, -86400) for i in range(1, 131)])


async def poll(paymo: FakeListing, store: SqliteWatchStore, **kw: Any) -> int:
    return await poll_new(pages_after(paymo.fetch_where), store, "tasks", 50, **kw)


def test_where_strings_use_ids_and_unix_seconds() -> None:
    assert where_after(5) == "id>5"
    assert where_after(5, "2020-03-11T19:20:41Z") == "created_on>=1583954441 and id>5"


async def test_the_first_poll_only_notes_where_paymo_is(paymo: FakeListing, store: SqliteWatchStore) -> None:
    assert await poll(paymo, store, latest_id=paymo.latest_id) == 0
    assert await store.high_water("tasks") == 130
    assert paymo.calls == [("latest", 0, 1)]


async def test_without_latest_id_the_first_poll_walks_ids_without_storing(
    paymo: FakeListing, store: SqliteWatchStore
) -> None:
    assert await poll(paymo, store) == 0
    assert await store.high_water("tasks") == 130
    assert [c[0] for c in paymo.calls] == ["id>0", "id>50", "id>100"]
    await store.take("tasks", "w", 0, since="2000-01-01T00:00:00Z")
    assert (await store.take("tasks", "w", 0)).remaining == 0


async def test_an_empty_account_starts_at_zero(store: SqliteWatchStore) -> None:
    empty = FakeListing([])
    await poll(empty, store, latest_id=empty.latest_id)
    assert await store.high_water("tasks") == 0
    empty.create(3)
    assert await poll(empty, store) == 3


async def test_later_polls_store_new_records_a_page_at_a_time(
    paymo: FakeListing, store: SqliteWatchStore
) -> None:
    await poll(paymo, store, latest_id=paymo.latest_id)
    await store.take("tasks", "w", 0)
    new = paymo.create(120)
    paymo.calls.clear()
    assert await poll(paymo, store) == 120
    # Keyset paging: each request starts past the last id stored, page size as asked, a short page ends it.
    assert paymo.calls == [("id>130", 0, 50), ("id>180", 0, 50), ("id>230", 0, 50)]
    assert await store.high_water("tasks") == 250
    assert [r["id"] for r in (await store.take("tasks", "w", 500)).records] == new
    assert await poll(paymo, store) == 0


async def test_a_page_that_fails_keeps_what_was_stored_and_the_next_poll_resumes(
    paymo: FakeListing, store: SqliteWatchStore
) -> None:
    await poll(paymo, store, latest_id=paymo.latest_id)
    await store.take("tasks", "w", 0)
    new = paymo.create(120)
    paymo.calls.clear()
    paymo.fail_on_call = 2
    with pytest.raises(ConnectionError):
        await poll(paymo, store)
    assert await store.high_water("tasks") == 180
    paymo.fail_on_call = None
    assert await poll(paymo, store) == 70
    assert [r["id"] for r in (await store.take("tasks", "w", 500)).records] == new


async def test_a_record_deleted_between_pages_does_not_make_the_poller_skip_one(
    paymo: FakeListing, store: SqliteWatchStore
) -> None:
    await poll(paymo, store, latest_id=paymo.latest_id)
    await store.take("tasks", "w", 0)
    new = paymo.create(100)
    fetch = pages_after(paymo.fetch_where)
    deleted = new[3]

    async def deleting_fetch(after_id: int, page: int, page_size: int) -> list[dict[str, Any]]:
        records = await fetch(after_id, page, page_size)
        paymo.records = [r for r in paymo.records if r["id"] != deleted]
        return records

    await poll_new(deleting_fetch, store, "tasks", 50)
    assert [r["id"] for r in (await store.take("tasks", "w", 500)).records] == new


async def test_without_baseline_the_first_poll_stores_everything(
    paymo: FakeListing, store: SqliteWatchStore
) -> None:
    assert await poll(paymo, store, baseline=False) == 130


async def test_polls_and_webhooks_overlap_without_duplicates(
    paymo: FakeListing, store: SqliteWatchStore
) -> None:
    await poll(paymo, store, latest_id=paymo.latest_id)
    await store.take("tasks", "w", 0)
    new = paymo.create(10)
    await store.add_events("tasks", [r for r in paymo.records if r["id"] in new[::2]])  # webhooks
    assert await poll(paymo, store) == 5
    assert [r["id"] for r in (await store.take("tasks", "w", 50)).records] == new


async def test_a_source_that_ignores_the_cursor_does_not_loop_forever(store: SqliteWatchStore) -> None:
    calls = 0

    async def stuck(after_id: int, page: int, page_size: int) -> list[dict[str, Any]]:
        nonlocal calls
        calls += 1
        return [make_record(i) for i in range(1, page_size + 1)]

    assert await poll_new(stuck, store, "tasks", 10, baseline=False) == 10
    assert calls == 2


async def test_backfill_brings_in_records_since_a_time_for_since_watchers_only(
    paymo: FakeListing, store: SqliteWatchStore
) -> None:
    # Created 600 s .. 510 s ago: before the "now" watcher, even allowing for clock skew.
    paymo.records += [make_record(i, -600 + 10 * (i - 131)) for i in range(131, 141)]
    await poll(paymo, store, latest_id=paymo.latest_id)
    await store.take("tasks", "now", 0)
    assert await backfill(paymo.fetch_where, store, "tasks", stamp(-555), page_size=4) == 5
    assert await store.high_water("tasks") == 140
    past = await store.take("tasks", "past", 50, since=stamp(-555))
    assert [r["id"] for r in past.records] == [136, 137, 138, 139, 140]
    assert (await store.take("tasks", "now", 50)).records == []


async def test_bad_page_sizes_are_refused(paymo: FakeListing, store: SqliteWatchStore) -> None:
    with pytest.raises(ValueError):
        await poll_new(pages_after(paymo.fetch_where), store, "tasks", 0)
    with pytest.raises(ValueError):
        await backfill(paymo.fetch_where, store, "tasks", stamp(), page_size=0)
