"""Resuming with a cursor: what answers after it carried comes again, nothing earlier comes twice."""

from __future__ import annotations

import pytest

from paymo_mcp.watch import WatchStore
from paymo_mcp.watch.errors import WatchInputError
from tests.watch.backends import StoreBackend
from tests.watch.watch_records import MakeRecord

pytestmark = pytest.mark.anyio


def ids(result: object) -> list[int]:
    return [r["id"] for r in result.records]  # type: ignore[attr-defined]


async def test_an_answer_lost_on_the_way_is_taken_again_with_the_previous_cursor(
    store: WatchStore, rec: MakeRecord
) -> None:
    start = await store.take("tasks", "w", 10)
    await store.add_events("tasks", [rec(i, i) for i in range(1, 31)])
    await store.take("tasks", "w", 10)  # this answer never reaches the caller
    again = await store.take("tasks", "w", 50, cursor=start.cursor)
    assert ids(again) == list(range(1, 31)) and again.remaining == 0
    assert (await store.take("tasks", "w", 50, cursor=again.cursor)).records == []


async def test_resuming_never_repeats_what_the_answers_up_to_the_cursor_carried(
    store: WatchStore, rec: MakeRecord
) -> None:
    await store.take("tasks", "w", 0)
    await store.add_events("tasks", [rec(i, i) for i in range(1, 31)])
    received = await store.take("tasks", "w", 10)
    await store.take("tasks", "w", 10)  # lost
    await store.take("tasks", "w", 5)  # lost too
    rest = await store.take("tasks", "w", 50, cursor=received.cursor)
    assert ids(received) == list(range(1, 11)) and ids(rest) == list(range(11, 31))
    # The same cursor again (the answer above was lost as well) gives the same records again.
    assert ids(await store.take("tasks", "w", 50, cursor=received.cursor)) == list(range(11, 31))


async def test_each_answer_has_its_own_cursor_and_without_cursor_takes_go_on(
    store: WatchStore, rec: MakeRecord
) -> None:
    first = await store.take("tasks", "w", 0)
    await store.add_events("tasks", [rec(i, i) for i in range(1, 5)])
    second = await store.take("tasks", "w", 2)
    third = await store.take("tasks", "w", 2)
    assert len({first.cursor, second.cursor, third.cursor}) == 3
    assert ids(second) + ids(third) == [1, 2, 3, 4]


async def test_a_cursor_survives_a_restart(backend: StoreBackend, rec: MakeRecord) -> None:
    store = backend.open()
    received = await store.take("tasks", "w", 0)
    await store.add_events("tasks", [rec(i, i) for i in range(1, 6)])
    await store.take("tasks", "w", 5)  # taken, then the process dies before answering
    await store.aclose()
    store = backend.open()
    try:
        assert ids(await store.take("tasks", "w", 10, cursor=received.cursor)) == [1, 2, 3, 4, 5]
    finally:
        await store.aclose()


async def test_records_made_pending_again_keep_to_the_filter_and_wait_for_the_rest(
    store: WatchStore, rec: MakeRecord
) -> None:
    start = await store.take("tasks", "w", 0)
    await store.add_events("tasks", [rec(i, i, project_id=i % 2) for i in range(1, 11)])
    await store.take("tasks", "w", 10)  # lost
    odd = await store.take("tasks", "w", 10, filters={"project_id": 1}, cursor=start.cursor)
    assert ids(odd) == [1, 3, 5, 7, 9]
    assert ids(await store.take("tasks", "w", 10)) == [2, 4, 6, 8, 10]


@pytest.mark.parametrize(
    "cursor, says",
    [
        ("garbage", "not a cursor"),
        ("abcd.x", "not a cursor"),
        ("0000.1", "not from an answer to watcher 'w'"),
        ("{token}.99", "not from an answer to watcher 'w'"),
    ],
)
async def test_a_cursor_that_is_not_this_watchers_is_refused_with_one_line(
    store: WatchStore, cursor: str, says: str
) -> None:
    token = (await store.take("tasks", "w", 0)).cursor.split(".")[0]
    with pytest.raises(WatchInputError, match=says) as refused:
        await store.take("tasks", "w", 10, cursor=cursor.format(token=token))
    assert "\n" not in str(refused.value)


async def test_a_cursor_for_another_watcher_or_resource_is_refused(store: WatchStore) -> None:
    theirs = await store.take("tasks", "other", 0)
    await store.take("tasks", "w", 0)
    await store.take("projects", "other", 0)
    with pytest.raises(WatchInputError, match="cursor"):
        await store.take("tasks", "w", 10, cursor=theirs.cursor)
    with pytest.raises(WatchInputError, match="cursor"):
        await store.take("projects", "other", 10, cursor=theirs.cursor)
    with pytest.raises(WatchInputError, match="no earlier answers"):
        await store.take("tasks", "brand-new", 10, cursor=theirs.cursor)
