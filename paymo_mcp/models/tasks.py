"""Tasks (`/api/tasks`): priorities by word or number, and the tasklist-or-project rule of create."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from paymo_mcp.client.query import Condition
from paymo_mcp.models.common import Date, Id, InputModel, Integer, ListFilters, ReadModel, partial_model
from paymo_mcp.models.filters import OnlyTrue, due_date_conditions

PRIORITIES = {"low": 25, "normal": 50, "high": 75, "critical": 100}


def _priority(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in PRIORITIES:
        return PRIORITIES[value.strip().lower()]
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if value is None or (
        isinstance(value, int) and not isinstance(value, bool) and value in PRIORITIES.values()
    ):
        return value
    raise ValueError("use one of 25 (low), 50 (normal), 75 (high), 100 (critical), or those words")


PRIORITY_HELP = "25 low, 50 normal, 75 high, 100 critical; or those words."
Priority = Annotated[
    Literal[25, 50, 75, 100],
    BeforeValidator(_priority),
    WithJsonSchema({"enum": [25, 50, 75, 100, *PRIORITIES]}),
]


class Task(ReadModel):
    name: str | None = None
    project_id: Integer | None = None
    tasklist_id: Integer | None = None
    complete: bool | None = None
    due_date: str | None = None


class TaskFilters(ListFilters):
    where_ops = {"completed": ("complete", "="), "users": ("users", "in")}

    project_id: Id | None = Field(None, description="Only tasks of this project.")
    tasklist_id: Id | None = Field(None, description="Only tasks of this task list.")
    user_id: Id | None = Field(None, description="Only tasks created by this user.")
    completed: bool | None = Field(None, description="true: completed tasks only; false: open only.")
    users: list[Id] | None = Field(None, description="Only tasks assigned to any of these users.")
    due_after: Date | None = Field(None, description="Due on or after.")
    due_before: Date | None = Field(None, description="Due on or before.")
    overdue: OnlyTrue | None = Field(None, description="true: open, due before today.")

    def conditions(self) -> list[Condition]:
        return due_date_conditions(self, super().conditions())


class TaskCreate(InputModel):
    name: str = Field(min_length=1, description="Task name.")
    tasklist_id: Id | None = Field(None, description="Task list to add to (or give project_id).")
    project_id: Id | None = Field(
        None, description='Project; without tasklist_id the task goes to its "Default Task List".'
    )
    user_id: Id | None = Field(None, description="User recorded as the task's creator.")
    complete: bool | None = Field(None, description="Mark the task completed.")
    status_id: Id | None = Field(None, description="Workflow status (get_lookup).")
    billable: bool | None = Field(None, description="Billable (billable projects only).")
    flat_billing: bool | None = Field(None, description="Flat-rate task (time & materials projects).")
    seq: int | None = Field(None, ge=0, description="Position in the task list (0 = first).")
    description: str | None = Field(None, description="Task description (HTML allowed).")
    due_date: Date | None = Field(None, description="Due date.")
    budget_hours: float | None = Field(None, ge=0, description="Budgeted hours.")
    price_per_hour: float | None = Field(None, ge=0, description="Hourly rate for time-based billing.")
    users: list[Id] | None = Field(None, description="Assigned user ids (list_users).")
    priority: Priority | None = Field(None, description=PRIORITY_HELP + " Default 50.")

    @model_validator(mode="after")
    def _needs_a_place(self) -> TaskCreate:
        if self.tasklist_id is None and self.project_id is None:
            raise ValueError("give tasklist_id or project_id: a task needs a task list or a project")
        return self


TaskUpdate = partial_model(
    "TaskUpdate",
    TaskCreate,
    clearable=frozenset({"due_date", "budget_hours", "price_per_hour", "description", "users"}),
    # project_id is read-only in Paymo (tasks.md, the task object): a task moves with its task list.
    omit=frozenset({"project_id"}),
    describe={
        "tasklist_id": "Move to this task list; a list of another project moves the task to that project.",
        "complete": "true completes the task, false reopens it.",
        "users": "Assigned user ids: replaces the whole list; [] or null unassigns everyone.",
        "priority": PRIORITY_HELP,
    },
)
