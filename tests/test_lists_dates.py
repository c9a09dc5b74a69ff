"""Issue 13, "Dates": list_tasks by due date and overdue (in the user's time zone), list_invoices by date,
status and overdue, list_time_entries by running timer."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import call, fails, settings_for

pytestmark = pytest.mark.anyio


def today_in(zone: str) -> date:
    return datetime.now(ZoneInfo(zone)).date()


def ids(page: dict[str, Any], key: str) -> list[int]:
    return [r["id"] for r in page[key]]


async def test_due_after_and_due_before_are_inclusive(mcp: Client) -> None:
    page = await call(mcp, "list_tasks", {"due_after": "2026-11-27", "due_before": "2026-12-01"})
    assert [t["name"] for t in page["tasks"]] == [
        "Design review with Acme",
        "Push notifications",
        "Logo usage rules",
    ]


async def test_overdue_tasks_are_the_open_ones_due_before_today(mcp: Client) -> None:
    today = today_in("UTC")
    late = await call(
        mcp, "create_task", {"name": "Late", "project_id": 1, "due_date": str(today - timedelta(days=3))}
    )
    done = await call(
        mcp,
        "create_task",
        {"name": "Done late", "project_id": 1, "due_date": str(today - timedelta(days=3)), "complete": True},
    )
    later = await call(
        mcp, "create_task", {"name": "Later", "project_id": 1, "due_date": str(today + timedelta(days=3))}
    )
    page = await call(mcp, "list_tasks", {"overdue": True, "limit": 100})
    found = ids(page, "tasks")
    assert late["id"] in found and done["id"] not in found and later["id"] not in found
    assert all(t["complete"] is False and t["due_date"] < str(today) for t in page["tasks"])
    assert "overdue" in await fails(mcp, "list_tasks", {"overdue": False})


async def set_timezone(sandbox: SandboxServer, zone: str) -> None:
    async with httpx.AsyncClient(base_url=sandbox.base_url, auth=(sandbox.api_key, "X")) as http:
        (await http.put("users/1", json={"timezone": zone})).raise_for_status()


async def test_overdue_counts_days_in_the_users_time_zone(fresh: SandboxServer) -> None:
    # UTC+14 and UTC-11: their dates always differ. A task due "today" in Pago Pago is already
    # overdue on Kiritimati, where that day has ended.
    due = today_in("Pacific/Pago_Pago")
    async with Client(build_server(settings_for(fresh))) as client:
        task = await call(
            client, "create_task", {"name": "Due today in Samoa", "project_id": 1, "due_date": str(due)}
        )
    found = {}
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        await set_timezone(fresh, zone)
        async with Client(build_server(settings_for(fresh))) as client:
            found[zone] = task["id"] in ids(
                await call(client, "list_tasks", {"overdue": True, "limit": 100}), "tasks"
            )
    assert found == {"Pacific/Kiritimati": True, "Pacific/Pago_Pago": False}


async def test_invoices_by_date_status_and_overdue(mcp: Client) -> None:
    today = today_in("UTC")
    past, future = str(today - timedelta(days=10)), str(today + timedelta(days=10))

    async def invoice(day: str, due: str, status: str | None = None) -> int:
        made = await call(
            mcp,
            "create_invoice",
            {
                "client_id": 2,
                "currency": "EUR",
                "date": day,
                "due_date": due,
                "items": [{"item": "Work", "price_unit": 100, "quantity": 1}],
            },
        )
        if status:
            await call(mcp, "update_invoice", {"id": made["id"], "status": status})
        return int(made["id"])

    march = [await invoice(f"2026-03-{d:02}", "2026-04-30") for d in (1, 15, 31)]
    page = await call(mcp, "list_invoices", {"date_after": "2026-03-15", "date_before": "2026-03-31"})
    assert ids(page, "invoices") == march[1:]

    sent_late = await invoice(past, past, "sent")
    viewed_late = await invoice(past, past, "viewed")
    draft_late = await invoice(past, past)
    paid_late = await invoice(past, past, "paid")
    sent_not_due = await invoice(past, future, "sent")
    page = await call(mcp, "list_invoices", {"overdue": True, "limit": 100})
    found = ids(page, "invoices")
    assert sent_late in found and viewed_late in found
    assert not {draft_late, paid_late, sent_not_due} & set(found)
    assert all(i["status"] in ("sent", "viewed") and i["due_date"] < str(today) for i in page["invoices"])
    sent = await call(mcp, "list_invoices", {"status": ["sent"], "date_after": past, "date_before": past})
    assert ids(sent, "invoices") == [sent_late, sent_not_due]


async def test_running_lists_the_running_timers(mcp: Client) -> None:
    timer = await call(mcp, "create_time_entry", {"task_id": 4, "start_time": "2026-11-28T09:00:00Z"})
    running = await call(mcp, "list_time_entries", {"running": True})
    assert ids(running, "time_entries") == [timer["id"]]
    stopped = await call(mcp, "list_time_entries", {"running": False, "limit": 100})
    assert timer["id"] not in ids(stopped, "time_entries") and stopped["count"] == 10
