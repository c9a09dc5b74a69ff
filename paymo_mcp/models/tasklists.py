"""Task lists (`/api/tasklists`): the sections of a project that hold its tasks."""

from __future__ import annotations

from pydantic import Field

from paymo_mcp.models.common import Id, InputModel, Integer, ListFilters, ReadModel, partial_model


class Tasklist(ReadModel):
    name: str | None = None
    project_id: Integer | None = None


class TasklistFilters(ListFilters):
    project_id: Id | None = Field(None, description="Only lists of this project.")
    milestone_id: Id | None = Field(None, description="Only lists linked to this milestone.")


class TasklistCreate(InputModel):
    name: str = Field(min_length=1, description="Task list name.")
    project_id: Id = Field(description="Project the list belongs to.")
    seq: int | None = Field(None, ge=0, description="Position in the project (0 = first).")
    milestone_id: Id | None = Field(None, description="Milestone to link (get_lookup).")


# project_id is read-only in Paymo (tasklists.md, the task list object): a list stays in its project.
TasklistUpdate = partial_model(
    "TasklistUpdate", TasklistCreate, clearable=frozenset({"milestone_id"}), omit=frozenset({"project_id"})
)
