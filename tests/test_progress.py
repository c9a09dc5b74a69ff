"""Long operations send MCP progress notifications when the client asks for them (a progress callback)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import settings_for

pytestmark = pytest.mark.anyio

Progress = tuple[float, float | None, str | None]


def recorder() -> tuple[list[Progress], Callable[[float, float | None, str | None], Awaitable[None]]]:
    seen: list[Progress] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    return seen, on_progress


def assert_well_formed(seen: list[Progress]) -> None:
    values = [p for p, _, _ in seen]
    assert values == sorted(set(values)), f"progress must only go up: {values}"
    for progress, total, message in seen:
        assert message, "each notification says what happened"
        assert total is None or progress <= total


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_long_list_reports_each_page(fresh: SandboxServer, mode: str) -> None:
    # 1200 more tasks in Website Redesign's "Discovery" list: 600 of them take more than one page.
    rows = [
        {
            "name": f"Bulk task {n}",
            "project_id": 1,
            "tasklist_id": 1,
            "code": f"WEB-{100 + n}",
            "status_id": 1,
        }
        for n in range(1200)
    ]
    fresh.app.bulk_insert("tasks", rows)
    seen, on_progress = recorder()
    async with Client(build_server(settings_for(fresh)), mode=mode) as client:
        result = await client.call_tool(
            "list_tasks", {"limit": 600, "fields": ["name"]}, progress_callback=on_progress
        )
        assert not result.is_error and result.structured_content is not None
        assert result.structured_content["count"] == 600
        assert len(seen) >= 1, "no progress for a 600-record list"
        assert_well_formed(seen)
        assert all(total == 600 for _, total, _ in seen)
        assert seen[-1][0] == 600 and "tasks so far" in (seen[-1][2] or "")
        # Without a callback the same call still works (no progress token, nothing sent).
        quiet = await client.call_tool("list_tasks", {"limit": 600, "fields": ["name"]})
        assert quiet.structured_content is not None and quiet.structured_content["count"] == 600


async def invoice_progress(client: Client, arguments: dict[str, Any]) -> list[Progress]:
    seen, on_progress = recorder()
    result = await client.call_tool("create_invoice_from_time", arguments, progress_callback=on_progress)
    assert not result.is_error, result.content
    return seen


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_invoice_from_time_reports_each_step(fresh: SandboxServer, mode: str) -> None:
    async with Client(build_server(settings_for(fresh)), mode=mode) as client:
        # Seeded Acme time in November (Visual design 3.5 h; Push notifications on a flat-rate project).
        november = {"client_id": 1, "start": "2026-11-01", "end": "2026-11-30"}
        preview = await invoice_progress(client, {**november, "dry_run": True})
        assert [(p, t) for p, t, _ in preview] == [(1, 3), (2, 3), (3, 3)]
        assert_well_formed(preview)
        assert preview[0][2] == "3 unbilled time entries found"
        made = await invoice_progress(client, november)
        assert [(p, t) for p, t, _ in made] == [(1, 4), (2, 4), (3, 4), (4, 4)]
        assert (made[-1][2] or "").startswith("draft invoice #INV-")
