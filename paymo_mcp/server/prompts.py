"""Prompts for the chat workflows users ask for; each renders with the account's real data."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.prompts.base import Prompt
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS
from pydantic import Field

from paymo_mcp.catalog.resources import CLIENTS, ME, TASKS, TIME_ENTRIES, USERS
from paymo_mcp.catalog.toolsets import DEFAULT_TOOLSETS
from paymo_mcp.client import Condition, PaymoError, build_where
from paymo_mcp.models.timezone import day_bounds, today
from paymo_mcp.tools.context import AppContext, app_context
from paymo_mcp.tools.toolkit import user_timezone

Task = Annotated[str, Field(description="Words of the task's name, e.g. 'wireframes'.")]
Duration = Annotated[str, Field(description="Time to log: '1h30m', '90m', '1.5h' or seconds.")]
Day = Annotated[str, Field(description="Day of the entry, YYYY-MM-DD (default today).")]
Note = Annotated[str, Field(description="What was done (the entry's description).")]
UserRef = Annotated[str, Field(description="User id or part of a name (default: you).")]
WeekOf = Annotated[str, Field(description="Any day of the week, YYYY-MM-DD (default this week).")]
ClientRef = Annotated[str, Field(description="Client id (list_clients) whose time to invoice.")]
Start = Annotated[str, Field(description="First day, YYYY-MM-DD (default the 1st of end's month).")]
End = Annotated[str, Field(description="Last day, YYYY-MM-DD (default today).")]


def _refuse(message: str) -> MCPError:
    """An error whose message reaches the client (other exceptions become 'Error rendering prompt')."""
    return MCPError(INVALID_PARAMS, message)


def _day(text: str | None, default: date, name: str) -> date:
    try:
        return date.fromisoformat(text.strip()) if text and text.strip() else default
    except ValueError:
        raise _refuse(f"{name}: {text!r} is not a date; write YYYY-MM-DD") from None


async def _today(app: AppContext) -> date:
    """Today in the Paymo user's time zone (the server's own clock may be in another)."""
    try:
        return today(await user_timezone(app))
    except ToolError as exc:
        raise _refuse(str(exc)) from None


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f}"


async def log_time(
    ctx: Context[Any, Any], task: Task, duration: Duration, day: Day = "", note: Note = ""
) -> str:
    """Log time on a task found by name: the open tasks that match are looked up and shown."""
    app = app_context(ctx)
    when = _day(day, await _today(app), "day")
    where = build_where([Condition("name", "like", f"%{task}%"), Condition("complete", "=", False)])
    try:
        found = await TASKS.on(app.client).list(where=where, include="project.name", limit=10)
    except PaymoError as exc:
        found, lookup_error = [], str(exc)
    else:
        lookup_error = ""
    lines = [
        f"- task {t['id']}: {t.get('name')} (project {(t.get('project') or {}).get('name', '?')})"
        for t in found
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


async def _user(ctx: Context[Any, Any], ref: str) -> tuple[int, str]:
    """(id, name) of the user `ref` names: an id, part of a name, or empty for the API key's user."""
    client = app_context(ctx).client
    ref = ref.strip()
    try:
        if not ref:
            users = [await ME.on(client).one()]
        elif ref.isdigit():
            users = [await USERS.on(client).get(int(ref))]
        else:
            users = await USERS.on(client).list(where=build_where([Condition("name", "like", f"%{ref}%")]))
    except PaymoError as exc:
        raise _refuse(f"user_id: {exc}") from None
    if len(users) != 1:
        names = ", ".join(f"{u['id']} {u.get('name')}" for u in users) or "none"
        raise _refuse(f"user_id: {ref!r} should name one user; it matches {names} (list_users)")
    return int(users[0]["id"]), str(users[0].get("name") or "")


async def weekly_timesheet(ctx: Context[Any, Any], user_id: UserRef = "", week_of: WeekOf = "") -> str:
    """A user's time for one week (Monday to Sunday), summed by project and by day."""
    app = app_context(ctx)
    start = _day(week_of, await _today(app), "week_of")
    start -= timedelta(days=start.weekday())
    end = start + timedelta(days=7)
    uid, name = await _user(ctx, user_id)
    week = day_bounds(start, end - timedelta(days=1), await user_timezone(app))
    where = build_where([Condition("user_id", "=", uid), Condition("time_interval", "in", week)])
    try:
        entries = await TIME_ENTRIES.on(app.client).list(where=where, include="task.project", limit=2500)
    except PaymoError as exc:
        raise _refuse(str(exc)) from None
    by_project: dict[str, float] = defaultdict(float)
    by_day: dict[str, float] = defaultdict(float)
    for e in entries:
        project = ((e.get("task") or {}).get("project") or {}).get("name", "(no project)")
        seconds = int(e.get("duration") or 0)
        by_project[project] += seconds
        by_day[str(e.get("date") or e.get("start_time", ""))[:10]] += seconds
    table = (
        "\n".join(f"| {p} | {_hours(s)} |" for p, s in sorted(by_project.items())) or "| (no time) | 0.00 |"
    )
    days = ", ".join(f"{d}: {_hours(s)} h" for d, s in sorted(by_day.items())) or "none"
    total = sum(by_project.values())
    return (
        f"Weekly timesheet of user {uid} ({name}), {start} to {end - timedelta(days=1)} "
        f"({len(entries)} entries, {_hours(total)} h in all).\n\n| Project | Hours |\n|---|---|\n{table}\n\n"
        f"By day: {days}.\n\nPresent this as a timesheet, point out days without time on working days, "
        "and offer to log missing time with create_time_entry."
    )


async def invoice_unbilled_time(
    ctx: Context[Any, Any], client_id: ClientRef, start: Start = "", end: End = ""
) -> str:
    """Turn a client's unbilled time into a draft invoice, previewed first."""
    app = app_context(ctx)
    if not client_id.strip().isdigit():
        raise _refuse(f"client_id must be a number (list_clients gives it), got {client_id!r}")
    cid = int(client_id)
    last = _day(end, await _today(app), "end")
    first = _day(start, last.replace(day=1), "start")
    if last < first:
        raise _refuse(f"end ({last}) is before start ({first})")
    interval = day_bounds(first, last, await user_timezone(app))
    where = build_where(
        [
            Condition("client_id", "=", cid),
            Condition("billed", "=", False),
            Condition("time_interval", "in", interval),
        ]
    )
    try:
        customer = await CLIENTS.on(app.client).get(cid)
        entries = await TIME_ENTRIES.on(app.client).list(where=where, include="task.project", limit=2500)
    except PaymoError as exc:
        raise _refuse(str(exc)) from None
    by_project: dict[str, float] = defaultdict(float)
    for e in entries:
        project = ((e.get("task") or {}).get("project") or {}).get("name", "(no project)")
        by_project[project] += int(e.get("duration") or 0)
    seconds = sum(by_project.values())
    summary = "\n".join(f"- {p}: {_hours(s)} h" for p, s in sorted(by_project.items())) or "- (none)"
    plan = (
        f"1. Call create_invoice_from_time with client_id={cid}, start={first}, end={last}, "
        "dry_run=true and show the lines and totals.\n2. After the user agrees, call it again with "
        "dry_run=false: it creates a draft invoice whose lines link the entries, marking them billed.\n"
        "3. Report the invoice number and total."
        if entries
        else "There is nothing to invoice in this range: say so, and offer another range "
        "(list_time_entries with client_id shows what there is)."
    )
    return (
        f"Invoice the unbilled time of client {cid} ({customer.get('name')}) from {first} to {last}. "
        f"Paymo has {len(entries)} unbilled {'entry' if len(entries) == 1 else 'entries'} for this client "
        "in that range, "
        f"{_hours(seconds)} h in all:\n{summary}\n\n{plan}"
    )


# Each prompt, the toolsets whose tools it tells the model to call, and whether it writes.
PROMPTS = (
    (log_time, {"tasks", "time_entries"}, True),
    (weekly_timesheet, {"time_entries"}, False),
    (invoice_unbilled_time, {"invoices", "time_entries"}, True),
)


def add_prompts(
    server: MCPServer[Any], toolsets: tuple[str, ...] = DEFAULT_TOOLSETS, read_only: bool = False
) -> None:
    """Register the prompts whose tools the settings enable (none that writes in read-only mode)."""
    for fn, needs, writes in PROMPTS:
        if needs <= set(toolsets) and not (writes and read_only):
            server.add_prompt(Prompt.from_function(fn))
