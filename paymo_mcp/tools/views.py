"""What the MCP Apps views (paymo_mcp/apps) draw besides a tool's usual answer: a timesheet grid and an
invoice's client and arguments, sent in the result's `_meta` and only to a client that negotiated Apps.

The model reads a result's text and structured content, never its `_meta`, so a view costs the model
nothing, and a client without Apps gets exactly the answer it always did.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, tzinfo
from typing import Any

from mcp.server.apps import client_supports_apps
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult

from paymo_mcp.catalog.resources import TASKS
from paymo_mcp.client import PaymoError
from paymo_mcp.tools.context import AppContext
from paymo_mcp.tools.entry_days import entry_day
from paymo_mcp.tools.rates import skip_reason
from paymo_mcp.tools.timers import my_user_id, running_timer
from paymo_mcp.tools.toolkit import tool_result

TIMESHEET_KEY = "paymo-mcp/timesheet"
INVOICE_KEY = "paymo-mcp/invoice"
# A view's data stays within what one tool answer may be (the text answer is already within it).
MAX_VIEW_CHARS = 40_000
MAX_ROWS = 400


def wants_view(ctx: Context[Any, Any]) -> bool:
    """Whether the client renders MCP Apps, so a view's data is worth computing and sending."""
    return client_supports_apps(ctx)


def with_view(structured: dict[str, Any], key: str, data: dict[str, Any]) -> CallToolResult:
    """The usual answer, plus `data` for the view under `_meta[key]`."""
    result = tool_result(structured)
    result.meta = {key: data}
    return result


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str))


def _fold(rows: list[dict[str, Any]], keep: int) -> list[dict[str, Any]]:
    """The `keep` largest rows, and the rest summed into one row that names how many it holds."""
    if len(rows) <= keep:
        return rows
    rest = rows[keep:]
    cells: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in rest:
        for day, seconds, billable in row["cells"]:
            cells[day][0] += seconds
            cells[day][1] += billable
    other = {
        "task_id": None,
        "task": f"{len(rest)} other tasks",
        "project_id": None,
        "project": "Other projects",
        "folded": len(rest),
        "cells": [[day, s, b] for day, (s, b) in sorted(cells.items())],
    }
    return [*rows[:keep], other]


def timesheet_grid(
    first: date,
    last: date,
    tz: tzinfo,
    done: list[dict[str, Any]],
    found: dict[str, Any],
    running: dict[str, Any] | None,
) -> dict[str, Any]:
    """Tasks by days: each task's seconds and billable seconds per day (a day's index from `first`),
    counted from the same entries and by the same rule as summarize_time, so the grid adds up to its
    totals; the largest tasks first, the smallest folded into one row when the grid would be too big."""
    tasks, projects = found["tasks"], found["projects"]
    sums: dict[Any, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for entry in done:
        day = entry_day(entry, tz)
        if day is None:
            continue
        seconds = int(entry["duration"])
        cell = sums[entry.get("task_id")][(day - first).days]
        cell[0] += seconds
        if skip_reason(found, entry) != "non-billable":
            cell[1] += seconds
    rows = []
    for task_id, days in sums.items():
        task = tasks.get(task_id, {})
        project = projects.get(task.get("project_id"), {})
        rows.append(
            {
                "task_id": task_id,
                "task": task.get("name") or f"Task {task_id}",
                "project_id": task.get("project_id"),
                "project": project.get("name") or "No project",
                "cells": [[day, s, b] for day, (s, b) in sorted(days.items())],
            }
        )
    rows.sort(key=lambda r: (-sum(c[1] for c in r["cells"]), r["project"], r["task"]))
    grid: dict[str, Any] = {
        "start": first.isoformat(),
        "days": (last - first).days + 1,
        "timezone": str(tz),
        "running": running,
        "rows": _fold(rows, MAX_ROWS),
    }
    keep = MAX_ROWS
    while _size(grid) > MAX_VIEW_CHARS and keep > 1:
        keep //= 2
        grid["rows"] = _fold(rows, keep)
    return grid


async def running_for_view(app: AppContext, found: dict[str, Any]) -> dict[str, Any] | None:
    """The user's running timer, named for the view (its task and project), or None; a failure to
    look costs the view its timer banner, never the summary its answer."""
    try:
        entry = await running_timer(app, await my_user_id(app))
    except (PaymoError, ToolError):
        return None
    if entry is None:
        return None
    task = found["tasks"].get(entry.get("task_id"))
    project = found["projects"].get((task or {}).get("project_id"))
    if task is None:
        # A timer on a task with no finished time in the range: its names are not in `found`.
        try:
            task = await TASKS.on(app.client).get(int(entry["task_id"]), include="project")
        except PaymoError:
            task = {}
        project = task.get("project")
    project = project if isinstance(project, dict) else {}
    return {
        "id": entry["id"],
        "task_id": entry.get("task_id"),
        "task": task.get("name") or f"Task {entry.get('task_id')}",
        "project": project.get("name"),
        "start_time": entry.get("start_time"),
        "description": entry.get("description"),
    }


def invoice_view(client: dict[str, Any], arguments: dict[str, Any]) -> dict[str, Any]:
    """For the invoice view: whom it bills, and the arguments that create the invoice a dry run shows
    (its dates as the dry run read them, so a later click invoices the same days)."""
    return {
        "client": {k: client.get(k) for k in ("id", "name", "address", "city", "country") if client.get(k)},
        "arguments": {**arguments, "dry_run": False},
    }
