"""Types shared by list filters."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator

from paymo_mcp.client.query import Condition
from paymo_mcp.models.timezone import USER_TZ, today


def _only_true(value: bool) -> bool:
    if not value:
        raise ValueError("only true filters; omit it for all records")
    return value


# A filter with no useful opposite (not overdue = done, not yet due, or no due date: no `or` in Paymo).
OnlyTrue = Annotated[bool, AfterValidator(_only_true)]


def due_date_conditions(filters: Any, conditions: list[Condition]) -> list[Condition]:
    """`due_after`, `due_before` and `overdue` (open, due before today where the user is) of a record
    with a `due_date` and a `complete` flag (tasks, milestones), as Paymo `where` conditions."""
    out = [c for c in conditions if c.field not in ("due_after", "due_before", "overdue")]
    if filters.due_after:
        out.append(Condition("due_date", ">=", filters.due_after))
    if filters.due_before:
        out.append(Condition("due_date", "<=", filters.due_before))
    if filters.overdue:
        out += [Condition("complete", "=", False), Condition("due_date", "<", today(USER_TZ.get()))]
    return out
