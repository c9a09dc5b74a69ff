"""Hook records: kept with the events, found by resource and URL, their secrets never shown."""

from __future__ import annotations

import dataclasses
import stat
from functools import partial
from pathlib import Path

import anyio
import pytest
from pydantic import SecretStr

from paymo_mcp.watch import HookRecord, WatchStore, open_store
from paymo_mcp.watch.postgres_store import PostgresWatchStore
from tests.watch.backends import StoreBackend

pytestmark = pytest.mark.anyio

SECRET = "hook-secret-7c1e5a"


def hook(
    hook_id: int, resource: str = "tasks", url: str = "https://mcp.example/webhooks/paymo/tasks"
) -> HookRecord:
    return HookRecord(resource, hook_id, "model.insert.Task", url, SecretStr(SECRET))


async def test_hooks_are_saved_found_replaced_and_deleted(store: WatchStore) -> None:
    await store.save_hook(hook(1))
    await store.save_hook(hook(2, "projects", "https://mcp.example/webhooks/paymo/projects"))
    assert {h.hook_id for h in await store.list_hooks()} == {1, 2}
    assert [h.hook_id for h in await store.list_hooks("projects")] == [2]
    found = await store.get_hook_by_resource("tasks", "https://mcp.example/webhooks/paymo/tasks")
    assert found == hook(1)
    assert found is not None and found.secret.get_secret_value() == SECRET
    assert await store.get_hook_by_resource("tasks", "https://elsewhere.example/") is None

    await store.save_hook(dataclasses.replace(hook(1), target_url="https://new.example/hook"))
    assert [h.target_url for h in await store.list_hooks("tasks")] == ["https://new.example/hook"]

    assert await store.delete_hook(1)
    assert not await store.delete_hook(1)
    assert [h.hook_id for h in await store.list_hooks()] == [2]


async def test_hooks_survive_a_restart(backend: StoreBackend) -> None:
    first = backend.open()
    await first.save_hook(hook(5))
    await first.aclose()
    again = backend.open()
    assert await again.list_hooks() == [hook(5)]
    await again.aclose()


def test_a_hook_record_never_shows_its_secret() -> None:
    record = hook(1)
    for shown in (repr(record), str(record), str(dataclasses.asdict(record)), f"{record}"):
        assert SECRET not in shown
    assert "hook_id=1" in repr(record)


async def test_the_state_file_is_private_to_its_user(tmp_path: Path) -> None:
    store = open_store(tmp_path / "state")
    await store.save_hook(hook(1))
    await store.aclose()
    assert stat.S_IMODE((tmp_path / "state" / "watch.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700


async def test_a_closed_store_refuses_calls(backend: StoreBackend) -> None:
    store = backend.open()
    await store.aclose()
    await store.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await store.list_hooks()


async def test_high_water_only_moves_forward(store: WatchStore) -> None:
    assert await store.high_water("tasks") is None
    await store.set_high_water("tasks", 50)
    await store.set_high_water("tasks", 40)  # a slower poller finishing late
    assert await store.high_water("tasks") == 50
    assert await store.high_water("projects") is None


async def test_holders_of_one_lock_take_turns_across_store_instances(backend: StoreBackend) -> None:
    """`exclusive`: what hook registration runs under. On PostgreSQL two stores (two replicas) on one
    database take turns; on SQLite one store's callers do. Another key does not wait."""
    one = backend.open()
    two = backend.open() if isinstance(one, PostgresWatchStore) else one
    inside: list[str] = []
    overlaps: list[str] = []

    async def hold(name: str) -> str:
        if inside:
            overlaps.append(name)
        inside.append(name)
        await anyio.sleep(0.1)
        inside.remove(name)
        return name

    results: list[str] = []

    async def run(store: WatchStore, name: str, key: str = "hook tasks") -> None:
        results.append(await store.exclusive(key, partial(hold, name)))

    async with anyio.create_task_group() as tg:
        for i in range(3):
            tg.start_soon(run, one, f"one-{i}")
            tg.start_soon(run, two, f"two-{i}")
    assert sorted(results) == sorted(f"{s}-{i}" for s in ("one", "two") for i in range(3))
    assert overlaps == []

    # The lock is let go after a failure too, and a different key never waits for it.
    async def boom() -> str:
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        await one.exclusive("hook tasks", boom)
    with anyio.fail_after(5):
        assert await two.exclusive("hook tasks", partial(hold, "after")) == "after"
