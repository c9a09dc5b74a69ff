"""Fixtures for the watch layer: an async backend, a store (SQLite in a temporary state directory, or
PostgreSQL in a new database), records.

The store contract tests (test_store_*.py) and the receiver's run against both stores: the `backend`
fixture is parametrized for them; elsewhere it is SQLite alone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from paymo_mcp.watch import SqliteWatchStore, WatchStore
from tests.watch.backends import PostgresBackend, SqliteBackend, StoreBackend
from tests.watch.receiver_client import TASK_HOOK, Receiver
from tests.watch.watch_records import MakeRecord, begin_test, make_record

BACKENDS = ["sqlite", "postgres"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rpartition(".")[2]
    if "backend" in metafunc.fixturenames and module.startswith(("test_store_", "test_receiver")):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


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
async def backend(request: pytest.FixtureRequest, store_path: Path) -> AsyncIterator[StoreBackend]:
    """Where the stores of a test keep their data; every store opened through it is closed after."""
    opened: StoreBackend
    if getattr(request, "param", "sqlite") == "postgres":
        opened = await PostgresBackend.create(request.getfixturevalue("postgres_cluster"))
    else:
        opened = SqliteBackend(store_path)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def store(backend: StoreBackend) -> WatchStore:
    return backend.open()


@pytest.fixture
async def sqlite_store(store_path: Path) -> AsyncIterator[SqliteWatchStore]:
    """For tests of what only SQLite has: its file, its locks, one instance shared by threads."""
    opened = SqliteWatchStore(store_path)
    yield opened
    await opened.aclose()


@pytest.fixture
def rec() -> MakeRecord:
    return make_record


@pytest.fixture
async def receiver(store: WatchStore) -> AsyncIterator[Receiver]:
    """The webhook routes on `store`, with the tasks hook saved and a watcher "w" started before."""
    await store.save_hook(TASK_HOOK)
    await store.take("tasks", "w", 0)  # a watcher that started before the deliveries
    r = Receiver(store)
    async with r.http:
        yield r
