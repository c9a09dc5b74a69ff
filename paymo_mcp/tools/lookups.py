"""Lookup tools: where the ids the typed tools ask for come from: get_me, list_users, and get_lookup
for the small lists (statuses, milestones, templates, currencies), one tool for all of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools.base import Tool
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field, create_model

from paymo_mcp.client import build_where
from paymo_mcp.models import lookups
from paymo_mcp.models.common import Id, InputModel
from paymo_mcp.models.currencies import CURRENCIES
from paymo_mcp.models.timezone import zone
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
    search_fields=("name",),
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
# The small lookups share one tool, get_lookup: what each kind's ids are for, in its description.
KINDS = {
    "workflow_statuses": "a task's status_id, a project's workflow_id",
    "project_statuses": "a project's status_id",
    "milestones": "milestone_id",
    "invoice_templates": "template_id",
    "currencies": "currency",
}
SMALL = {spec.name: spec for spec in LOOKUPS if spec.name in KINDS}
USERS_USE = "Ids for user_id, users and managers; yours: get_me."
MAX_LOOKUP = 500  # records of one kind; more (milestones of a huge account) asks for project_id

_READ = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=True
)
NoArguments = create_model("NoArguments", __base__=InputModel)


class Me(lookups.User):
    """GET /me, with the current time where the user is: what "today" and "this week" mean."""

    timezone: str | None = None
    now_local: str = Field(description="Now in your time zone (ISO 8601 with offset).")


def get_me_tool() -> Tool:
    async def handler(args: Any, app: AppContext, ctx: Context[Any, Any]) -> dict[str, Any]:
        body = await app.client.request("GET", "me")
        me = app.client._unwrap_one(body, "users", "GET", "/me")
        here = zone(me.get("timezone"))
        app.extras["timezone"] = here  # the zone the tools read local times in, fresh from Paymo
        return {**me, "now_local": datetime.now(here).isoformat(timespec="seconds")}

    return make_tool(
        name="get_me",
        description="You (the API key's user): your user_id, timezone and the time there (now_local).",
        input_model=NoArguments,
        handler=handler,
        output_model=Me,
        annotations=_READ.model_copy(update={"title": "Who am I"}),
    )


class LookupArguments(InputModel):
    kind: Literal[
        "workflow_statuses", "project_statuses", "milestones", "invoice_templates", "currencies"
    ] = Field(description="Which list.")
    project_id: Id | None = Field(None, description="Only this project's (workflow statuses, milestones).")


class Lookup(BaseModel):
    """One kind's records (only their main fields), or the currency codes with their symbols."""

    kind: str
    records: list[dict[str, Any]] | None = None
    currencies: dict[str, str] | None = None
    more: bool | None = None


def get_lookup_tool() -> Tool:
    async def handler(args: LookupArguments, app: AppContext, ctx: Context[Any, Any]) -> dict[str, Any]:
        if args.kind == "currencies":
            return {"kind": args.kind, "currencies": CURRENCIES}
        spec = SMALL[args.kind]
        if args.project_id is not None and spec.filters is lookups.NoFilters:
            raise ToolError(f"project_id: {args.kind} are account-wide; leave project_id out")
        filters = spec.filters.model_validate({"project_id": args.project_id} if args.project_id else {})
        where = build_where(await filters.resolve(app.client))
        found = await app.client.list(spec.path, spec.key, where=where, limit=MAX_LOOKUP)
        shown = ("id", *spec.read.model_fields)
        records = [{k: r[k] for k in shown if k in r} for r in found]
        return {"kind": args.kind, "records": records, "more": len(found) == MAX_LOOKUP}

    uses = ", ".join(f"{kind} ({use})" for kind, use in KINDS.items())
    return make_tool(
        name="get_lookup",
        description=f"Ids other tools take, by kind: {uses}.",
        input_model=LookupArguments,
        handler=handler,
        output_model=Lookup,
        annotations=_READ.model_copy(update={"title": "Look up ids"}),
    )


def list_users_tool() -> Tool:
    """The generated list tool of users, its description saying which arguments its ids fill."""
    tool = ResourceTools(USERS).list_tool()
    return tool.model_copy(update={"description": f"{tool.description} {USERS_USE}"})


def lookup_tools() -> list[Tool]:
    """get_me, list_users and get_lookup (every smaller lookup, by kind)."""
    return [get_me_tool(), list_users_tool(), get_lookup_tool()]
