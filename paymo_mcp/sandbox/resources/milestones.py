"""Milestones (`/api/milestones`): dated goals of a project, linked to task lists (paymo-api.md §10.11)."""

from __future__ import annotations

from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import bad_request
from paymo_mcp.sandbox.schema import Behaviour, Bool, Date, Ids, Int, Record, Resource, Text, children, parent
from paymo_mcp.sandbox.values import Kind, coerce


class MilestoneBehaviour(Behaviour):
    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        ctx.ref("projects", "project_id", values["project_id"])
        if values.get("user_id") is not None:
            ctx.ref("users", "user_id", values["user_id"])

    def before_update(self, ctx: Ctx, old: Record, changes: Record, body: Record) -> None:
        if "project_id" in changes and changes["project_id"] != old["project_id"]:
            ctx.ref("projects", "project_id", changes["project_id"])
        if changes.get("user_id") is not None:
            ctx.ref("users", "user_id", changes["user_id"])

    def after_create(self, ctx: Ctx, record: Record, body: Record) -> None:
        self._link(ctx, record, body)

    def after_update(self, ctx: Ctx, old: Record, new: Record, body: Record) -> None:
        self._link(ctx, new, body)

    def _link(self, ctx: Ctx, milestone: Record, body: Record) -> None:
        """`linked_tasklists` is the same link as each task list's `milestone_id`, seen from the milestone."""
        if "linked_tasklists" not in body:
            return
        wanted = coerce(Kind.IDS, "linked_tasklists", body["linked_tasklists"] or [])
        for tasklist_id in wanted:
            tasklist = ctx.ref("tasklists", "linked_tasklists", tasklist_id)
            if tasklist["project_id"] != milestone["project_id"]:
                raise bad_request(f"Invalid linked_tasklists: task list {tasklist_id} is in another project")
            if tasklist["milestone_id"] != milestone["id"]:
                ctx.patch("tasklists", tasklist_id, {"milestone_id": milestone["id"]})
        for tasklist in ctx.find("tasklists", "t.milestone_id = ?", [milestone["id"]]):
            if tasklist["id"] not in wanted:
                ctx.patch("tasklists", tasklist["id"], {"milestone_id": None})

    def after_delete(self, ctx: Ctx, records: list[Record]) -> None:
        for milestone in records:
            for tasklist in ctx.find("tasklists", "t.milestone_id = ?", [milestone["id"]]):
                ctx.patch("tasklists", tasklist["id"], {"milestone_id": None})

    def present(self, ctx: Ctx, record: Record) -> None:
        record["linked_tasklists"] = [
            t["id"] for t in ctx.find("tasklists", "t.milestone_id = ?", [record["id"]])
        ]


MILESTONES = Resource(
    name="milestones",
    model="Milestone",
    required=("name", "project_id", "due_date"),
    fields=(
        Text("name"),
        Int("project_id"),
        Int("user_id"),
        Date("due_date"),
        Int("send_reminder", 0),
        Bool("reminder_sent", False, writable=False),
        Bool("complete", False),
        Ids("linked_tasklists", writable=False),
    ),
    relations=(
        parent("project", "projects", "project_id"),
        parent("user", "users", "user_id"),
        children("tasklists", "tasklists", "milestone_id"),
    ),
    webhook_include="project.name",
    behaviour=MilestoneBehaviour(),
)
