"""The running server prunes the watch store by itself: what aged past the retention goes, idle
watchers go, without anyone calling `prune`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import anyio
import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from paymo_mcp.watch import SqliteWatchStore
from tests.helpers import call, settings_for
from tests.watch.fake_clock import DAY, FakeClock

pytestmark = pytest.mark.anyio


def count(path: Path, sql: str) -> int:
    with sqlite3.connect(path, timeout=30) as db:
        return int(db.execute(sql).fetchone()[0])


async def test_the_server_prunes_old_deliveries_and_idle_watchers_on_its_own(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    path = tmp_path / "watch.sqlite3"
    clock = FakeClock()
    clock.advance(-40 * DAY)
    past = SqliteWatchStore(path, clock=clock)
    await past.take("tasks", "idle", 0)  # 40 days ago, never again
    clock.advance(30 * DAY)
    await past.take("tasks", "w", 0)
    await past.add_events("tasks", [{"id": 900000 + i, "name": "old"} for i in range(50)])
    await past.take("tasks", "w", 50)  # 10 days ago: delivered, past the 7-day retention
    await past.aclose()
    payloads = "SELECT COUNT(*) FROM payloads"
    assert count(path, payloads) == 50 and count(path, "SELECT COUNT(*) FROM watchers") == 2

    async with Client(build_server(settings_for(fresh, state_dir=tmp_path))) as client:
        assert (await call(client, "list_tasks", {"limit": 1}))["count"] == 1
        with anyio.fail_after(60):  # a guard against hanging, not a timing assertion
            while count(path, payloads):
                await anyio.sleep(0.02)
        assert count(path, "SELECT COUNT(*) FROM watchers") == 1
        assert count(path, "SELECT COUNT(*) FROM delivered") == 0
        got = await call(client, "watch_new_tasks", {"watcher": "w"})
        assert got["count"] == 0  # pruned records are never handed out again
