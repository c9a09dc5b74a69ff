"""Prompts for the chat workflows users ask for; each renders with the account's real data."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.prompts.base import Prompt

from paymo_mcp.client import Condition, PaymoError, build_where
from paymo_mcp.server.context import app_context


def _day(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        raise ValueError(f"{text!r} is not a date; write YYYY-MM-DD") from None


async def log_time(ctx: Context[Any, Any], task: str, duration: str, day: str = "", note: str = "") -> str:
    """Log time on a task found by name: the tasks that match are looked up and shown."""
    app = app_context(ctx)
    when = _day(day, date.today())
    where = build_where([Condition("name", "like", f"%{task}%"), Condition("complete", "=", False)])
    try:
        found = await app.client.list("tasks", "tasks", where=where, include="project.name", limit=10)
    except PaymoError as exc:
        found, lookup_error = [], str(exc)
    else:
        lookup_error = ""
    lines = [
        f"- task {t['id']}: {t.get('name')} (project {t.get('project', {}).get('name', '?')})" for t in found
    ]
    candidates = (
        "\n".join(lines) or f"(no open task matches {task!r}{': ' + lookup_error if lookup_error else ''})"
    )
    return (
        f"Log {duration} on {when.isoformat()} for the task {task!r}"
        + (f", described as {note!r}" if note else "")
        + f".\n\nOpen tasks whose name matches:\n{candidates}\n\n"
        "If exactly one fits, call create_time_entry with task_id, date and duration "
        "(durations like '1h30m' work). If several fit, ask which one; if none, use list_tasks to search "
        "more widely. Then confirm what was logged."
    )


async def weekly_timesheet(ctx: Context[Any, Any], user_id: str = "", week_of: str = "") -> str:
    """A user's time for one week (Monday to Sunday), summed by project and day."""
    app = app_context(ctx)
    start = _day(week_of, date.today())
    start -= timedelta(days=start.weekday())
    end = start + timedelta(days=7)
    uid = (
        int(user_id)
        if user_id.strip().isdigit()
        else (await app.client.request("GET", "me"))["users"][0]["id"]
    )
    where = build_where(
        [
            Condition("user_id", "=", uid),
            Condition("time_interval", "in", [f"{start}T00:00:00Z", f"{end}T00:00:00Z"]),
        ]
    )
    entries = await app.client.list("entries", "entries", where=where, include="task.project", limit=2500)
    by_project: dict[str, float] = defaultdict(float)
    by_day: dict[str, float] = defaultdict(float)
    for e in entries:
        project = (e.get("task") or {}).get("project", {}).get("name", "(no project)")
        hours = int(e.get("duration") or 0) / 3600
        by_project[project] += hours
        by_day[str(e.get("date") or e.get("start_time", ""))[:10]] += hours
    table = "\n".join(f"| {p} | {h:.2f} |" for p, h in sorted(by_project.items())) or "| (no time) | 0 |"
    days = ", ".join(f"{d}: {h:.2f} h" for d, h in sorted(by_day.items())) or "none"
    total = sum(by_project.values())
    return (
        f"Weekly timesheet of user {uid}, {start} to {end - timedelta(days=1)} "
        f"({len(entries)} entries, {total:.2f} h in all).\n\n| Project | Hours |\n|---|---|\n{table}\n\n"
        f"By day: {days}.\n\nPresent this as a timesheet, point out days without time on working days, "
        "and offer to log missing time with create_time_entry."
    )


async def invoice_unbilled_time(
    ctx: Context[Any, Any], client_id: str, start: str = "", end: str = ""
) -> str:
    """Turn a client's unbilled time into a draft invoice, previewed first."""
    app = app_context(ctx)
    if not client_id.strip().isdigit():
        raise ValueError("client_id must be a number (list_clients gives it)")
    last = _day(end, date.today())
    first = _day(start, last.replace(day=1))
    where = build_where([Condition("client_id", "=", int(client_id)), Condition("billed", "=", False)])
    entries = await app.client.list("entries", "entries", where=where, limit=2500)
    hours = sum(int(e.get("duration") or 0) for e in entries) / 3600
    return (
        f"Invoice the unbilled time of client {client_id} from {first} to {last}. Paymo has "
        f"{len(entries)} unbilled entries for this client ({hours:.2f} h, any date).\n\n"
        f"1. Call create_invoice_from_time with client_id={client_id}, start={first}, end={last}, "
        "dry_run=true and show the lines and totals.\n2. After the user agrees, call it again with "
        "dry_run=false: it creates a draft invoice whose lines link the entries, marking them billed.\n"
        "3. Report the invoice number and total."
    )


def add_prompts(server: MCPServer[Any]) -> None:
    for fn in (log_time, weekly_timesheet, invoice_unbilled_time):
        server.add_prompt(Prompt.from_function(fn))
