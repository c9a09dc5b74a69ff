"""Times are the Paymo user's (audit D6; users.md: each user has a `timezone`): a date-time without an
offset is that zone's local time, invoice days start at its midnight, and "today" is its today, not the
server's. The zone is read once from GET /me."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import call, control, settings_for
from tests.test_invoice_from_time import paymo_put

pytestmark = pytest.mark.anyio


async def session_in(sandbox: SandboxServer, zone: str) -> Client:
    """A server session whose Paymo user (user 1) lives in `zone`."""
    paymo_put(sandbox, "users/1", {"timezone": zone, "price_per_hour": None})
    return Client(build_server(settings_for(sandbox)))


def me_requests(sandbox: SandboxServer) -> int:
    log: list[dict[str, Any]] = control(sandbox, "requests")
    return sum(1 for r in log if r["method"] == "GET" and r["path"] == "/api/me")


async def test_a_time_without_offset_is_the_users_local_time(fresh: SandboxServer) -> None:
    async with await session_in(fresh, "Asia/Tokyo") as client:  # UTC+9, no daylight saving
        local = await call(
            client,
            "create_time_entry",
            {"task_id": 4, "start_time": "2026-11-02T09:00", "end_time": "2026-11-02T10:30:00"},
        )
        explicit = await call(
            client,
            "create_time_entry",
            {"task_id": 4, "start_time": "2026-11-03T09:00:00Z", "end_time": "2026-11-03T10:00:00+00:00"},
        )
        moved = await call(client, "update_time_entry", {"id": local["id"], "end_time": "2026-11-02T11:00"})
        listed = await call(
            client, "list_time_entries", {"start": "2026-11-02T08:59", "end": "2026-11-02T09:01"}
        )
    assert (local["start_time"], local["end_time"]) == ("2026-11-02T00:00:00Z", "2026-11-02T01:30:00Z")
    assert explicit["start_time"] == "2026-11-03T09:00:00Z"
    assert moved["end_time"] == "2026-11-02T02:00:00Z"
    assert [e["id"] for e in listed["time_entries"]] == [local["id"]]
    assert me_requests(fresh) == 1, "the zone is read once and kept"


async def test_invoice_days_start_at_the_users_midnight(fresh: SandboxServer) -> None:
    async with await session_in(fresh, "Asia/Tokyo") as client:
        customer = await call(client, "create_client", {"name": "Tokyo Trading"})
        project = await call(
            client,
            "create_project",
            {"name": "Shop", "client_id": customer["id"], "billable": True, "price_per_hour": 100},
        )
        task = await call(client, "create_task", {"name": "Build", "project_id": project["id"]})

        async def log(start: str, end: str) -> int:
            entry = await call(
                client, "create_time_entry", {"task_id": task["id"], "start_time": start, "end_time": end}
            )
            return int(entry["id"])

        # 2026-03-09 in Tokyo runs from 03-08 15:00 UTC to 03-09 15:00 UTC.
        early = await log("2026-03-08T16:00:00Z", "2026-03-08T17:00:00Z")  # Tokyo 03-09 01:00: inside
        late = await log("2026-03-09T20:00:00Z", "2026-03-09T21:00:00Z")  # Tokyo 03-10 05:00: outside
        preview = await call(
            client,
            "create_invoice_from_time",
            {"client_id": customer["id"], "start": "2026-03-09", "end": "2026-03-09", "dry_run": True},
        )
    assert [i["entries"] for i in preview["invoice"]["items"]] == [[early]]
    assert late not in preview["invoice"]["items"][0]["entries"]


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
async def test_the_invoice_date_is_today_where_the_user_is(fresh: SandboxServer, zone: str) -> None:
    # UTC+14 and UTC-11 are 25 hours apart: their dates always differ, so at most one is the server's.
    async with await session_in(fresh, zone) as client:
        before = datetime.now(ZoneInfo(zone)).date().isoformat()
        preview = await call(
            client,
            "create_invoice_from_time",
            {"client_id": 1, "start": "2026-11-01", "end": "2026-11-30", "dry_run": True},
        )
        after = datetime.now(ZoneInfo(zone)).date().isoformat()
    assert preview["invoice"]["date"] in (before, after)
