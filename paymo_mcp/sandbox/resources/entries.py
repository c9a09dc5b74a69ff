"""Time entries (`/api/entries`): start/end or date/duration ("bulk") entries, running timers, the 1-minute
minimum of start/end entries, `invoice_item_id`, and `time_interval` filtering (paymo-api.md §10.6)."""

from __future__ import annotations

from datetime import timedelta

from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import ApiError, bad_request
from paymo_mcp.sandbox.schema import (
    Behaviour,
    Bool,
    Date,
    DateTime,
    Int,
    Record,
    Resource,
    Sql,
    Text,
    parent,
)
from paymo_mcp.sandbox.values import iso, parse_datetime
from paymo_mcp.sandbox.where import Condition

MIN_SECONDS = 60
_BULK_ONLY = "{field} can only be set on entries created with date and duration (this one has start_time)"
_TIMED_ONLY = "{field} can only be set on entries created with start_time (this one has date and duration)"


def _seconds(start: str, end: str) -> int:
    begin, finish = parse_datetime(start), parse_datetime(end)
    assert begin is not None and finish is not None
    return int((finish - begin).total_seconds())


def _check_length(seconds: int) -> None:
    if seconds < MIN_SECONDS:
        raise bad_request(f"A time entry must be at least 1 minute long (this one is {seconds} seconds)")


def _check_bulk_duration(seconds: int) -> None:
    # entries.md:138 puts the 1-minute minimum on start/end entries only; a bulk duration must be positive.
    if seconds <= 0:
        raise bad_request(f"Invalid duration: {seconds} (a positive number of seconds)")


def _bulk_span(day: str, seconds: int) -> Record:
    """Bulk entries are stored with a span from the day's midnight (never shown), so that only a running
    timer has `end_time` null and matches the documented `user_id=X and end_time=null` (entries.md:224)."""
    start = parse_datetime(day)
    assert start is not None
    return {"start_time": iso(start), "end_time": iso(start + timedelta(seconds=seconds))}


def _bound(text: str) -> str:
    moment = parse_datetime(text)
    if moment is None:
        raise bad_request(f"Invalid where: `{text}` is not a datetime for `time_interval`")
    return iso(moment)


def _invoice_item(ctx: Ctx, values: Record, body: Record) -> None:
    """`invoice_item_id` is writable (entries.md:245); it must name an invoice item, and bills the entry
    unless `billed` is sent too."""
    if values.get("invoice_item_id") is not None:
        ctx.ref("invoiceitems", "invoice_item_id", values["invoice_item_id"])
        if "billed" not in body:
            values["billed"] = True


def _running(ctx: Ctx, user_id: int, other_than: int = 0) -> Record | None:
    running = "t.user_id = ? AND t.end_time IS NULL AND t.is_bulk = 0 AND t.id != ?"
    found = ctx.find("entries", running, [user_id, other_than])
    return found[0] if found else None


def _place(ctx: Ctx, task_id: int) -> Record:
    """project_id and client_id follow the task; an archived project takes no time."""
    task = ctx.ref("tasks", "task_id", task_id)
    project = ctx.require("projects", task["project_id"])
    if not project["active"]:
        raise bad_request(f"Cannot add time to task {task_id}: project {project['id']} is archived")
    return {"project_id": project["id"], "client_id": project["client_id"]}


class EntryBehaviour(Behaviour):
    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        start, end = values.get("start_time"), values.get("end_time")
        day, duration = values.get("date"), values.get("duration")
        if start is not None and (day is not None or duration is not None):
            raise bad_request("Give either start_time (and end_time) or date and duration, not both")
        missing = [] if values.get("task_id") is not None else ["task_id"]
        if start is None and end is not None:
            missing.append("start_time")
        elif start is None and day is None and duration is None:
            missing.append("start_time and end_time, or date and duration")
        elif start is None:
            missing += [name for name, value in (("date", day), ("duration", duration)) if value is None]
        if missing:
            raise bad_request("Missing required params: " + ", ".join(missing))
        values.update(_place(ctx, values["task_id"]))
        values["user_id"] = values.get("user_id") or ctx.user_id or None
        if values["user_id"] is not None:
            ctx.ref("users", "user_id", values["user_id"])
        _invoice_item(ctx, values, body)
        values["billed"] = bool(values.get("billed"))
        if start is None:
            _check_bulk_duration(int(duration or 0))
            # added_manually false for a bulk entry, as the docs' example shows it (entries.md:49).
            values.update(is_bulk=True, added_manually=False, **_bulk_span(str(day), int(duration or 0)))
        elif end is not None:
            values.update(is_bulk=False, added_manually=True, duration=_seconds(start, end), date=start[:10])
            _check_length(values["duration"])
        else:
            running = _running(ctx, values["user_id"])
            if running is not None:
                who, which = values["user_id"], running["id"]
                raise ApiError(409, f"User {who} already has a running timer (entry {which}); stop it first")
            values.update(is_bulk=False, added_manually=False, duration=None, date=start[:10])

    def after_create(self, ctx: Ctx, record: Record, body: Record) -> None:
        if not record["is_bulk"] and record["end_time"] is None:
            ctx.emit("start", "entries", record["id"])

    def before_update(self, ctx: Ctx, old: Record, changes: Record, body: Record) -> None:
        if "task_id" in changes:
            if changes["task_id"] is None:
                raise bad_request("Invalid task_id: a time entry needs a task")
            if changes["task_id"] != old["task_id"]:
                changes.update(_place(ctx, changes["task_id"]))
        if changes.get("user_id") is not None:
            ctx.ref("users", "user_id", changes["user_id"])
        _invoice_item(ctx, changes, body)
        if old["is_bulk"]:
            for field in ("start_time", "end_time"):
                if field in changes:
                    raise bad_request(_TIMED_ONLY.format(field=field))
            if "duration" in changes:
                if changes["duration"] is None:
                    raise bad_request("Invalid duration: it cannot be null")
                _check_bulk_duration(int(changes["duration"]))
            if "date" in changes and changes["date"] is None:
                raise bad_request("Invalid date: it cannot be null")
            day, seconds = changes.get("date", old["date"]), changes.get("duration", old["duration"])
            changes.update(_bulk_span(str(day), int(seconds or 0)))
            return
        for field in ("duration", "date"):
            if field in changes:
                raise bad_request(_BULK_ONLY.format(field=field) + "; change end_time instead")
        start = changes.get("start_time", old["start_time"])
        end = changes.get("end_time", old["end_time"])
        if start is None:
            raise bad_request("Invalid start_time: it cannot be null")
        if old["end_time"] is not None and "end_time" in changes and end is None:
            raise bad_request("Invalid end_time: a stopped entry cannot become a running timer again")
        if end is not None:
            changes["duration"] = _seconds(start, end)
            _check_length(changes["duration"])
        changes["date"] = start[:10]
        user_id = changes.get("user_id", old["user_id"])
        if end is None and user_id != old["user_id"] and _running(ctx, int(user_id or 0), old["id"]):
            raise ApiError(409, f"User {user_id} already has a running timer")

    def after_update(self, ctx: Ctx, old: Record, new: Record, body: Record) -> None:
        if not new["is_bulk"] and old["end_time"] is None and new["end_time"] is not None:
            ctx.emit("stop", "entries", new["id"])

    def present(self, ctx: Ctx, record: Record) -> None:
        # Bulk entries carry date and duration; timed ones start/end and a computed duration.
        if record.get("is_bulk"):
            record.pop("start_time", None)
            record.pop("end_time", None)
        else:
            record.pop("date", None)

    def where(self, ctx: Ctx, condition: Condition, alias: str) -> Sql | None:
        if condition.field != "time_interval":
            return None
        # Entries whose start (or date, for bulk entries) lies in [start, end).
        if condition.op != "in" or len(condition.literals) != 2:
            raise bad_request('Invalid where: use time_interval in ("<start>","<end>")')
        # The docs' example gives ISO bounds (entries.md:21); timestamps and dates are read too.
        bounds = [_bound(lit.text) for lit in condition.literals]
        moment = f"COALESCE({alias}.start_time, {alias}.date || 'T00:00:00Z')"
        return f"{moment} >= ? AND {moment} < ?", bounds


ENTRIES = Resource(
    name="entries",
    model="Entry",
    fields=(
        Int("project_id", writable=False),
        Int("task_id"),
        Int("user_id"),
        Int("client_id", writable=False),
        Bool("is_bulk", False, writable=False),
        DateTime("start_time"),
        DateTime("end_time"),
        Date("date"),
        Int("duration"),
        Text("description", ""),
        Bool("added_manually", True, writable=False),
        Bool("billed", False),
        Int("invoice_item_id"),
    ),
    relations=(
        parent("task", "tasks", "task_id"),
        parent("user", "users", "user_id"),
        parent("invoiceitem", "invoiceitems", "invoice_item_id"),
    ),
    webhook_include="task.name,user.name",
    behaviour=EntryBehaviour(),
)
