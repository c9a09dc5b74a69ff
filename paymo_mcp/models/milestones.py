"""Milestones (`/api/milestones`): a project's dated goals, with a responsible user, reminders and linked
task lists (milestones.md)."""

from __future__ import annotations

from pydantic import Field

from paymo_mcp.client.query import Condition
from paymo_mcp.models.common import Date, Id, InputModel, Integer, ListFilters, ReadModel, partial_model
from paymo_mcp.models.filters import OnlyTrue, due_date_conditions


class Milestone(ReadModel):
    name: str | None = None
    project_id: Integer | None = None
    user_id: Integer | None = None
    due_date: str | None = None
    complete: bool | None = None


class MilestoneFilters(ListFilters):
    project_id: Id | None = Field(None, description="Only milestones of this project.")
    user_id: Id | None = Field(None, description="Only milestones this user is responsible for.")
    complete: bool | None = Field(None, description="true: completed only; false: open only.")
    due_after: Date | None = Field(None, description="Due on or after.")
    due_before: Date | None = Field(None, description="Due on or before.")
    overdue: OnlyTrue | None = Field(None, description="true: open, due before today.")

    def conditions(self) -> list[Condition]:
        return due_date_conditions(self, super().conditions())


class MilestoneCreate(InputModel):
    # milestones.md, "Required fields": name, project_id, due_date.
    name: str = Field(min_length=1, description="Milestone name.")
    project_id: Id = Field(description="Project it belongs to.")
    due_date: Date = Field(description="Due date.")
    user_id: Id | None = Field(None, description="Responsible user; gets the reminders.")
    send_reminder: int | None = Field(
        None, ge=0, description="Remind user_id this many hours before due_date; 0 = no reminder."
    )
    complete: bool | None = Field(None, description="Mark it completed.")
    linked_tasklists: list[Id] | None = Field(None, description="Task lists of its project to link.")


MilestoneUpdate = partial_model(
    "MilestoneUpdate",
    MilestoneCreate,
    clearable=frozenset({"user_id", "linked_tasklists"}),
    describe={
        "project_id": "Move it to this project.",
        "user_id": "Responsible user; null: nobody.",
        "complete": "true completes the milestone, false reopens it.",
        "linked_tasklists": "Linked task lists: replaces the whole list; [] or null unlinks all.",
    },
)
