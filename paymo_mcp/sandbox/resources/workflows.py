"""Workflows and their statuses: a task's `status_id` is one of its project's workflow's (§10.10)."""

from __future__ import annotations

import re

from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import bad_request
from paymo_mcp.sandbox.schema import Behaviour, Bool, Field, Int, Record, Resource, Text, children, parent
from paymo_mcp.sandbox.values import Kind

_COLOR = re.compile(r"^[0-9A-Fa-f]{6}$")


def status_with_action(ctx: Ctx, workflow_id: int, action: str) -> Record:
    """The workflow's Backlog (`backlog`) or Complete (`complete`) status."""
    found = ctx.find("workflowstatuses", "t.workflow_id = ? AND t.action = ?", [workflow_id, action])
    if not found:
        raise bad_request(f"Workflow {workflow_id} has no {action} status")
    return found[0]


def default_workflow(ctx: Ctx) -> Record:
    found = ctx.find("workflows", "", order="t.is_default DESC, t.id")
    if not found:
        raise bad_request("The account has no workflow")
    return found[0]


def _single_default(ctx: Ctx, resource: str, record: Record) -> None:
    """Setting `is_default` on one record takes it off the others."""
    if record.get("is_default"):
        for other in ctx.find(resource, "t.is_default = 1 AND t.id != ?", [record["id"]]):
            ctx.patch(resource, other["id"], {"is_default": False}, emit=False)


class WorkflowBehaviour(Behaviour):
    def after_create(self, ctx: Ctx, record: Record, body: Record) -> None:
        # Every new workflow starts with Backlog and Complete.
        for seq, (name, action, color) in enumerate(
            (("Backlog", "backlog", None), ("Complete", "complete", "9CCC65"))
        ):
            ctx.insert(
                "workflowstatuses",
                {"name": name, "workflow_id": record["id"], "color": color, "seq": seq, "action": action},
            )
        _single_default(ctx, "workflows", record)

    def after_update(self, ctx: Ctx, old: Record, new: Record, body: Record) -> None:
        _single_default(ctx, "workflows", new)

    def before_delete(self, ctx: Ctx, record: Record) -> None:
        used = len(ctx.find("projects", "t.workflow_id = ?", [record["id"]]))
        if used:
            raise bad_request(f"Workflow {record['id']} cannot be deleted: {used} project(s) use it")
        if record["is_default"]:
            raise bad_request(
                f"Workflow {record['id']} is the default workflow; make another one default first"
            )


WORKFLOWS = Resource(
    name="workflows",
    required=("name",),
    fields=(Text("name"), Bool("is_default", False)),
    relations=(children("workflowstatuses", "workflowstatuses", "workflow_id"),),
    cascade=("workflowstatuses",),
    behaviour=WorkflowBehaviour(),
)


class WorkflowStatusBehaviour(Behaviour):
    def _color(self, values: Record) -> None:
        color = values.get("color")
        if color is not None and not _COLOR.match(color.lstrip("#")):
            raise bad_request(f"Invalid color: {color!r} (use hex RGB without #, e.g. 5BDBF6)")
        if color is not None:
            values["color"] = color.lstrip("#").upper()

    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        self._color(values)
        ctx.ref("workflows", "workflow_id", values["workflow_id"])
        # A custom status goes just before Complete, which stays last.
        complete = status_with_action(ctx, values["workflow_id"], "complete")
        values["seq"] = complete["seq"]
        values["action"] = ""
        ctx.patch("workflowstatuses", complete["id"], {"seq": complete["seq"] + 1}, emit=False)

    def before_update(self, ctx: Ctx, old: Record, changes: Record, body: Record) -> None:
        self._color(changes)
        changes.pop("workflow_id", None)

    def before_delete(self, ctx: Ctx, record: Record) -> None:
        if record["action"] in ("backlog", "complete"):
            raise bad_request(f"The {record['action']} status of a workflow cannot be deleted")
        used = len(ctx.find("tasks", "t.status_id = ?", [record["id"]]))
        if used:
            raise bad_request(f"Workflow status {record['id']} cannot be deleted: {used} task(s) have it")


WORKFLOW_STATUSES = Resource(
    name="workflowstatuses",
    required=("name", "color", "workflow_id"),
    fields=(
        Text("name"),
        Int("workflow_id"),
        Text("color"),
        Int("seq", writable=False),
        Field("action", Kind.TEXT, "", writable=False),
    ),
    relations=(parent("workflow", "workflows", "workflow_id"),),
    behaviour=WorkflowStatusBehaviour(),
)
