"""Lookup tools: where the ids the typed tools ask for come from: get_me, list_users, and get_lookup
for the small lists (statuses, milestones, templates, currencies), one tool for all of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field, create_model

from paymo_mcp.catalog.resources import LOOKUP_KINDS, ME, PROJECTS
from paymo_mcp.client import Condition, build_where
from paymo_mcp.models import lookups
from paymo_mcp.models.common import Id, InputModel
from paymo_mcp.models.currencies import CURRENCIES
from paymo_mcp.models.timezone import zone
from paymo_mcp.tools.context import AppContext
from paymo_mcp.tools.toolkit import make_tool

# The small lookups share one tool, get_lookup: what each kind's ids are for, in its description.
KINDS = {**{spec.name: spec.ids_for for spec in LOOKUP_KINDS}, "currencies": "currency"}
SMALL = {spec.name: spec for spec in LOOKUP_KINDS}
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
        me = await ME.on(app.client).one()
        here = zone(me.get("timezone"))
        app.user.timezone = here  # the zone the tools read local times in, fresh from Paymo
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
    kind: Literal[tuple(KINDS)] = Field(description="Which list.")  # type: ignore[valid-type]
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
        conditions: list[Condition] = []
        if args.project_id is not None and "workflow_id" in spec.filters.model_fields:
            # A project has no statuses of its own: its workflow's are the ones.
            project = await PROJECTS.on(app.client).get(args.project_id)
            conditions.append(Condition("workflow_id", "=", project.get("workflow_id")))
        elif args.project_id is not None:
            conditions.append(Condition("project_id", "=", args.project_id))
        where = build_where(conditions)
        found = await spec.on(app.client).list(where=where, limit=MAX_LOOKUP)
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


def lookup_tools() -> list[Tool]:
    """get_me and get_lookup (every smaller lookup, by kind); list_users comes from its spec."""
    return [get_me_tool(), get_lookup_tool()]
