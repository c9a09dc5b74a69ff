"""start_timer / stop_timer / log_time against the sandbox: one timer per user, stopping by the server's
clock, and batch logging that logs a week once however often it runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from tests.helpers import call, control, fails, fault

pytestmark = pytest.mark.anyio


def _ago(minutes: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_a_timer_starts_now_and_a_second_start_names_the_running_one(mcp: Client) -> None:
    started = (await call(mcp, "start_timer", {"task_id": 4, "description": "Palette"}))["entry"]
    assert started["end_time"] is None and started["task_id"] == 4 and started["user_id"] == 1
    moment = datetime.fromisoformat(started["start_time"].replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - moment).total_seconds()) < 120
    again = await fails(mcp, "start_timer", {"task_id": 6})
    assert f"entry {started['id']}" in again and "stop_timer" in again
    running = await call(mcp, "list_time_entries", {"task_id": 6})
    assert running["time_entries"] == [], "the refused start wrote nothing"


async def test_stop_timer_stops_your_running_timer_and_gives_its_duration(mcp: Client) -> None:
    started = (await call(mcp, "start_timer", {"task_id": 4}))["entry"]
    # The timer began 90 minutes ago (as if started then): moved back through Paymo's own update.
    await call(mcp, "update_time_entry", {"id": started["id"], "start_time": _ago(90)})
    stopped = await call(mcp, "stop_timer")
    entry = stopped["entry"]
    assert entry["id"] == started["id"] and entry["end_time"] is not None
    assert 90 * 60 <= entry["duration"] <= 90 * 60 + 120
    assert stopped["hours"] == round(entry["duration"] / 3600, 2)
    assert (await call(mcp, "get_time_entry", {"id": started["id"]}))["duration"] == entry["duration"]
    assert (await fails(mcp, "stop_timer")).endswith("No timer is running for you; start_timer starts one.")


async def test_stop_timer_by_id_refuses_what_is_not_running(mcp: Client) -> None:
    message = await fails(mcp, "stop_timer", {"entry_id": 1})  # a seeded, finished entry
    assert message.endswith("entry_id: entry 1 is not a running timer.")


async def test_a_timer_under_a_minute_is_left_running_with_a_clear_line(mcp: Client) -> None:
    started = (await call(mcp, "start_timer", {"task_id": 4}))["entry"]
    message = await fails(mcp, "stop_timer", {"entry_id": started["id"]})
    assert "under a minute" in message and "still running" in message
    assert (await call(mcp, "get_time_entry", {"id": started["id"]}))["end_time"] is None


WEEK = [
    {"task_id": 4, "date": f"2026-12-0{day}", "duration": 3600 * hours, "description": "Design"}
    for day, hours in ((7, 2), (8, 3), (9, 1))
] + [{"task_id": 6, "date": "2026-12-07", "duration": 1800}]


def _posts(sandbox: SandboxServer) -> int:
    log: list[dict[str, Any]] = control(sandbox, "requests")
    return sum(1 for r in log if r["method"] == "POST" and r["path"] == "/api/entries")


async def test_log_time_logs_a_week_once_however_often_it_runs(mcp: Client, fresh: SandboxServer) -> None:
    first = await call(mcp, "log_time", {"entries": WEEK})
    assert [(r["task_id"], r["date"], r["duration"]) for r in first["logged"]] == [
        (e["task_id"], e["date"], e["duration"]) for e in WEEK
    ]
    assert first["skipped"] == []
    second = await call(mcp, "log_time", {"entries": WEEK})
    assert second["logged"] == []
    assert sorted(r["existing_id"] for r in second["skipped"]) == sorted(r["id"] for r in first["logged"])
    assert _posts(fresh) == len(WEEK), "the second run wrote nothing"
    stored = await call(mcp, "list_time_entries", {"task_id": 4, "start": "2026-12-07", "end": "2026-12-10"})
    assert sorted(e["duration"] for e in stored["time_entries"]) == [3600, 7200, 10800]


async def test_log_time_skips_only_the_entries_that_exist(mcp: Client) -> None:
    await call(mcp, "log_time", {"entries": WEEK[:2]})
    rest = await call(mcp, "log_time", {"entries": [*WEEK, {**WEEK[0], "duration": 900}]})
    assert [(r["date"], r["duration"]) for r in rest["skipped"]] == [
        ("2026-12-07", 7200),
        ("2026-12-08", 10800),
    ]
    assert [(r["task_id"], r["date"], r["duration"]) for r in rest["logged"]] == [
        (4, "2026-12-09", 3600),
        (6, "2026-12-07", 1800),
        (4, "2026-12-07", 900),
    ]


async def test_log_time_dry_run_and_bad_task_write_nothing(mcp: Client, fresh: SandboxServer) -> None:
    preview = await call(mcp, "log_time", {"entries": WEEK, "dry_run": True})
    assert preview["dry_run"] is True and len(preview["would_log"]) == len(WEEK)
    message = await fails(
        mcp, "log_time", {"entries": [*WEEK, {"task_id": 99999, "date": "2026-12-07", "duration": 60}]}
    )
    assert ": entries.4.task_id: no task 99999" in message and "nothing was logged" in message
    assert _posts(fresh) == 0


async def test_a_failed_create_says_what_was_logged_and_a_rerun_completes(
    mcp: Client, fresh: SandboxServer
) -> None:
    await call(mcp, "log_time", {"entries": WEEK[:1]})
    fault(fresh, method="POST", path_prefix="/api/entries", status=400, times=1)
    message = await fails(mcp, "log_time", {"entries": WEEK})
    assert "Logged 0 of 3" in message and "skips what was logged" in message
    rerun = await call(mcp, "log_time", {"entries": WEEK})
    assert (len(rerun["skipped"]), len(rerun["logged"])) == (1, 3)
