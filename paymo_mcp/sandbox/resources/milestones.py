"""Milestones (`/api/milestones`): dated goals of a project, linked to task lists (paymo-api.md §10.11)."""

from __future__ import annotations

from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import bad_request
from paymo_mcp.sandbox.schema import (
    Behaviour,
    Bool,
    Date,
    Ids,
    Int,
    Record,
    Resource,
    Sql,
    Text,
    children,
    parent,
)
from paymo_mcp.sandbox.values import Kind, coerce
from paymo_mcp.sandbox.where import Condition, value_for

# Required on create (milestones.md): they cannot be emptied by an update either.
_KEPT = ("name", "project_id", "due_date")


class MilestoneBehaviour(Behaviour):
    def _check(self, ctx: Ctx, values: Record) -> None:
        if values.get("user_id") is not None:
            ctx.ref("users", "user_id", values["user_id"])
        if "send_reminder" in values:
            hours = values["send_reminder"]
            if hours is None:  # 0 is "no reminders" (milestones.md): null means the same
                values["send_reminder"] = 0
            elif hours < 0:
                raise bad_request(f"Invalid send_reminder: {hours} (hours before the due date, 0 or more)")

    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        ctx.ref("projects", "project_id", values["project_id"])
        self._check(ctx, values)

    def before_update(self, ctx: Ctx, old: Record, changes: Record, body: Record) -> None:
        for field in _KEPT:
            if field in changes and changes[field] in (None, ""):
                raise bad_request(f"Invalid {field}: it cannot be empty")
        if "project_id" in changes and changes["project_id"] != old["project_id"]:
            ctx.ref("projects", "project_id", changes["project_id"])
        self._check(ctx, changes)

    def after_create(self, ctx: Ctx, record: Record, body: Record) -> None:
        self._link(ctx, record, body)

    def after_update(self, ctx: Ctx, old: Record, new: Record, body: Record) -> None:
        self._link(ctx, new, body)
        if new["project_id"] != old["project_id"]:
            # A list stays in its project: a milestone moved away keeps no link to the old one's lists.
            for tasklist in ctx.find(
                "tasklists", "t.milestone_id = ? AND t.project_id != ?", [new["id"], new["project_id"]]
            ):
                ctx.patch("tasklists", tasklist["id"], {"milestone_id": None})

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

    def where(self, ctx: Ctx, condition: Condition, alias: str) -> Sql | None:
        """`linked_tasklists` is read from the task lists (as `present` shows it): `=`/`in` contain any of
        the ids, `!=`/`not in` none of them."""
        if condition.field != "linked_tasklists":
            return None
        if condition.op not in ("=", "!=", "in", "not in"):
            raise bad_request(
                f"Invalid where: `{condition.op}` does not apply to the list field `linked_tasklists`"
            )
        ids = [value_for(Kind.INT, "linked_tasklists", lit) for lit in condition.literals]
        if any(i is None for i in ids):
            raise bad_request("Invalid where: `linked_tasklists` holds task list ids, not null")
        marks = ", ".join("?" * len(ids))
        linked = (
            f'EXISTS (SELECT 1 FROM "tasklists" l WHERE l.milestone_id = {alias}.id AND l.id IN ({marks}))'
            if ids
            else "0"
        )
        return (f"NOT {linked}" if condition.op in ("!=", "not in") else linked), ids


MILESTONES = Resource(
    name="milestones",
    model="Milestone",
    required=_KEPT,
    fields=(
        Text("name"),
        Int("project_id"),
        Int("user_id"),
        Date("due_date"),
        Int("send_reminder", 0),
        Bool("reminder_sent", False, writable=False),
        Bool("complete", False),
        # Written through the task lists' milestone_id (MilestoneBehaviour._link), shown by `present`.
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
