"""Dates speak the user's words: every date argument takes YYYY-MM-DD, today, yesterday or tomorrow,
every date-time takes ISO 8601 or now, read in the Paymo user's time zone when the call is made; a
date the tools cannot read is refused naming the format; get_me says the zone and the time there."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import unquote_plus
from zoneinfo import ZoneInfo

import httpx
import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import call, control, fails, settings_for
from tests.test_invoice_from_time import paymo_put

pytestmark = pytest.mark.anyio
# UTC+14 and UTC-11 are 25 hours apart: their dates always differ, so at most one is UTC's date.
FAR_EAST, FAR_WEST = "Pacific/Kiritimati", "Pacific/Pago_Pago"


def session_in(sandbox: SandboxServer, zone: str) -> Client:
    """A server session whose Paymo user (user 1, the key's) lives in `zone`, set through Paymo's API."""
    paymo_put(sandbox, "users/1", {"timezone": zone})
    return Client(build_server(settings_for(sandbox)))


def local_days(zone: str) -> date:
    return datetime.now(ZoneInfo(zone)).date()


async def dated_in(sandbox: SandboxServer, zone: str) -> dict[str, Any]:
    """Due dates and entry days given as words, with the user's local dates read around the calls."""
    async with session_in(sandbox, zone) as client:
        before = local_days(zone)
        task = await call(client, "create_task", {"name": "Words", "project_id": 1, "due_date": "tomorrow"})
        entry = await call(
            client, "create_time_entry", {"task_id": task["id"], "date": "yesterday", "duration": "1h"}
        )
        moved = await call(client, "update_task", {"id": task["id"], "due_date": " Today "})
        after = local_days(zone)
    return {"task": task, "entry": entry, "moved": moved, "days": {before, after}}


@pytest.mark.parametrize("zone", [FAR_EAST, FAR_WEST])
async def test_day_words_are_the_users_days(fresh: SandboxServer, zone: str) -> None:
    got = await dated_in(fresh, zone)
    assert any(got["task"]["due_date"] == (d + timedelta(days=1)).isoformat() for d in got["days"])
    assert any(got["entry"]["date"] == (d - timedelta(days=1)).isoformat() for d in got["days"])
    assert any(got["moved"]["due_date"] == d.isoformat() for d in got["days"])


async def test_today_is_read_at_each_call_in_each_users_zone(fresh: SandboxServer) -> None:
    # One process, two users 25 hours apart: "today" is never one date fixed when the code loaded.
    east = await dated_in(fresh, FAR_EAST)
    west = await dated_in(fresh, FAR_WEST)
    assert east["moved"]["due_date"] != west["moved"]["due_date"]


async def test_now_starts_and_ends_an_entry_at_the_moment_of_the_call(fresh: SandboxServer) -> None:
    async with session_in(fresh, FAR_WEST) as client:
        started = datetime.now(UTC).replace(microsecond=0)
        entry = await call(
            client,
            "create_time_entry",
            {"task_id": 4, "start_time": "2026-01-05T09:00", "end_time": "now"},
        )
        ended = datetime.now(UTC)
        timer = await call(client, "create_time_entry", {"task_id": 4, "start_time": "NOW"})
    end = datetime.fromisoformat(entry["end_time"])
    assert started <= end <= ended
    # No offset: 09:00 in Pago Pago (UTC-11) is 20:00 UTC.
    assert entry["start_time"] == "2026-01-05T20:00:00Z"
    assert started <= datetime.fromisoformat(timer["start_time"]) <= datetime.now(UTC)


async def test_a_day_word_as_a_date_time_is_that_days_local_midnight(fresh: SandboxServer) -> None:
    async with session_in(fresh, FAR_EAST) as client:
        before = local_days(FAR_EAST)
        listed = await call(client, "list_time_entries", {"start": "today", "end": "tomorrow"})
        after = local_days(FAR_EAST)
    sent = unquote_plus([r for r in control(fresh, "requests") if r["path"] == "/api/entries"][-1]["query"])
    # Midnight in Kiritimati (UTC+14) is 10:00 UTC the day before.
    midnights = {(d - timedelta(days=1)).isoformat() + "T10:00:00Z" for d in (before, after)}
    assert any(m in sent for m in midnights), sent
    assert listed["count"] == len(listed["time_entries"])


@pytest.mark.parametrize(
    ("tool", "arguments", "message"),
    [
        (
            "create_task",
            {"name": "x", "project_id": 1, "due_date": "next friday"},
            'due_date: use YYYY-MM-DD or today/yesterday/tomorrow (got "next friday")',
        ),
        (
            "update_invoice",
            {"id": 1, "delivery_date": "2026-02-30"},
            'delivery_date: no such day; use YYYY-MM-DD or today/yesterday/tomorrow (got "2026-02-30")',
        ),
        (
            "create_time_entry",
            {"task_id": 1, "start_time": "half past nine"},
            "start_time: use ISO 8601 (2026-05-01T09:00, offset optional), a day (YYYY-MM-DD, today...) "
            'or now (got "half past nine")',
        ),
        (
            "create_invoice_from_time",
            {"client_id": 1, "start": 20260301, "end": "today"},
            "start: use YYYY-MM-DD or today/yesterday/tomorrow (got 20260301)",
        ),
    ],
)
async def test_a_date_it_cannot_read_is_refused_naming_the_format(
    fresh: SandboxServer, tool: str, arguments: dict[str, Any], message: str
) -> None:
    async with session_in(fresh, FAR_EAST) as client:
        await call(client, "get_me")  # the zone is known; then the log is cleared
        httpx.delete(fresh.base_url.replace("/api/", "/__sandbox/requests")).raise_for_status()
        text = await fails(client, tool, arguments)
    assert text == f"Error executing tool {tool}: Invalid arguments: {message}"
    assert control(fresh, "requests") == [], "a refused date reached Paymo"


async def test_get_me_gives_the_users_zone_and_the_time_there(fresh: SandboxServer) -> None:
    async with session_in(fresh, FAR_EAST) as client:
        before = datetime.now(UTC).replace(microsecond=0)
        me = await call(client, "get_me")
        after = datetime.now(UTC)
    assert me["timezone"] == FAR_EAST and me["id"] == 1
    now_local = datetime.fromisoformat(me["now_local"])
    assert now_local.utcoffset() == timedelta(hours=14)
    assert before <= now_local <= after
