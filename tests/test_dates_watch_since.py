"""`since` starts a new watcher in the past; on a watcher that exists it is refused in one line, with
nothing taken, never silently ignored (the watcher's own position would win without a word)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import call, fails, settings_for

pytestmark = pytest.mark.anyio


async def test_since_on_an_existing_watcher_is_refused_and_takes_nothing(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    async with Client(build_server(settings_for(fresh, state_dir=tmp_path))) as client:
        first = await call(client, "watch_new_tasks", {"watcher": "desk", "since": "yesterday"})
        assert first["watcher"] == "desk"
        made = await call(client, "create_task", {"name": "After the first take", "project_id": 1})
        refused = await fails(client, "watch_new_tasks", {"watcher": "desk", "since": "2026-01-01T00:00Z"})
        assert "since" in refused and "already exists" in refused and "new watcher" in refused
        # The refusal took nothing: the task created in between is still there for the watcher.
        after = await call(client, "watch_new_tasks", {"watcher": "desk"})
        assert [t["id"] for t in after["tasks"]] == [made["id"]]
        # A new name with `since` is what the refusal points to, and it works.
        other = await call(client, "watch_new_tasks", {"watcher": "desk-2", "since": "yesterday"})
        assert made["id"] in [t["id"] for t in other["tasks"]]
