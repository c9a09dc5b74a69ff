"""Fixtures for the watch layer: an async backend, a store in a temporary state directory, records."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from paymo_mcp.watch import SqliteWatchStore
from tests.watch.receiver_client import TASK_HOOK, Receiver
from tests.watch.watch_records import MakeRecord, begin_test, make_record


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def stamped_now() -> None:
    """Each test stamps its records from its own start, however long ago the modules were imported."""
    begin_test()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "watch.sqlite3"


@pytest.fixture
async def store(store_path: Path) -> AsyncIterator[SqliteWatchStore]:
    opened = SqliteWatchStore(store_path)
    yield opened
    await opened.aclose()


@pytest.fixture
def rec() -> MakeRecord:
    return make_record


@pytest.fixture
async def receiver(store: SqliteWatchStore) -> AsyncIterator[Receiver]:
    """The webhook routes on `store`, with the tasks hook saved and a watcher "w" started before."""
    await store.save_hook(TASK_HOOK)
    await store.take("tasks", "w", 0)  # a watcher that started before the deliveries
    r = Receiver(store)
    async with r.http:
        yield r
