"""Timers and batch logging: start_timer / stop_timer on the clock of the server (no "now" to guess),
and log_time, which logs a day or a week of entries once, however often it is run."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from pydantic import Field

from paymo_mcp.catalog.resources import ME, TASKS, TIME_ENTRIES
from paymo_mcp.client import Condition, PaymoConflictError, PaymoError, PaymoResponseError, build_where
from paymo_mcp.models.common import Date, Id, InputModel
from paymo_mcp.tools.context import AppContext
from paymo_mcp.tools.entry_days import entries_between, entry_day, utc_now
from paymo_mcp.tools.rates import records_by_id
from paymo_mcp.tools.toolkit import make_tool, tool_hints, user_timezone

MIN_SECONDS = 60  # Paymo keeps no start/end entry shorter than a minute


async def my_user_id(app: AppContext) -> int:
    """The id of the user the API key belongs to (GET /me), read once."""
    if app.user.user_id is not None:
        return app.user.user_id
    try:
        me = await ME.on(app.client).one()
    except PaymoResponseError:
        me = {}
    if "id" not in me:
        raise ToolError("Could not tell who you are: Paymo's GET /me named no user.")
    app.user.user_id = user_id = int(me["id"])
    return user_id


async def running_timer(app: AppContext, user_id: int) -> dict[str, Any] | None:
    """The user's running timer (entries.md: `user_id=X and end_time=null`), if one runs."""
    where = build_where([Condition("user_id", "=", user_id), Condition("end_time", "=", None)])
    found = await TIME_ENTRIES.on(app.client).list(where=where, limit=5)
    running = [e for e in found if not e.get("is_bulk") and e.get("end_time") is None]
    return running[0] if running else None


def _already_running(entry: dict[str, Any]) -> ToolError:
    return ToolError(
        f"A timer is already running: entry {entry['id']} on task {entry.get('task_id')} since "
        f"{entry.get('start_time')} (Paymo allows one per user); stop_timer stops it."
    )


class StartTimer(InputModel):
    task_id: Id = Field(description="Task to time (list_tasks).")
    description: str | None = Field(None, description="What you work on.")


async def _start(args: StartTimer, app: AppContext, ctx: Context[Any, Any]) -> dict[str, Any]:
    me = await my_user_id(app)
    running = await running_timer(app, me)
    if running is not None:
        raise _already_running(running)
    body: dict[str, Any] = {"task_id": args.task_id, "start_time": utc_now()}
    if args.description is not None:
        body["description"] = args.description
    try:
        entry = await TIME_ENTRIES.on(app.client).create(body)
    except PaymoConflictError:
        # Started elsewhere between the check and the create.
        running = await running_timer(app, me)
        if running is None:
            raise
        raise _already_running(running) from None
    return {"entry": entry}


class StopTimer(InputModel):
    entry_id: Id | None = Field(None, description="Timer to stop; default: your running one.")


async def _stop(args: StopTimer, app: AppContext, ctx: Context[Any, Any]) -> dict[str, Any]:
    if args.entry_id is None:
        entry = await running_timer(app, await my_user_id(app))
        if entry is None:
            raise ToolError("No timer is running for you; start_timer starts one.")
    else:
        entry = await TIME_ENTRIES.on(app.client).get(args.entry_id)
        if entry.get("is_bulk") or entry.get("end_time") is not None or not entry.get("start_time"):
            raise ToolError(f"entry_id: entry {args.entry_id} is not a running timer.")
    now = utc_now()
    started = datetime.fromisoformat(str(entry["start_time"]).replace("Z", "+00:00"))
    elapsed = int((datetime.fromisoformat(now.replace("Z", "+00:00")) - started).total_seconds())
    if elapsed < MIN_SECONDS:
        raise ToolError(
            f"Timer {entry['id']} has run {max(elapsed, 0)} s and Paymo keeps no entry under a minute: "
            "stop it later, or delete_time_entry it. It is still running."
        )
    stopped = await TIME_ENTRIES.on(app.client).update(int(entry["id"]), {"end_time": now})
    return {"entry": stopped, "hours": round(int(stopped.get("duration") or elapsed) / 3600, 2)}


class LogEntry(InputModel):
    task_id: Id
    date: Date
    duration: int = Field(gt=0, le=86400, description="Seconds.")
    description: str | None = None
    user_id: Id | None = Field(None, description="Default: you.")


class LogTime(InputModel):
    entries: list[LogEntry] = Field(min_length=1, max_length=100, description="Entries to log.")
    dry_run: bool = Field(False, description="true: show what would be logged.")


def _key(task_id: Any, user_id: Any, day: date | None, duration: Any) -> tuple[int, int, str, int]:
    return int(task_id or 0), int(user_id or 0), str(day), int(duration or 0)


async def _existing(args: LogTime, app: AppContext) -> dict[tuple[int, int, str, int], list[int]]:
    """Entries already in Paymo, by (task, user, day, duration), for the tasks and days asked about."""
    tz = await user_timezone(app)
    days = [e.date for e in args.entries]
    task_ids = sorted({e.task_id for e in args.entries})
    found, _ = await entries_between(
        app.client, min(days), max(days), tz, [Condition("task_id", "in", task_ids)]
    )
    ids: dict[tuple[int, int, str, int], list[int]] = defaultdict(list)
    for entry in found:
        if entry.get("duration") is not None:
            key = _key(entry.get("task_id"), entry.get("user_id"), entry_day(entry, tz), entry["duration"])
            ids[key].append(int(entry["id"]))
    return ids


def _row(entry: LogEntry, me: int) -> dict[str, Any]:
    row: dict[str, Any] = {
        "task_id": entry.task_id,
        "date": entry.date.isoformat(),
        "duration": entry.duration,
    }
    if entry.user_id not in (None, me):
        row["user_id"] = entry.user_id
    return row


async def _log(args: LogTime, app: AppContext, ctx: Context[Any, Any]) -> dict[str, Any]:
    me = await my_user_id(app)
    tasks = await records_by_id(app.client, TASKS, {e.task_id for e in args.entries})
    for n, entry in enumerate(args.entries):
        if entry.task_id not in tasks:
            raise ToolError(
                f"entries.{n}.task_id: no task {entry.task_id} (list_tasks finds it); nothing was logged."
            )
    existing = await _existing(args, app)
    todo: list[tuple[LogEntry, dict[str, Any]]] = []
    skipped: list[dict[str, Any]] = []
    for entry in args.entries:
        same = existing.get(_key(entry.task_id, entry.user_id or me, entry.date, entry.duration))
        if same:
            skipped.append({**_row(entry, me), "existing_id": same.pop(0)})
        else:
            todo.append((entry, _row(entry, me)))
    if args.dry_run:
        return {"dry_run": True, "would_log": [row for _, row in todo], "skipped": skipped}
    logged: list[dict[str, Any]] = []
    for entry, row in todo:
        body = {**row, **({"description": entry.description} if entry.description is not None else {})}
        try:
            made = await TIME_ENTRIES.on(app.client).create(body)
        except PaymoError as exc:
            done = ", ".join(str(r["id"]) for r in logged) or "none"
            raise ToolError(
                f"Logged {len(logged)} of {len(todo)} (ids: {done}), then {row} failed: {exc} "
                "Running log_time again skips what was logged."
            ) from None
        logged.append({"id": made["id"], **row})
        await ctx.report_progress(len(logged), len(todo))
    return {"dry_run": False, "logged": logged, "skipped": skipped}


_TIMER_TOOLS: list[tuple[str, str, type[InputModel], Any, str, bool]] = [
    (
        "start_timer",
        "Start your timer on a task now (one runs at a time).",
        StartTimer,
        _start,
        "Start timer",
        False,
    ),
    (
        "stop_timer",
        "Stop a running timer now; returns the entry and its duration.",
        StopTimer,
        _stop,
        "Stop timer",
        False,
    ),
    (
        "log_time",
        "Log several time entries (e.g. a week) at once. An entry with the same task, user, date and "
        "duration as one in Paymo is skipped, so running it twice logs once.",
        LogTime,
        _log,
        "Log time",
        True,
    ),
]


def timer_tools() -> list[Tool]:
    return [
        make_tool(
            name=name,
            description=description,
            input_model=model,
            handler=handler,
            annotations=tool_hints(title, read_only=False, idempotent=idempotent),
        )
        for name, description, model, handler, title, idempotent in _TIMER_TOOLS
    ]
