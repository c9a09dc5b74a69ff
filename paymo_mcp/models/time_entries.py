"""Time entries (`/api/entries`): exactly one timing mode, human durations, date-range listing."""

from __future__ import annotations

import re
from typing import Annotated, Any

from annotated_types import Ge, Le
from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from paymo_mcp.client.query import Condition
from paymo_mcp.models.common import (
    Date,
    DateTime,
    Id,
    InputModel,
    Integer,
    ListFilters,
    ReadModel,
    partial_model,
)

_UNIT = {"h": 3600, "m": 60, "s": 1}
_PARTS = re.compile(r"(\d+(?:\.\d+)?)\s*(hours?|hrs|hr|h|minutes?|mins|min|m|seconds?|secs|sec|s)", re.I)


def parse_duration(value: Any) -> Any:
    """Seconds from 5400, "5400", "1h30m", "1.5h", "90 min" or "1:30" (h:mm); other input passes on."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return value
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() else value
    text = value.strip().lower()
    if text.isdigit():
        return int(text)
    if m := re.fullmatch(r"(\d+):([0-5]\d)(?::([0-5]\d))?", text):
        return int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3] or 0)
    parts = _PARTS.findall(text)
    if parts and _PARTS.sub("", text).strip() == "":
        return round(sum(float(n) * _UNIT[u[0].lower()] for n, u in parts))
    raise ValueError("write a duration as seconds (5400) or like '1h30m', '90m', '1.5h', '1:30'")


MAX_DURATION = 24 * 3600 * 31
# The schema admits text too, so a strict client lets '1h30m' through to the parser.
Duration = Annotated[
    int,
    BeforeValidator(parse_duration),
    Ge(1),  # the 1-minute minimum is for start/end entries only (entries.md; audit D14)
    Le(MAX_DURATION),
    WithJsonSchema({"type": ["integer", "string"], "minimum": 1, "maximum": MAX_DURATION}),
]


class TimeEntry(ReadModel):
    task_id: Integer | None = None
    user_id: Integer | None = None
    duration: Integer | None = None
    billed: bool | None = None


class TimeEntryFilters(ListFilters):
    project_id: Id | None = Field(None, description="Only entries of this project.")
    client_id: Id | None = Field(None, description="Only entries of this client.")
    user_id: Id | None = Field(None, description="Only entries of this user.")
    task_id: Id | None = Field(None, description="Only entries of this task.")
    billed: bool | None = Field(None, description="true: billed only; false: unbilled only.")
    start: DateTime | None = Field(None, description="Entries from this time (no offset: your Paymo zone).")
    end: DateTime | None = Field(None, description="Entries before this time.")
    running: bool | None = Field(None, description="true: running timers only.")

    @model_validator(mode="after")
    def _range(self) -> TimeEntryFilters:
        if self.start and self.end and self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    def conditions(self) -> list[Condition]:
        out = [c for c in super().conditions() if c.field not in ("start", "end", "running")]
        if self.running is not None:  # a running timer is the entry without an end (entries.md)
            out.append(Condition("end_time", "=" if self.running else "!=", None))
        if self.start or self.end:
            dump = self.model_dump(mode="json", include={"start", "end"})
            out.append(
                Condition(
                    "time_interval",
                    "in",
                    [dump["start"] or "1970-01-01T00:00:00Z", dump["end"] or "2100-01-01T00:00:00Z"],
                )
            )
        return out


class TimeEntryCreate(InputModel):
    task_id: Id = Field(description="Task the time is logged on (list_tasks).")
    start_time: DateTime | None = Field(
        None, description="Start; no offset = your Paymo time zone. Alone: starts a timer."
    )
    end_time: DateTime | None = Field(None, description="End; needs start_time.")
    date: Date | None = Field(None, description="Day (YYYY-MM-DD) for a date + duration entry.")
    duration: Duration | None = Field(None, description="Seconds, or text like '1h30m'; at least 1 minute.")
    user_id: Id | None = Field(None, description="Whose time (default: you; list_users).")
    description: str | None = Field(None, description="What was done.")
    billed: bool | None = Field(None, description="Mark as billed.")
    invoice_item_id: Id | None = Field(None, description="Invoice line that bills this entry.")

    @model_validator(mode="after")
    def _one_timing_mode(self) -> TimeEntryCreate:
        timed = self.start_time is not None or self.end_time is not None
        dated = self.date is not None or self.duration is not None
        if timed and dated:
            raise ValueError("use start_time + end_time, or date + duration, not both")
        if dated and (self.date is None or self.duration is None):
            raise ValueError("date + duration entries need both date and duration")
        if self.end_time is not None and self.start_time is None:
            raise ValueError("end_time needs start_time")
        if not timed and not dated:
            raise ValueError(
                "give start_time + end_time, or date + duration (or start_time alone for a timer)"
            )
        if self.start_time and self.end_time and (self.end_time - self.start_time).total_seconds() < 60:
            raise ValueError("an entry must last at least 1 minute (end_time - start_time >= 60 s)")
        return self


TimeEntryUpdate = partial_model(
    "TimeEntryUpdate",
    TimeEntryCreate,
    clearable=frozenset({"description", "invoice_item_id"}),
    describe={
        "start_time": "Start; no offset = your Paymo time zone.",
        "user_id": "Whose time (list_users).",
        "duration": "Seconds or '1h30m'; date + duration entries only (timed: change end_time).",
    },
)
