"""The timesheet and invoice views in Chromium, fed real tool results from the sandbox: what is on screen
agrees with the tools (totals to the minute, Paymo's worked invoice example), and a click or a key in a
view becomes the right tools/call through the host. Screenshots of both views, light and dark, are
saved under each test's output (UPDATE_SCREENSHOTS=1 refreshes docs/screenshots/ for the README)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from tests.apps.conftest import AppHost
from tests.helpers import call
from tests.test_invoice_from_time import WEEK, umbrella

pytest.importorskip("playwright")
from playwright.async_api import expect

pytestmark = pytest.mark.anyio
BACKGROUND = {"light": "rgb(255, 255, 255)", "dark": "rgb(27, 27, 30)"}  # the host page's variables


def hm(seconds: int) -> str:
    """As the timesheet shows time: h:mm, to the minute (half a minute up)."""
    minutes = (seconds + 30) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def ago(minutes: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


async def background(view: Any, selector: str = "body") -> str:
    color: str = await view.locator(selector).evaluate("(b) => getComputedStyle(b).backgroundColor")
    return color


async def test_timesheet_totals_match_summarize_time_to_the_minute(host: AppHost, apps_mcp: Client) -> None:
    ids = await umbrella(apps_mcp)
    await call(apps_mcp, "create_time_entry", {"task_id": 4, "start_time": ago(47)})  # a running timer
    view = await host.show("summarize_time", {**WEEK, "group_by": "task"})
    summary = host.result.structured_content
    assert summary["total_seconds"] > 0 and summary["billable_seconds"] < summary["total_seconds"]
    await expect(view.locator("#grand-total")).to_have_text(hm(summary["total_seconds"]))
    await expect(view.locator("#sum-total")).to_have_text(hm(summary["total_seconds"]))
    await expect(view.locator("#sum-billable")).to_have_text(hm(summary["billable_seconds"]))
    await expect(view.locator("#grand-billable")).to_have_text(hm(summary["billable_seconds"]))
    await expect(view.locator("#sum-nonbillable")).to_have_text(
        hm(summary["total_seconds"] - summary["billable_seconds"])
    )
    for group in summary["groups"]:
        row = view.locator(f'tr.task[data-task="{group["key"]}"]')
        await expect(row.locator('td[data-kind="total"]')).to_have_text(hm(group["seconds"]))
        await expect(row.locator('td[data-kind="billable"]')).to_have_text(hm(group["billable_seconds"]))
    by_project = await call(apps_mcp, "summarize_time", {**WEEK, "group_by": "project"})
    for group in by_project["groups"]:
        row = view.locator(f'tr.project[data-project="{group["key"]}"]')
        await expect(row.locator('td[data-kind="total"]')).to_have_text(hm(group["seconds"]))
    by_day = await call(apps_mcp, "summarize_time", {**WEEK, "group_by": "day"})
    days = {g["key"]: g["seconds"] for g in by_day["groups"]}
    for n in range(7):
        day = f"2026-03-0{2 + n}"
        cell = view.locator(f'tfoot tr.total-row td[data-day="{day}"]')
        await expect(cell).to_have_text(hm(days.get(day, 0)))
    # The running timer, with its task, and a Stop button.
    await expect(view.locator("#timer")).to_contain_text("Visual design")
    await expect(view.locator("#stop-timer")).to_be_visible()
    assert ids["api"]
    await host.shown_text()
    assert await background(view) == BACKGROUND["light"]
    await host.screenshot("timesheet-light", readme=True)
    await host.set_theme("dark")
    await expect(view.locator("html")).to_have_attribute("data-theme", "dark")
    assert await background(view) == BACKGROUND["dark"]
    await host.screenshot("timesheet-dark", readme=True)


async def test_a_click_in_a_grid_cell_logs_time_with_log_time_and_the_grid_follows(
    host: AppHost, apps_mcp: Client
) -> None:
    ids = await umbrella(apps_mcp)
    api_task = (await call(apps_mcp, "get_time_entry", {"id": ids["api"][0]}))["task_id"]
    view = await host.show("summarize_time", {**WEEK, "group_by": "task"})
    before = host.result.structured_content["total_seconds"]
    row = view.locator(f'tr.task[data-task="{api_task}"]')
    await row.locator('td[data-day="2026-03-04"]').click()
    editor = row.locator('td[data-day="2026-03-04"] input')
    await expect(editor).to_be_focused()
    await editor.fill("1:15")
    await editor.press("Enter")
    await expect(view.locator("#status")).to_contain_text("Logged 1:15 on API design")
    calls = await host.calls()
    assert calls[0] == {
        "name": "log_time",
        "arguments": {"entries": [{"task_id": api_task, "date": "2026-03-04", "duration": 4500}]},
    }
    assert calls[1] == {"name": "summarize_time", "arguments": {**WEEK, "group_by": "task"}}
    await expect(row.locator('td[data-day="2026-03-04"]')).to_have_text("1:15")
    await expect(view.locator("#grand-total")).to_have_text(hm(before + 4500))
    # The focus stays where the person was, ready for the next entry.
    await expect(row.locator('td[data-day="2026-03-04"]')).to_be_focused()
    after = await call(apps_mcp, "summarize_time", {**WEEK, "group_by": "task"})
    assert after["total_seconds"] == before + 4500


async def test_the_grid_is_usable_by_keyboard(host: AppHost, apps_mcp: Client) -> None:
    ids = await umbrella(apps_mcp)
    api_task = (await call(apps_mcp, "get_time_entry", {"id": ids["api"][0]}))["task_id"]
    view = await host.show("summarize_time", {**WEEK, "group_by": "task"})
    api_row = view.locator(f'tr.task[data-task="{api_task}"]')
    await view.locator("#show-projects").focus()
    await host.page.keyboard.press("Tab")  # into the grid: its one tab stop
    focused = view.locator(":focus")
    await expect(focused).to_have_attribute("data-r", "0")
    # Down to the API design row, right to Monday (the first day): the grid's arrows, then Enter.
    rows = await view.locator("#grid tbody tr").evaluate_all(
        "(rows) => rows.map((r) => r.dataset.task || 'p' + r.dataset.project)"
    )
    for _ in range(rows.index(str(api_task))):
        await host.page.keyboard.press("ArrowDown")
    await host.page.keyboard.press("ArrowRight")
    await expect(api_row.locator('td[data-day="2026-03-02"]')).to_be_focused()
    await host.page.keyboard.press("Enter")
    await host.page.keyboard.type("0.5")
    await host.page.keyboard.press("Enter")
    await expect(view.locator("#status")).to_contain_text("Logged 0:30")
    assert (await host.calls())[0]["arguments"] == {
        "entries": [{"task_id": api_task, "date": "2026-03-02", "duration": 1800}]
    }
    # Escape leaves an editor without a call.
    await host.page.keyboard.press("Enter")
    await host.page.keyboard.type("3")
    await host.page.keyboard.press("Escape")
    await expect(api_row.locator('td[data-day="2026-03-02"]')).to_be_focused()
    assert len(await host.calls()) == 2


async def test_timer_buttons_stop_and_start_timers_through_the_timer_tools(
    host: AppHost, apps_mcp: Client
) -> None:
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday())
    week = {"start": monday.isoformat(), "end": (monday + timedelta(days=6)).isoformat()}
    running = await call(apps_mcp, "create_time_entry", {"task_id": 4, "start_time": ago(95)})
    await call(
        apps_mcp, "log_time", {"entries": [{"task_id": 6, "date": monday.isoformat(), "duration": 3600}]}
    )
    view = await host.show("summarize_time", {**week, "group_by": "task"})
    await expect(view.locator("#timer")).to_contain_text("Visual design")
    await view.locator("#stop-timer").click()
    await expect(view.locator("#status")).to_contain_text("Timer stopped after 1:35")
    assert (await host.calls())[0] == {"name": "stop_timer", "arguments": {"entry_id": running["id"]}}
    await expect(view.locator("#timer")).to_be_hidden()
    start = view.locator('tr.task[data-task="6"] .rowh button')
    await expect(start).to_have_attribute("aria-label", "Start a timer on Set up CMS")
    await start.click()
    await expect(view.locator("#timer")).to_contain_text("Set up CMS")
    assert (await host.calls())[2] == {"name": "start_timer", "arguments": {"task_id": 6}}
    # Stopped at once, Paymo would keep no entry: the tool says so, and the view shows its words.
    await view.locator('tr.task[data-task="6"] .rowh button').click()
    await expect(view.locator("#status")).to_contain_text("Paymo keeps no entry under a minute")
    assert (await host.calls())[-1]["name"] == "stop_timer"
    await expect(view.locator("#timer")).to_be_visible()


async def test_zero_rows_long_names_and_a_busy_month(
    host: AppHost, apps_mcp: Client, fresh: SandboxServer
) -> None:
    view = await host.show("summarize_time", {"start": "2030-01-07", "end": "2030-01-13"})
    await expect(view.locator("#empty")).to_have_text("No time logged from January 7 to January 13, 2030.")
    await expect(view.locator("#grid")).to_be_hidden()
    await expect(view.locator("#sum-total")).to_have_text("0:00")

    long_name = "Quarterly reconciliation of the " + "very " * 40 + "long-named account"
    task = await call(apps_mcp, "create_task", {"name": long_name, "project_id": 1})
    rows = [
        {"task_id": task["id"], "user_id": 1, "date": "2026-02-02", "duration": 3600, "is_bulk": True},
        *busy_month(fresh),
    ]
    fresh.app.bulk_insert("entries", rows)
    view = await host.show("summarize_time", {"start": "2026-02-01", "end": "2026-02-28", "group_by": "task"})
    summary = host.result.structured_content
    await expect(view.locator("#grand-total")).to_have_text(hm(summary["total_seconds"]))
    await expect(view.locator("#sum-total")).to_have_text(hm(summary["total_seconds"]))
    shown = await view.locator("#grid tbody tr.task").count()
    assert shown > 100, shown
    header = view.locator(f'tr.task[data-task="{task["id"]}"] th.rowh')
    await expect(header).to_have_attribute("title", f"{long_name} — Website Redesign")
    box = await header.bounding_box()
    assert box is not None and box["width"] <= 300
    # Four weeks and a day: a subtotal column after each week.
    assert await view.locator("thead th.wk").count() == 5
    await host.screenshot("timesheet-busy-month")


def busy_month(sandbox: SandboxServer) -> list[dict[str, Any]]:
    """A month of a busy team: 160 tasks in 8 projects, 3 people, 20 working days, 4,800 entries."""
    projects = sandbox.app.bulk_insert(
        "projects", [{"name": f"Client project {n}", "code": f"CP{n}", "client_id": 1} for n in range(8)]
    )
    lists = sandbox.app.bulk_insert("tasklists", [{"name": "Work", "project_id": p} for p in projects])
    tasks = sandbox.app.bulk_insert(
        "tasks",
        [
            {
                "name": f"Task {n:03d} of project {n % 8}",
                "project_id": projects[n % 8],
                "tasklist_id": lists[n % 8],
            }
            for n in range(160)
        ],
    )
    days = [f"2026-02-{d:02d}" for d in range(2, 28) if datetime(2026, 2, d).weekday() < 5]
    return [
        {"task_id": t, "user_id": 1 + n % 3, "date": day, "duration": 900 + 60 * (n % 7), "is_bulk": True}
        for n, t in enumerate(tasks)
        for day in days[n % 3 :: 1][:10]
        for _ in range(3)
    ][:4800]


async def test_invoice_preview_is_15_x_25_at_3_percent_and_a_click_creates_it(
    host: AppHost, apps_mcp: Client
) -> None:
    client = await call(apps_mcp, "create_client", {"name": "Globex Corporation"})
    project = await call(
        apps_mcp, "create_project", {"name": "Support", "client_id": client["id"], "billable": True}
    )
    task = await call(apps_mcp, "create_task", {"name": "Support hours", "project_id": project["id"]})
    for day in ("2026-03-02", "2026-03-03", "2026-03-04"):
        await call(apps_mcp, "create_time_entry", {"task_id": task["id"], "date": day, "duration": 5 * 3600})
    args = {"client_id": client["id"], **WEEK, "price_per_hour": 25, "tax": 3, "dry_run": True}
    view = await host.show("create_invoice_from_time", args)
    await expect(view.locator("#status-badge")).to_have_text("preview")
    await expect(view.locator("#client")).to_have_text("Globex Corporation")
    line = view.locator(".lines tbody tr")
    await expect(line).to_have_count(1)
    await expect(line.locator("td")).to_have_text(
        ["Support hours3 time entries, 2026-03-02 to 2026-03-04", "15", "$25.00", "$375.00"]
    )
    await expect(view.locator("#subtotal")).to_have_text("$375.00")
    await expect(view.locator("#tax-amount")).to_have_text("$11.25")
    await expect(view.locator("#total")).to_have_text("$386.25")
    await host.shown_text()
    assert await background(view, ".paper") == BACKGROUND["light"]
    await host.screenshot("invoice-preview-light", readme=True)
    await host.set_theme("dark")
    assert await background(view, ".paper") == BACKGROUND["dark"]
    await host.screenshot("invoice-preview-dark", readme=True)
    await host.set_theme("light")

    before = (await call(apps_mcp, "list_invoices", {"limit": 100}))["count"]
    await view.locator("#create").click()
    await expect(view.locator("#confirm-text")).to_have_text(
        "Create a draft invoice of $386.25 for Globex Corporation? Its 3 time entries will be marked billed."
    )
    await expect(view.locator("#confirm-create")).to_be_focused()
    assert await host.calls() == []  # asking is not doing
    await host.page.keyboard.press("Enter")
    await expect(view.locator("#status")).to_contain_text("Draft invoice")
    calls = await host.calls()
    assert calls == [
        {"name": "create_invoice_from_time", "arguments": {**args, "group_by": "task", "dry_run": False}}
    ]
    await expect(view.locator("#status-badge")).to_have_text("draft")
    await expect(view.locator("#total")).to_have_text("$386.25")
    await expect(view.locator("#outstanding")).to_have_text("$386.25")
    await expect(view.locator("#create")).to_have_count(0)
    invoices = await call(apps_mcp, "list_invoices", {"limit": 100})
    assert invoices["count"] == before + 1
    number = (await view.locator(".number").text_content() or "").strip()
    made = next(i for i in invoices["invoices"] if i["number"] == number)
    assert (made["total"], made["status"]) == (386.25, "draft")


async def test_get_invoice_shows_lines_payments_outstanding_and_status(
    host: AppHost, apps_mcp: Client
) -> None:
    await call(apps_mcp, "record_invoice_payment", {"invoice_id": 2, "amount": 100, "date": "2026-12-01"})
    view = await host.show("get_invoice", {"id": 2})
    # get_invoice without its lines: the view asks for them once, through the same tool.
    await expect(view.locator(".lines tbody tr")).to_have_count(1)
    assert (await host.calls()) == [
        {
            "name": "get_invoice",
            "arguments": {"id": 2, "include": ["client", "invoiceitems", "invoicepayments"]},
        }
    ]
    await expect(view.locator("#total")).to_have_text("$386.25")
    await expect(view.locator("#paid")).to_have_text("$100.00")
    await expect(view.locator("#outstanding")).to_have_text("$286.25")
    await expect(view.locator("#status-badge")).to_have_text("draft")
    await expect(view.locator(".foot")).to_contain_text("Payment of $100.00 on Dec 1, 2026")
    await host.shown_text()
    await host.screenshot("invoice-light")
    await host.set_theme("dark")
    await host.screenshot("invoice-dark")


async def test_an_invoice_with_no_lines_many_lines_and_a_refused_preview(
    host: AppHost, apps_mcp: Client
) -> None:
    empty = await call(apps_mcp, "create_invoice", {"client_id": 1, "currency": "USD"})
    view = await host.show("get_invoice", {"id": empty["id"], "include": ["invoiceitems"]})
    await expect(view.locator(".lines tbody tr")).to_have_text("This invoice has no lines.")
    await expect(view.locator("#total")).to_have_text("$0.00")
    assert await host.calls() == []  # its lines were included: nothing to fetch

    long_item = "Migration of the " + "legacy " * 30 + "billing system"
    items = [{"item": long_item, "price_unit": 120, "quantity": 1.5}] + [
        {"item": f"Line {n}", "price_unit": 10, "quantity": n % 4 + 1} for n in range(119)
    ]
    many = await call(
        apps_mcp, "create_invoice", {"client_id": 1, "currency": "EUR", "tax": 19, "items": items}
    )
    view = await host.show("get_invoice", {"id": many["id"], "include": ["invoiceitems", "client"]})
    await expect(view.locator(".lines tbody tr")).to_have_count(120)
    await expect(view.locator("#total")).to_have_text(f"€{many['total']:,.2f}")
    width = await view.locator(".paper").evaluate("(p) => p.scrollWidth <= p.clientWidth")
    assert width, "a long item name must wrap, not widen the document"

    idle = await call(apps_mcp, "create_client", {"name": "Hooli"})
    view = await host.show("create_invoice_from_time", {"client_id": idle["id"], "dry_run": True})
    await expect(view.locator(".error-box")).to_contain_text("nothing to invoice")


async def test_a_host_that_does_not_proxy_tool_calls_gets_read_only_views(
    host: AppHost, apps_mcp: Client
) -> None:
    await call(apps_mcp, "create_time_entry", {"task_id": 4, "start_time": ago(10)})
    view = await host.show(
        "summarize_time", {"start": "2026-11-02", "end": "2026-11-08"}, proxies_tools=False
    )
    await expect(view.locator("#grand-total")).to_have_text("3:30")
    await expect(view.locator("td.cell.edit")).to_have_count(0)
    await expect(view.locator("tr.task .rowh button")).to_have_count(0)
    await expect(view.locator("#timer")).to_be_visible()
    await expect(view.locator("#stop-timer")).to_have_count(0)
    await expect(view.locator("#hint")).to_contain_text("ask in the chat")
    view = await host.show("get_invoice", {"id": 2}, proxies_tools=False)
    await expect(view.locator("#total")).to_have_text("$386.25")
    await expect(view.locator(".lines tbody tr")).to_contain_text("Its lines were not part of this answer")
    assert await host.calls() == []
