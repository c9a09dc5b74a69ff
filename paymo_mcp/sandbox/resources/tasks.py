"""Tasks (`/api/tasks`): codes, Default Task List, priorities, `complete` in step with the workflow."""

from __future__ import annotations

from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import bad_request
from paymo_mcp.sandbox.resources.estimates import task_estimate
from paymo_mcp.sandbox.resources.ordering import next_seq, reorder
from paymo_mcp.sandbox.resources.projects import check_users
from paymo_mcp.sandbox.resources.tasklists import default_tasklist
from paymo_mcp.sandbox.resources.workflows import status_with_action
from paymo_mcp.sandbox.schema import (
    Behaviour,
    Bool,
    Date,
    DateTime,
    Dec,
    Ids,
    Int,
    Record,
    Resource,
    Sql,
    Text,
    children,
    one,
    parent,
)
from paymo_mcp.sandbox.values import Kind, coerce
from paymo_mcp.sandbox.where import Condition, value_for

PRIORITIES = {25: "Low", 50: "Normal", 75: "High", 100: "Critical"}


def progress_status(ctx: Ctx, task: Record) -> str:
    """An include-only field in Paymo's webhook docs, never defined; the sandbox's reading of it."""
    if task["complete"]:
        return "completed"
    if task.get("due_date") and task["due_date"] < ctx.now[:10]:
        return "overdue"
    status = ctx.get("workflowstatuses", task["status_id"]) if task.get("status_id") else None
    return "not_started" if status is None or status["action"] == "backlog" else "in_progress"


class TaskBehaviour(Behaviour):
    extra_fields = {"progress_status": progress_status}

    def _check(self, ctx: Ctx, values: Record) -> None:
        if "priority" in values and values["priority"] not in PRIORITIES:
            allowed = ", ".join(f"{level} ({name})" for level, name in PRIORITIES.items())
            raise bad_request(f"Invalid priority: {values['priority']} (use {allowed})")
        if values.get("users"):
            check_users(ctx, "users", values["users"])
        if values.get("user_id") is not None:
            ctx.ref("users", "user_id", values["user_id"])

    def _status(self, ctx: Ctx, workflow_id: int, status_id: int) -> Record:
        status = ctx.ref("workflowstatuses", "status_id", status_id)
        if status["workflow_id"] != workflow_id:
            raise bad_request(f"Invalid status_id: status {status_id} is not in the project's workflow")
        return status

    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        self._check(ctx, values)
        if values.get("tasklist_id") is not None:
            tasklist = ctx.ref("tasklists", "tasklist_id", values["tasklist_id"])
            project = ctx.require("projects", tasklist["project_id"])
            given = body.get("project_id")
            if given is not None and coerce(Kind.INT, "project_id", given) != project["id"]:
                raise bad_request(
                    f"Invalid project_id: task list {tasklist['id']} is in project {project['id']}"
                )
        else:
            project = ctx.ref("projects", "project_id", coerce(Kind.INT, "project_id", body["project_id"]))
            tasklist = default_tasklist(ctx, project["id"])
        values["project_id"], values["tasklist_id"] = project["id"], tasklist["id"]
        values["user_id"] = values.get("user_id") or ctx.user_id or None
        if "billable" not in body:
            values["billable"] = project["billable"]
        if values.get("seq") is None:
            values["seq"] = next_seq(ctx, "tasks", "tasklist_id", tasklist["id"])
        number = project["task_code_increment"] + 1
        ctx.patch("projects", project["id"], {"task_code_increment": number}, emit=False)
        values["code"] = f"{project['code']}-{number}" if project["code"] else str(number)
        self._settle_status(ctx, project["workflow_id"], values, was_complete=False)

    def before_update(self, ctx: Ctx, old: Record, changes: Record, body: Record) -> None:
        self._check(ctx, changes)
        before = ctx.require("projects", old["project_id"])
        project = before
        if "tasklist_id" in changes:
            if changes["tasklist_id"] is None:
                raise bad_request("Invalid tasklist_id: a task must be in a task list")
            tasklist = ctx.ref("tasklists", "tasklist_id", changes["tasklist_id"])
            if tasklist["project_id"] != before["id"]:
                project = ctx.require("projects", tasklist["project_id"])
                changes["project_id"] = project["id"]
        if "status_id" in changes and changes["status_id"] is None:
            raise bad_request("Invalid status_id: it cannot be null")
        new_workflow = project["workflow_id"] != before["workflow_id"]
        if "status_id" in changes or "complete" in changes or new_workflow:
            values: Record = {"complete": changes.get("complete", old["complete"])}
            if "status_id" in changes:
                values["status_id"] = changes["status_id"]
            elif values["complete"] == old["complete"] and not new_workflow:
                values["status_id"] = old["status_id"]
            self._settle_status(ctx, project["workflow_id"], values, was_complete=old["complete"])
            changes.update(values)

    def _settle_status(self, ctx: Ctx, workflow_id: int, values: Record, *, was_complete: bool) -> None:
        """`status_id` decides when given; else `complete` picks the Complete or Backlog status."""
        if values.get("status_id") is not None:
            status = self._status(ctx, workflow_id, values["status_id"])
            values["complete"] = status["action"] == "complete"
        else:
            action = "complete" if values.get("complete") else "backlog"
            values["status_id"] = status_with_action(ctx, workflow_id, action)["id"]
            values["complete"] = bool(values.get("complete"))
        if values["complete"] and not was_complete:
            values["completed_on"], values["completed_by"] = ctx.now, ctx.user_id or None
        elif not values["complete"]:
            values["completed_on"], values["completed_by"] = None, None

    def after_update(self, ctx: Ctx, old: Record, new: Record, body: Record) -> None:
        if "subtasks_order" in body:
            reorder(ctx, "subtasks", "task_id", new["id"], "subtasks_order", body["subtasks_order"])
        if new["project_id"] != old["project_id"]:
            client_id = ctx.require("projects", new["project_id"])["client_id"]
            for entry in ctx.find("entries", "t.task_id = ?", [new["id"]]):
                ctx.patch("entries", entry["id"], {"project_id": new["project_id"], "client_id": client_id})

    def present(self, ctx: Ctx, record: Record) -> None:
        record["estimated_price"] = task_estimate(ctx, record)

    def where(self, ctx: Ctx, condition: Condition, alias: str) -> Sql | None:
        if condition.field != "mytasks":
            return None
        # Assigned to me or to no one, in projects I am assigned to (paymo-api.md §10.1).
        mine = (
            f"(EXISTS (SELECT 1 FROM json_each({alias}.users) WHERE value = ?)"
            f" OR json_array_length(COALESCE({alias}.users, '[]')) = 0)"
            f" AND {alias}.project_id IN (SELECT p.id FROM projects p"
            " WHERE EXISTS (SELECT 1 FROM json_each(p.users) WHERE value = ?))"
        )
        wanted = value_for(Kind.BOOL, "mytasks", condition.literal)
        if condition.op not in ("=", "!="):
            raise bad_request("Invalid where: use mytasks=true or mytasks=false")
        negate = (wanted == 0) != (condition.op == "!=")
        return (f"NOT ({mine})" if negate else f"({mine})"), [ctx.user_id, ctx.user_id]


TASKS = Resource(
    name="tasks",
    model="Task",
    required=("name", "tasklist_id or project_id"),
    fields=(
        Text("name"),
        Text("code", writable=False),
        Int("project_id", writable=False),
        Int("tasklist_id"),
        Int("seq"),
        Text("description", ""),
        Bool("complete", False),
        DateTime("completed_on", writable=False),
        Int("completed_by", writable=False),
        Date("due_date"),
        Date("start_date"),
        Int("user_id"),
        Ids("users"),
        Bool("billable", False),
        Bool("flat_billing", False),
        Dec("price_per_hour"),
        Dec("budget_hours"),
        Dec("estimated_price"),
        Dec("price", writable=False),
        Bool("invoiced", False, writable=False),
        Int("invoice_item_id", writable=False),
        Int("priority", 50),
        Int("status_id"),
        Int("files_count", 0, writable=False),
        Int("comments_count", 0, writable=False),
    ),
    relations=(
        parent("project", "projects", "project_id"),
        parent("tasklist", "tasklists", "tasklist_id"),
        parent("user", "users", "user_id"),
        one("thread", "threads", "task_id"),
        children("entries", "entries", "task_id"),
        children("subtasks", "subtasks", "task_id"),
        children("files", "files", "task_id"),
        parent("invoiceitem", "invoiceitems", "invoice_item_id"),
        parent("workflowstatus", "workflowstatuses", "status_id"),
    ),
    cascade=("entries", "subtasks", "thread"),
    webhook_include="*,progress_status,project.name,tasklist.name",
    behaviour=TaskBehaviour(),
)
