"""Projects (`/api/projects`): code format, users and managers as whole lists, archiving by `active`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from paymo_mcp.models.common import Id, InputModel, Integer, ListFilters, ReadModel, partial_model

# projects.md (the project object): "alphanumeric (A-Z, 0-9)"; the docs give no length limit.
ProjectCode = Annotated[
    str,
    Field(pattern=r"^[A-Z0-9]+$", description="Task-code prefix, letters A-Z and digits, e.g. WEB2."),
]


class Project(ReadModel):
    name: str | None = None
    code: str | None = None
    client_id: Integer | None = None
    active: bool | None = None


class ProjectFilters(ListFilters):
    where_ops = {"users": ("users", "in"), "managers": ("managers", "in")}

    client_id: Id | None = Field(None, description="Only projects of this client.")
    managers: list[Id] | None = Field(None, description="Only projects managed by any of these users.")
    users: list[Id] | None = Field(None, description="Only projects any of these users are assigned to.")
    active: bool | None = Field(None, description="true: active only; false: archived only.")


class ProjectCreate(InputModel):
    name: str = Field(min_length=1, description="Project name.")
    code: ProjectCode | None = None
    description: str | None = Field(None, description="Project description.")
    client_id: Id | None = Field(None, description='Client; omitted: Paymo uses "Sample Client".')
    workflow_id: Id | None = Field(None, description="Task workflow (get_lookup).")
    status_id: Id | None = Field(None, description="Project status (get_lookup).")
    active: bool | None = Field(None, description="false creates it archived.")
    adjustable_hours: bool | None = Field(None, description="Budget follows the tasks' budget hours.")
    users: list[Id] | None = Field(None, description="Assigned users (managers are added to them).")
    managers: list[Id] | None = Field(None, description="Managers.")
    billable: bool | None = Field(None, description="Billable project.")
    flat_billing: bool | None = Field(None, description="Billable: true flat rate, false time & materials.")
    budget_hours: float | None = Field(None, ge=0, description="Budgeted hours; omitted = unlimited.")
    price_per_hour: float | None = Field(None, ge=0, description="Hourly rate (time & materials).")
    price: float | None = Field(None, ge=0, description="Fixed price (flat-rate projects).")


ProjectUpdate = partial_model(
    "ProjectUpdate",
    ProjectCreate,
    clearable=frozenset({"description", "budget_hours", "price_per_hour", "price"}),
    describe={
        "client_id": "Client (list_clients).",
        "active": "false archives the project; true restores it.",
        "users": "Assigned users: replaces the whole list (managers stay in it).",
        "managers": "Managers: replaces the whole list.",
        "budget_hours": "Budgeted hours; null = unlimited.",
    },
)
