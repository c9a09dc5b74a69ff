"""Project statuses (`/api/projectstatuses`): Active, Proposal, On-hold, ... (paymo-api.md §10.9)."""

from __future__ import annotations

from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import bad_request
from paymo_mcp.sandbox.schema import Behaviour, Bool, Int, Record, Resource, Text, children


class ProjectStatusBehaviour(Behaviour):
    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        if values.get("seq") is None:
            last = ctx.storage.scalar("SELECT MAX(seq) FROM projectstatuses")
            values["seq"] = 0 if last is None else int(last) + 1

    def before_update(self, ctx: Ctx, old: Record, changes: Record, body: Record) -> None:
        if old["readonly"]:
            raise bad_request(f"Project status {old['name']!r} is read-only and cannot be changed")

    def after_update(self, ctx: Ctx, old: Record, new: Record, body: Record) -> None:
        # A status's `active` is its projects' (project_statuses.md:248): they follow it.
        if bool(new["active"]) != bool(old["active"]):
            for project in ctx.find("projects", "t.status_id = ?", [new["id"]]):
                ctx.patch("projects", project["id"], {"active": bool(new["active"])})

    def before_delete(self, ctx: Ctx, record: Record) -> None:
        if record["readonly"]:
            raise bad_request(f"Project status {record['name']!r} is read-only and cannot be deleted")
        if ctx.find("projects", "t.status_id = ?", [record["id"]]):
            raise bad_request(f"Project status {record['name']!r} cannot be deleted: projects have it")


PROJECT_STATUSES = Resource(
    name="projectstatuses",
    required=("name",),
    fields=(Text("name"), Bool("active", True), Int("seq"), Bool("readonly", False, writable=False)),
    relations=(children("projects", "projects", "status_id"),),
    behaviour=ProjectStatusBehaviour(),
)
