"""What only the shared PostgreSQL store promises: several replicas (store instances, processes) on one
database take each record exactly once, see each other's deliveries and cursors, migrate the schema
once, keep one hook per target; a database that goes away fails calls with one clear line, and the
same store works again once it is back. (The contract every store keeps is in test_store_*.py, run
on PostgreSQL too.)"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import asyncpg
import pytest
from pydantic import SecretStr

from paymo_mcp.watch import HookRecord, SqliteWatchStore, WatchStore, open_store
from paymo_mcp.watch.errors import WatchStoreError
from paymo_mcp.watch.postgres_store import MIGRATION_LOCK, SCHEMA_VERSION, PostgresWatchStore
from tests.postgres import PostgresCluster
from tests.watch.backends import PostgresBackend
from tests.watch.receiver_client import TASK_HOOK, Receiver
from tests.watch.watch_records import MakeRecord, make_record

pytestmark = pytest.mark.anyio


@pytest.fixture
async def pg(postgres_cluster: PostgresCluster) -> AsyncIterator[PostgresBackend]:
    """The contract tests' database, emptied; every store opened through it is closed after."""
    backend = await PostgresBackend.create(postgres_cluster)
    try:
        yield backend
    finally:
        await backend.close()


async def fresh_database(cluster: PostgresCluster) -> AsyncIterator[str]:
    name = await cluster.create_database()
    try:
        yield name
    finally:
        await cluster.drop_database(name)


@pytest.fixture
async def empty_db(postgres_cluster: PostgresCluster) -> AsyncIterator[str]:
    """A database with nothing in it: no schema yet."""
    async for name in fresh_database(postgres_cluster):
        yield name


def ids(records: list[dict[str, Any]]) -> list[int]:
    return [r["id"] for r in records]


# -- exactly once across replicas -------------------------------------------------------------------


async def test_two_replicas_take_500_records_exactly_once_alternately_and_concurrently(
    pg: PostgresBackend, rec: MakeRecord
) -> None:
    a, b = pg.open(), pg.open()
    await a.take("tasks", "w", 0)
    got: list[int] = []
    # Alternately: 100 records, a and b taking turns.
    await a.add_events("tasks", [rec(i, i) for i in range(1, 51)])
    await b.add_events("tasks", [rec(i, i) for i in range(51, 101)])
    turn = 0
    while records := (await (a, b)[turn % 2].take("tasks", "w", 7)).records:
        assert ids(records) == sorted(ids(records))
        got += ids(records)
        turn += 1
    assert got == list(range(1, 101)) and turn > 10

    # Concurrently: 20 takers (10 on each replica) while both replicas add 400 more, in batches.
    adding = True

    async def produce(store: WatchStore, first: int) -> None:
        for start in range(first, first + 200, 10):
            await store.add_events("tasks", [rec(i, i) for i in range(start, start + 10)])
            await anyio.sleep(0)

    async def consume(store: WatchStore) -> None:
        while True:
            records = (await store.take("tasks", "w", 5)).records
            got.extend(ids(records))
            if not records:
                if not adding:
                    return
                await anyio.sleep(0.005)

    async with anyio.create_task_group() as takers:
        for n in range(20):
            takers.start_soon(consume, (a, b)[n % 2])
        async with anyio.create_task_group() as producers:
            producers.start_soon(produce, a, 101)
            producers.start_soon(produce, b, 301)
        adding = False
    assert sorted(got) == list(range(1, 501))  # none lost, none twice


PROCESS_SCRIPT = """
import json, os, sys, time
import anyio
from paymo_mcp.watch.postgres_store import PostgresWatchStore

url, go, first_id = sys.argv[1], sys.argv[2], int(sys.argv[3])

async def main():
    store = PostgresWatchStore(url)
    await store.open()
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


async def test_two_replica_processes_add_and_take_exactly_once(pg: PostgresBackend, tmp_path: Path) -> None:
    store = pg.open()
    await store.take("tasks", "w", 0)
    await store.add_events("tasks", [make_record(i) for i in range(1, 201)])
    go = tmp_path / "go"
    # The two replicas add overlapping ids (150..449 and 300..599) while both take.
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", PROCESS_SCRIPT, pg.url, str(go), str(first)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for first in (150, 300)
    ]
    await anyio.sleep(0.5)
    go.touch()
    outputs = [json.loads(p.communicate(timeout=60)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sum(o["added"] for o in outputs) == 599 - 200
    rest: list[int] = []
    while records := (await store.take("tasks", "w", 100)).records:
        rest += ids(records)
    every = [i for o in outputs for i in o["ids"]] + rest
    assert sorted(every) == list(range(1, 600))


async def test_a_delivery_to_replica_a_is_taken_through_replica_b(pg: PostgresBackend) -> None:
    a, b = pg.open(), pg.open()
    await a.save_hook(TASK_HOOK)
    await b.take("tasks", "w", 0)
    receiver = Receiver(a)
    async with receiver.http:
        response = await receiver.deliver(make_record(42, project={"name": "P"}))
    assert response.json() == {"status": "stored"}
    [record] = (await b.take("tasks", "w", 10)).records
    assert (record["id"], record["project"]) == (42, {"name": "P"})
    assert (await a.take("tasks", "w", 10)).records == []


async def test_a_cursor_from_replica_a_resumes_on_replica_b(pg: PostgresBackend, rec: MakeRecord) -> None:
    a, b = pg.open(), pg.open()
    start = await a.take("tasks", "w", 0)
    await a.add_events("tasks", [rec(i, i) for i in range(1, 11)])
    received = await a.take("tasks", "w", 4)
    await a.take("tasks", "w", 6)  # this answer is lost when replica a dies
    assert ids((await b.take("tasks", "w", 10, cursor=received.cursor)).records) == [5, 6, 7, 8, 9, 10]
    assert ids((await b.take("tasks", "w", 10, cursor=start.cursor)).records) == list(range(1, 11))


async def test_a_take_cancelled_before_it_commits_gives_nothing_away(
    pg: PostgresBackend, rec: MakeRecord
) -> None:
    store = pg.open()
    await store.take("tasks", "w", 0)
    await store.add_events("tasks", [rec(1), rec(2), rec(3)])
    # Another replica's take holds the watcher's row, so this take is still waiting when its caller gives up.
    other = await asyncpg.connect(pg.url)
    transaction = other.transaction()
    await transaction.start()
    await other.execute("SELECT 1 FROM paymo_mcp.watchers WHERE watcher = 'w' FOR UPDATE")
    with anyio.move_on_after(0.3) as scope:
        await store.take("tasks", "w", 10)
    assert scope.cancelled_caught
    await transaction.rollback()
    await other.close()
    assert ids((await store.take("tasks", "w", 10)).records) == [1, 2, 3]


# -- schema -----------------------------------------------------------------------------------------


async def test_the_schema_is_migrated_once_when_replicas_start_together(
    postgres_cluster: PostgresCluster, empty_db: str
) -> None:
    url = postgres_cluster.url(empty_db)
    admin = await asyncpg.connect(url)
    await admin.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)  # hold them all at the door
    stores = [PostgresWatchStore(url) for _ in range(3)]
    try:
        async with anyio.create_task_group() as tg:
            for store in stores:
                tg.start_soon(store.open)
            with anyio.fail_after(10):
                # All three found no schema and now wait for the migration lock.
                while await admin.fetchval(
                    "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                ) < len(stores):
                    await anyio.sleep(0.02)
            await admin.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
        rows = await admin.fetch("SELECT component, version FROM paymo_mcp.schema_migrations")
        assert [tuple(r) for r in rows] == [("watch", v) for v in range(1, SCHEMA_VERSION + 1)]
        for n, store in enumerate(stores):
            assert (await store.take("tasks", f"w{n}", 0)).new_watcher
    finally:
        for store in stores:
            await store.aclose()
        await admin.close()


async def test_a_schema_from_a_newer_version_is_refused_in_one_line(
    postgres_cluster: PostgresCluster, empty_db: str
) -> None:
    url = postgres_cluster.url(empty_db)
    first = PostgresWatchStore(url)
    await first.open()
    await first.aclose()
    admin = await asyncpg.connect(url)
    await admin.execute("INSERT INTO paymo_mcp.schema_migrations (component, version) VALUES ('watch', 99)")
    await admin.close()
    newer = PostgresWatchStore(url)
    with pytest.raises(WatchStoreError, match="version 99, written by a newer paymo-mcp") as refused:
        await newer.take("tasks", "w", 0)
    assert "\n" not in str(refused.value)
    await newer.aclose()


# -- hooks ------------------------------------------------------------------------------------------


def hook(hook_id: int, url: str = "https://mcp.example/webhooks/paymo/tasks") -> HookRecord:
    return HookRecord("tasks", hook_id, "model.insert.Task", url, SecretStr(f"secret-{hook_id}"))


async def test_one_hook_per_resource_and_target_for_the_whole_deployment(pg: PostgresBackend) -> None:
    a, b = pg.open(), pg.open()
    await a.save_hook(hook(1))
    await b.save_hook(hook(2))  # another replica registered the same target: it replaces the first
    assert [h.hook_id for h in await a.list_hooks()] == [2]
    # Two replicas saving at the same moment: one row survives, and it is one of theirs.
    async with anyio.create_task_group() as tg:
        tg.start_soon(a.save_hook, hook(3))
        tg.start_soon(b.save_hook, hook(4))
    [kept] = await b.list_hooks("tasks")
    assert kept.hook_id in (3, 4)
    found = await a.get_hook_by_resource("tasks", kept.target_url)
    assert found is not None and found.secret.get_secret_value() == f"secret-{kept.hook_id}"
    assert await pg.fetchval("SELECT COUNT(*) FROM paymo_mcp.hooks") == 1


# -- choosing the store -----------------------------------------------------------------------------


async def test_a_postgresql_url_selects_the_shared_store_and_nothing_else_does(
    pg: PostgresBackend, tmp_path: Path
) -> None:
    shared = open_store(tmp_path, pg.url)
    assert isinstance(shared, PostgresWatchStore) and isinstance(shared, WatchStore)
    assert pg.cluster.password not in repr(shared)
    await shared.aclose()
    alias = open_store(tmp_path, pg.url.replace("postgresql://", "postgres://"))
    assert isinstance(alias, PostgresWatchStore)
    await alias.aclose()
    for nothing in (None, "", "  "):
        local = open_store(tmp_path, nothing)
        assert isinstance(local, SqliteWatchStore)
        await local.aclose()
    with pytest.raises(WatchStoreError, match="not a postgresql:// URL"):
        open_store(tmp_path, "mysql://user:pw@db/paymo")


@pytest.mark.parametrize(
    "change, says",
    [
        (lambda url: url.replace("@127.0.0.1", "x@127.0.0.1"), "password authentication failed"),
        (lambda url: url.rsplit("/", 1)[0] + "/nope", 'database "nope" does not exist'),
        (lambda url: url.replace("127.0.0.1:", "127.0.0.1:port"), "cannot connect"),
    ],
)
async def test_a_wrong_url_is_refused_in_one_line_without_the_password(
    pg: PostgresBackend, change: Any, says: str
) -> None:
    wrong = PostgresWatchStore(change(pg.url))
    with pytest.raises(WatchStoreError, match=says) as refused:
        await wrong.take("tasks", "w", 0)
    message = str(refused.value)
    assert "\n" not in message and pg.cluster.password not in message
    await wrong.aclose()


# -- the database going away ------------------------------------------------------------------------


async def test_postgres_stopping_mid_run_fails_calls_in_one_line_and_the_same_store_recovers() -> None:
    """Takes with cursors and adds keep running while PostgreSQL stops (-m fast) and starts again:
    every failure is one WatchStoreError line naming host:port/dbname and never the password, the
    same store instances work again without a restart, and every record arrives exactly once."""
    try:
        cluster = PostgresCluster.create()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    with cluster:
        dbname = await cluster.create_database()
        url = cluster.url(dbname)
        producer, consumer = PostgresWatchStore(url), PostgresWatchStore(url)
        cursor = (await consumer.take("tasks", "w", 0)).cursor
        errors: list[WatchStoreError] = []
        got: list[int] = []
        total = 300
        started = time.time()
        half, stopped = anyio.Event(), anyio.Event()
        failed = {"producer": 0, "consumer": 0}

        async def produce() -> None:
            for start in range(1, total + 1, 5):
                if start > total // 2:
                    half.set()
                    await stopped.wait()  # the second half is added across the outage
                batch = [make_record(i, i / 100) for i in range(start, start + 5)]
                while True:
                    try:
                        await producer.add_events("tasks", batch)
                        break
                    except WatchStoreError as exc:
                        errors.append(exc)
                        failed["producer"] += 1
                        await anyio.sleep(0.05)
                await anyio.sleep(0.005)

        async def consume() -> None:
            nonlocal cursor
            while len(got) < total and time.time() - started < 40:
                try:
                    # Always the cursor of the last answer received: an answer lost in the outage
                    # (its commit cut off) is taken again instead of skipped.
                    answer = await consumer.take("tasks", "w", 7, cursor=cursor)
                except WatchStoreError as exc:
                    errors.append(exc)
                    failed["consumer"] += 1
                    await anyio.sleep(0.05)
                    continue
                got.extend(ids(answer.records))
                cursor = answer.cursor
                if not answer.records:
                    await anyio.sleep(0.01)

        async with anyio.create_task_group() as tg:
            tg.start_soon(produce)
            tg.start_soon(consume)
            await half.wait()
            await anyio.to_thread.run_sync(cluster.stop, "fast")
            stopped.set()
            with anyio.fail_after(20):  # both keep calling, and failing, while it is down
                while not (failed["producer"] and failed["consumer"]):
                    await anyio.sleep(0.02)
            # A store first used while the database is down says so, and works once it is back.
            late = PostgresWatchStore(url)
            with pytest.raises(WatchStoreError) as down:
                await late.take("tasks", "late", 0)
            await anyio.to_thread.run_sync(cluster.start)
        assert sorted(got) == list(range(1, total + 1))  # none lost, none twice
        assert (await late.take("tasks", "late", 0)).new_watcher
        errors.append(down.value)
        host = f"127.0.0.1:{cluster.port}/{dbname}"
        for error in errors:
            message = str(error)
            assert "\n" not in message and host in message and cluster.password not in message
            assert message.startswith("Watching is unavailable: the watch database ")
            assert "reconnects by itself, no restart needed" in message
        for store in (producer, consumer, late):
            await store.aclose()
