"""summarize_time: hours, billable hours and billable amount per project, task, client, user or day,
computed from the entries themselves (so the totals match them to the second) in the user's zone."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.tools import Tool
from mcp_types import CallToolResult
from pydantic import Field, model_validator

from paymo_mcp.catalog.resources import CLIENTS
from paymo_mcp.client.paymo import MAX_PAGE_SIZE
from paymo_mcp.models.common import Date, InputModel
from paymo_mcp.tools.context import AppContext
from paymo_mcp.tools.entry_days import MAX_PAGES, entries_between, entry_day
from paymo_mcp.tools.rates import billing_records, entry_rate, records_by_id, skip_reason
from paymo_mcp.tools.toolkit import make_tool, tool_hints, user_timezone
from paymo_mcp.tools.views import TIMESHEET_KEY, running_for_view, timesheet_grid, wants_view, with_view

MAX_GROUPS = 200  # more would not fit one answer; the totals still count every entry
_CENT = Decimal("0.01")
Group = tuple[Any, str]  # (key, name)


class SummarizeTime(InputModel):
    start: Date = Field(description="First day.")
    end: Date = Field(description="Last day (inclusive).")
    group_by: Literal["project", "task", "client", "user", "day"] = Field("project", description="Per what.")

    @model_validator(mode="after")
    def _range(self) -> SummarizeTime:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


def _money(value: Decimal) -> float:
    return float(value.quantize(_CENT, rounding=ROUND_HALF_UP))


async def _grouper(args: SummarizeTime, app: AppContext, found: dict[str, Any]) -> Any:
    """entry -> (key, name) of its group."""
    tz = await user_timezone(app)
    tasks, projects, users = found["tasks"], found["projects"], found["users"]

    def project_of(entry: dict[str, Any]) -> dict[str, Any]:
        project: dict[str, Any] = projects.get(tasks.get(entry.get("task_id"), {}).get("project_id"), {})
        return project

    if args.group_by == "client":
        client_ids = {int(p["client_id"]) for p in projects.values() if p.get("client_id")}
        clients = await records_by_id(app.client, CLIENTS, client_ids)

        def by_client(entry: dict[str, Any]) -> Group:
            key = project_of(entry).get("client_id") or entry.get("client_id")
            return key, clients.get(int(key or 0), {}).get("name") or "No client"

        return by_client
    if args.group_by == "day":

        def by_day(entry: dict[str, Any]) -> Group:
            day = entry_day(entry, tz)
            return str(day), day.strftime("%A") if day else ""

        return by_day
    if args.group_by == "user":
        return lambda e: (e.get("user_id"), users.get(e.get("user_id"), {}).get("name", ""))
    if args.group_by == "task":
        return lambda e: (e.get("task_id"), tasks.get(e.get("task_id"), {}).get("name", ""))
    return lambda e: (project_of(e).get("id"), project_of(e).get("name", ""))


async def _summarize(
    args: SummarizeTime, app: AppContext, ctx: Context[Any, Any]
) -> dict[str, Any] | CallToolResult:
    tz = await user_timezone(app)
    entries, truncated = await entries_between(app.client, args.start, args.end, tz, [])
    done = [e for e in entries if e.get("duration") is not None and e.get("end_time", "") is not None]
    found = await billing_records(app.client, done)
    group_of = await _grouper(args, app, found)
    sums: dict[Group, list[Any]] = defaultdict(lambda: [0, 0, Decimal(0)])
    for entry in done:
        seconds = int(entry["duration"])
        reason = skip_reason(found, entry)
        totals = sums[group_of(entry)]
        totals[0] += seconds
        if reason != "non-billable":
            totals[1] += seconds
        if reason is None:
            totals[2] += Decimal(seconds) * Decimal(str(entry_rate(found, entry))) / 3600
    order = sorted(sums.items(), key=lambda kv: str(kv[0][0]) if args.group_by == "day" else -kv[1][0])
    groups = [
        {"key": key, "name": name, "seconds": s, "billable_seconds": b, "amount": _money(a)}
        for (key, name), (s, b, a) in order
    ]
    out: dict[str, Any] = {
        "timezone": str(tz),
        "groups": groups[:MAX_GROUPS],
        "total_seconds": sum(s for s, _, _ in sums.values()),
        "billable_seconds": sum(b for _, b, _ in sums.values()),
        "amount": _money(sum((a for _, _, a in sums.values()), Decimal(0))),
        "currency": found["company"].get("default_currency"),
        "entries": len(done),
    }
    notes = []
    if len(groups) > MAX_GROUPS:
        notes.append(f"{len(groups) - MAX_GROUPS} smaller groups not shown (the totals count them).")
    if len(done) < len(entries):
        notes.append(f"{len(entries) - len(done)} running timer(s) not counted.")
    if truncated:
        notes.append(f"Only the first {MAX_PAGES * MAX_PAGE_SIZE} entries were read: shorten the range.")
    if notes:
        out["note"] = " ".join(notes)
    if wants_view(ctx):
        grid = timesheet_grid(args.start, args.end, tz, done, found, await running_for_view(app, found))
        return with_view(out, TIMESHEET_KEY, grid)
    return out


def summarize_time_tool() -> Tool:
    return make_tool(
        name="summarize_time",
        description=(
            "Hours, billable hours and billable amount (Paymo's rates) per project, task, client, user "
            "or day, with totals, from the time entries of a date range in your time zone."
        ),
        input_model=SummarizeTime,
        handler=_summarize,
        annotations=tool_hints("Summarize time", read_only=True, idempotent=True),
    )
