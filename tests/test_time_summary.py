"""summarize_time: per-group and total seconds agree with the raw entries to the second, days are the
user's (Asia/Tokyo here, UTC+9), and amounts follow the same rates as create_invoice_from_time."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import call, fails, settings_for
from tests.test_invoice_from_time import WEEK, paymo_put, umbrella

pytestmark = pytest.mark.anyio
TOKYO = ZoneInfo("Asia/Tokyo")


def raw_entries(sandbox: SandboxServer) -> list[dict[str, Any]]:
    """Every entry as Paymo lists it, read past the MCP server."""
    response = httpx.get(sandbox.base_url + "entries", auth=(sandbox.api_key, "X"))
    response.raise_for_status()
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


def tokyo_day(entry: dict[str, Any]) -> str:
    if entry.get("start_time") is None:
        return str(entry["date"])
    moment = datetime.fromisoformat(entry["start_time"].replace("Z", "+00:00"))
    return moment.astimezone(TOKYO).date().isoformat()


async def test_days_are_tokyo_days_and_totals_match_the_raw_entries(fresh: SandboxServer) -> None:
    paymo_put(fresh, "users/1", {"timezone": "Asia/Tokyo"})
    async with Client(build_server(settings_for(fresh))) as mcp:
        for start, end in (
            ("2026-12-06T16:30:00Z", "2026-12-06T17:30:07Z"),  # Tokyo 12-07 01:30, UTC still 12-06
            ("2026-12-08T14:00:00Z", "2026-12-08T14:59:59Z"),  # Tokyo 12-08 23:00
            ("2026-12-09T15:30:00Z", "2026-12-09T16:00:00Z"),  # Tokyo 12-10 00:30: after the range
            ("2026-12-06T14:00:00Z", "2026-12-06T14:30:00Z"),  # Tokyo 12-06 23:00: before it
        ):
            await call(mcp, "create_time_entry", {"task_id": 4, "start_time": start, "end_time": end})
        await call(
            mcp,
            "log_time",
            {
                "entries": [
                    {"task_id": 4, "date": "2026-12-07", "duration": 7201},
                    {"task_id": 6, "date": "2026-12-09", "duration": 5400, "user_id": 2},
                ]
            },
        )
        # A timer running since Tokyo 12-08 10:00: no duration yet, not counted.
        await call(mcp, "create_time_entry", {"task_id": 4, "start_time": "2026-12-08T01:00:00Z"})
        by_day = await call(
            mcp, "summarize_time", {"start": "2026-12-07", "end": "2026-12-09", "group_by": "day"}
        )
        by_user = await call(
            mcp, "summarize_time", {"start": "2026-12-07", "end": "2026-12-09", "group_by": "user"}
        )
    days = Counter[str]()
    for entry in raw_entries(fresh):
        if entry.get("duration") is not None and "2026-12-07" <= tokyo_day(entry) <= "2026-12-09":
            days[tokyo_day(entry)] += int(entry["duration"])
    assert days == {"2026-12-07": 3607 + 7201, "2026-12-08": 3599, "2026-12-09": 5400}
    assert [(g["key"], g["name"], g["seconds"]) for g in by_day["groups"]] == [
        (day, date.fromisoformat(day).strftime("%A"), seconds) for day, seconds in sorted(days.items())
    ]
    assert by_day["total_seconds"] == by_user["total_seconds"] == sum(days.values())
    assert by_day["timezone"] == "Asia/Tokyo" and "1 running timer" in by_day["note"]
    # By user: Paymo bills a user's own rate first (user 1: 120/h, user 2: 95/h).
    users = {g["key"]: g for g in by_user["groups"]}
    assert users[1]["seconds"] == 3607 + 7201 + 3599 and users[2]["seconds"] == 5400
    assert users[1]["amount"] == round((3607 + 7201 + 3599) * 120 / 3600, 2)
    assert users[2]["amount"] == 142.5 and users[2]["name"] == "Maria Lopez"
    assert by_user["amount"] == round(users[1]["amount"] + users[2]["amount"], 2)


async def test_amounts_use_the_invoice_rates_and_non_billable_time_counts_apart(fresh: SandboxServer) -> None:
    paymo_put(fresh, "users/1", {"price_per_hour": None})
    async with Client(build_server(settings_for(fresh))) as mcp:
        ids = await umbrella(mcp)
        summary = await call(mcp, "summarize_time", {**WEEK, "group_by": "project"})
        by_client = await call(mcp, "summarize_time", {**WEEK, "group_by": "client"})
        invoice = await call(
            mcp,
            "create_invoice_from_time",
            {"client_id": ids["client"], **WEEK, "group_by": "project", "dry_run": True},
        )
    projects = {g["name"]: g for g in summary["groups"]}
    billed: Counter[str] = Counter()
    for line in invoice["invoice"]["items"]:
        billed[line["item"]] += line["price_unit"] * line["quantity"]
    for name in ("Lab Portal", "Field Study"):
        assert projects[name]["amount"] == round(billed[name], 2)
        assert projects[name]["billable_seconds"] == projects[name]["seconds"]
    internal = projects["Internal"]
    assert (internal["seconds"], internal["billable_seconds"], internal["amount"]) == (3600, 0, 0)
    clients = {g["name"]: g for g in by_client["groups"]}
    assert clients["Umbrella Research"]["seconds"] == 5400 + 2700 + 5400 + 2700 + 7200 + 3600
    assert clients["Acme Corporation"]["seconds"] == 3600
    assert (
        summary["total_seconds"] == by_client["total_seconds"] == sum(g["seconds"] for g in clients.values())
    )


async def test_bad_arguments_name_the_field(mcp: Client) -> None:
    backwards = await fails(mcp, "summarize_time", {"start": "2026-12-09", "end": "2026-12-07"})
    assert "end must not be before start" in backwards
    assert "group_by" in await fails(mcp, "summarize_time", {**WEEK, "group_by": "week"})
