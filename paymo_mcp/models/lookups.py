"""Read-only lookups that give the typed tools their ids: users, statuses, templates."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from paymo_mcp.models.common import Id, ListFilters, ReadModel


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
    # project_id: get_lookup reads the project's workflow first (a project has no statuses of its own).
    project_id: Id | None = Field(None, description="Only statuses of this project's workflow.")


class ProjectStatus(ReadModel):
    name: str | None = None
    active: bool | None = None


class NoFilters(ListFilters):
    pass


class InvoiceTemplate(ReadModel):
    name: str | None = None
    is_default: bool | None = None
