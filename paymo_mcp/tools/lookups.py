"""Lookup tools: where the ids the typed tools ask for come from (users, statuses, templates, ...)."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.tools.base import Tool
from mcp_types import ToolAnnotations
from pydantic import create_model

from paymo_mcp.models import lookups
from paymo_mcp.models.common import InputModel
from paymo_mcp.models.currencies import CURRENCIES
from paymo_mcp.server.context import AppContext
from paymo_mcp.tools.generator import ResourceTools
from paymo_mcp.tools.spec import ResourceSpec, names
from paymo_mcp.tools.toolkit import make_tool

USERS = ResourceSpec(
    name="users",
    singular="user",
    noun="user",
    path="users",
    key="users",
    webhook_model="",
    read=lookups.User,
    filters=lookups.UserFilters,
    includes=("entries", "milestones", "comments", "discussions", "expenses", "files", "reports"),
    fields=names(
        "id name email type active timezone phone skype position workday_hours price_per_hour image "
        "image_thumb_large image_thumb_medium image_thumb_small date_format time_format decimal_sep "
        "thousands_sep week_start language theme assigned_projects managed_projects is_online "
        "created_on updated_on"
    ),
)
WORKFLOW_STATUSES = ResourceSpec(
    name="workflow_statuses",
    singular="workflow_status",
    noun="workflow status",
    path="workflowstatuses",
    key="workflowstatuses",
    webhook_model="",
    read=lookups.WorkflowStatus,
    filters=lookups.WorkflowStatusFilters,
    includes=("workflow",),
    fields=names("id name workflow_id color seq action created_on updated_on"),
)
PROJECT_STATUSES = ResourceSpec(
    name="project_statuses",
    singular="project_status",
    noun="project status",
    path="projectstatuses",
    key="projectstatuses",
    webhook_model="",
    read=lookups.ProjectStatus,
    filters=lookups.NoFilters,
    includes=("projects",),
    fields=names("id name active seq readonly created_on updated_on"),
)
INVOICE_TEMPLATES = ResourceSpec(
    name="invoice_templates",
    singular="invoice_template",
    noun="invoice template",
    path="invoicetemplates",
    key="invoicetemplates",
    webhook_model="",
    read=lookups.InvoiceTemplate,
    filters=lookups.NoFilters,
    includes=("invoices",),
    fields=names("id name title html css is_default created_on updated_on"),
)
MILESTONES = ResourceSpec(
    name="milestones",
    singular="milestone",
    noun="milestone",
    path="milestones",
    key="milestones",
    webhook_model="",
    read=lookups.Milestone,
    filters=lookups.MilestoneFilters,
    includes=("project", "user", "tasklists"),
    fields=names(
        "id name project_id user_id due_date send_reminder reminder_sent complete linked_tasklists "
        "created_on updated_on"
    ),
)
LOOKUPS = (USERS, WORKFLOW_STATUSES, PROJECT_STATUSES, INVOICE_TEMPLATES, MILESTONES)
# What each lookup's ids are for: said in its tool's description, so a model knows where to look.
USES = {
    "users": "Ids for user_id, users and managers of tasks, projects and time entries.",
    "workflow_statuses": "Ids for a task's status_id; project_id gives that project's statuses.",
    "project_statuses": "Ids for a project's status_id.",
    "invoice_templates": "Ids for an invoice's template_id.",
    "milestones": "Ids for a task list's milestone_id.",
}

_READ = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=True
)
NoArguments = create_model("NoArguments", __base__=InputModel)


def get_me_tool() -> Tool:
    async def handler(args: Any, app: AppContext, ctx: Context[Any, Any]) -> dict[str, Any]:
        body = await app.client.request("GET", "me")
        return app.client._unwrap_one(body, "users", "GET", "/me")

    return make_tool(
        name="get_me",
        description="The user the API key belongs to: your user_id (for tasks, time entries, ...).",
        input_model=NoArguments,
        handler=handler,
        output_model=lookups.User,
        annotations=_READ.model_copy(update={"title": "Who am I"}),
    )


def list_currencies_tool() -> Tool:
    Currencies = create_model("Currencies", currencies=(dict[str, str], ...))

    async def handler(args: Any, app: AppContext, ctx: Context[Any, Any]) -> dict[str, Any]:
        return {"currencies": CURRENCIES}

    return make_tool(
        name="list_currencies",
        description="Currency codes Paymo accepts for an invoice's currency, with their symbols.",
        input_model=NoArguments,
        handler=handler,
        output_model=Currencies,
        annotations=_READ.model_copy(update={"title": "List currencies", "open_world_hint": False}),
    )


def lookup_list_tool(spec: ResourceSpec) -> Tool:
    """The generated list tool of a lookup, its description saying which arguments its ids fill."""
    tool = ResourceTools(spec).list_tool()
    return tool.model_copy(update={"description": f"{tool.description} {USES[spec.name]}"})


def lookup_tools() -> list[Tool]:
    """get_me, list_currencies and one list_* tool per lookup resource."""
    return [get_me_tool(), list_currencies_tool(), *(lookup_list_tool(spec) for spec in LOOKUPS)]
