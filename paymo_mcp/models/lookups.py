"""Read-only lookups that give the typed tools their ids: users, statuses, templates, milestones."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from paymo_mcp.client.query import Condition
from paymo_mcp.models.common import Id, ListFilters, ReadModel

if TYPE_CHECKING:
    from paymo_mcp.client import PaymoClient


class User(ReadModel):
    name: str | None = None
    email: str | None = None
    type: str | None = None


class UserFilters(ListFilters):
    active: bool | None = Field(None, description="true: active users only; false: retired only.")
    type: Literal["Admin", "Employee", "Guest"] | None = Field(None, description="Only users of this type.")


class WorkflowStatus(ReadModel):
    name: str | None = None
    workflow_id: int | None = None
    action: str | None = None


class WorkflowStatusFilters(ListFilters):
    workflow_id: Id | None = Field(None, description="Only statuses of this workflow.")
    project_id: Id | None = Field(None, description="Only statuses of this project's workflow.")

    async def resolve(self, client: PaymoClient) -> list[Condition]:
        """A project has no statuses of its own: look up its workflow first."""
        if self.project_id is None:
            return self.conditions()
        project = await client.get("projects", "projects", self.project_id)
        out = [c for c in self.conditions() if c.field != "project_id"]
        out.append(Condition("workflow_id", "=", project.get("workflow_id")))
        return out


class ProjectStatus(ReadModel):
    name: str | None = None
    active: bool | None = None


class NoFilters(ListFilters):
    pass


class InvoiceTemplate(ReadModel):
    name: str | None = None
    is_default: bool | None = None


class Milestone(ReadModel):
    name: str | None = None
    project_id: int | None = None
    due_date: str | None = None


class MilestoneFilters(ListFilters):
    project_id: Id | None = Field(None, description="Only milestones of this project.")
    user_id: Id | None = Field(None, description="Only milestones this user is responsible for.")
    complete: bool | None = Field(None, description="true: completed only; false: open only.")
