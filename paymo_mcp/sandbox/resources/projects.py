"""Projects (`/api/projects`): codes, the Sample Client, users ⊇ managers, workflows, cascades (§10.3),
a status and `active` flag that move together, the computed `estimated_price`."""

from __future__ import annotations

import re

from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import bad_request
from paymo_mcp.sandbox.resources.estimates import project_estimate
from paymo_mcp.sandbox.resources.ordering import reorder
from paymo_mcp.sandbox.resources.workflows import default_workflow, status_with_action
from paymo_mcp.sandbox.schema import (
    Behaviour,
    Bool,
    Dec,
    Ids,
    Int,
    Record,
    Resource,
    Sql,
    Text,
    children,
    parent,
)
from paymo_mcp.sandbox.where import Condition, compile_condition

SAMPLE_CLIENT = "Sample Client"
_CODE = re.compile(r"^[A-Z0-9]+$")
BILLING_MODES = (None, "user", "task", "project", "company")


def billing_type(billable: bool, flat: bool) -> str:
    """`non` and `pph` are seen in Paymo's docs; `flat` for flat-rate projects is the sandbox's guess."""
    if not billable:
        return "non"
    return "flat" if flat else "pph"


def _generated_code(ctx: Ctx, name: str) -> str:
    """Initials of the name (`Website Redesign` -> `WR`), made unique with a number when taken."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]
    base = "".join(w[0] for w in words).upper()[:4] if len(words) > 1 else "".join(words).upper()[:3]
    base = base or "P"
    taken = {p["code"] for p in ctx.find("projects")}
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}{n}"
    return code


def status_for(ctx: Ctx, active: bool) -> Record:
    """The status a project takes when only `active` changes: the built-in Active or Archived one (the
    read-only status with that flag), else the first status with it."""
    found = ctx.find("projectstatuses", "t.active = ?", [int(active)], order="t.readonly DESC, t.seq, t.id")
    if not found:
        raise bad_request(f"There is no {'active' if active else 'inactive'} project status to move to")
    return found[0]


def settle_active(ctx: Ctx, values: Record, current_status: int | None) -> None:
    """A status and the `active` flag move together (project_statuses.md:248, projects.md:361): a sent
    `status_id` decides `active`; `active` alone moves to an Active or Archived status when it must."""
    if values.get("status_id") is not None:
        values["active"] = bool(ctx.ref("projectstatuses", "status_id", values["status_id"])["active"])
    elif "active" in values and values["active"] is not None:
        status = ctx.get("projectstatuses", current_status) if current_status is not None else None
        if status is None or bool(status["active"]) != bool(values["active"]):
            values["status_id"] = status_for(ctx, bool(values["active"]))["id"]


def check_users(ctx: Ctx, field: str, ids: list[int]) -> None:
    known = {u["id"] for u in ctx.find("users")}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise bad_request(f"Invalid {field}: no users with ids {unknown}")


class ProjectBehaviour(Behaviour):
    def _check(self, ctx: Ctx, values: Record) -> None:
        code = values.get("code")
        if code is not None and not _CODE.match(code):
            raise bad_request(f"Invalid code: {code!r} (use capital letters A-Z and digits 0-9 only)")
        if "client_id" in values and values["client_id"] is not None:
            ctx.ref("clients", "client_id", values["client_id"])
        if values.get("workflow_id") is not None:
            ctx.ref("workflows", "workflow_id", values["workflow_id"])
        if values.get("status_id") is not None:
            ctx.ref("projectstatuses", "status_id", values["status_id"])
        if values.get("hourly_billing_mode", None) not in BILLING_MODES:
            raise bad_request("Invalid hourly_billing_mode: use null, user, task, project or company")
        for field in ("users", "managers"):
            if values.get(field):
                check_users(ctx, field, values[field])

    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        if body.get("template_id") is not None:
            raise bad_request("Project templates (template_id) are not supported by the sandbox")
        self._check(ctx, values)
        values["code"] = values.get("code") or _generated_code(ctx, values["name"])
        if values.get("client_id") is None:
            sample = ctx.find("clients", "t.name = ?", [SAMPLE_CLIENT])
            values["client_id"] = (
                sample[0]["id"] if sample else ctx.create("clients", {"name": SAMPLE_CLIENT})["id"]
            )
        if values.get("workflow_id") is None:
            values["workflow_id"] = default_workflow(ctx)["id"]
        if values.get("status_id") is None and "active" not in body:
            first = ctx.find("projectstatuses", "", order="t.seq, t.id")
            values["status_id"] = first[0]["id"] if first else None
        settle_active(ctx, values, None)
        users, managers = values.get("users") or [], values.get("managers") or []
        values["users"] = users + [m for m in managers if m not in users]
        values["managers"] = managers
        values["billing_type"] = billing_type(values["billable"], values["flat_billing"])

    def before_update(self, ctx: Ctx, old: Record, changes: Record, body: Record) -> None:
        if changes.get("client_id", old["client_id"]) is None:
            raise bad_request("Invalid client_id: a project needs a client")
        for field in ("workflow_id", "status_id"):
            if field in changes and changes[field] is None:
                raise bad_request(f"Invalid {field}: it cannot be null")
        self._check(ctx, changes)
        settle_active(ctx, changes, old["status_id"])
        if "users" in changes or "managers" in changes:
            # Both lists are replaced whole; managers are always users too.
            managers = changes.get("managers", old["managers"]) or []
            users = changes.get("users", old["users"]) or []
            if "managers" in changes:
                users = users + [m for m in managers if m not in users]
            else:
                managers = [m for m in managers if m in users]
            changes["users"], changes["managers"] = users, managers
        billable = bool(changes.get("billable", old["billable"]))
        flat = bool(changes.get("flat_billing", old["flat_billing"]))
        changes["billing_type"] = billing_type(billable, flat)

    def present(self, ctx: Ctx, record: Record) -> None:
        record["estimated_price"] = project_estimate(ctx, record)

    def where(self, ctx: Ctx, condition: Condition, alias: str) -> Sql | None:
        # projects.md:29 filters with `manager=[USER_ID]`: read as the `managers` list field.
        if condition.field != "manager":
            return None
        managers = Condition("managers", condition.op, condition.value)
        return compile_condition(ctx.res("projects"), managers, alias)

    def after_update(self, ctx: Ctx, old: Record, new: Record, body: Record) -> None:
        if "tasklists_order" in body:
            reorder(ctx, "tasklists", "project_id", new["id"], "tasklists_order", body["tasklists_order"])
        if new["workflow_id"] != old["workflow_id"]:
            # Changing the workflow resets every task: open ones to Backlog, completed ones to Complete.
            backlog = status_with_action(ctx, new["workflow_id"], "backlog")["id"]
            complete = status_with_action(ctx, new["workflow_id"], "complete")["id"]
            for task in ctx.find("tasks", "t.project_id = ?", [new["id"]]):
                ctx.patch("tasks", task["id"], {"status_id": complete if task["complete"] else backlog})
        if new["client_id"] != old["client_id"]:
            for entry in ctx.find("entries", "t.project_id = ?", [new["id"]]):
                ctx.patch("entries", entry["id"], {"client_id": new["client_id"]}, emit=False)


PROJECTS = Resource(
    name="projects",
    model="Project",
    required=("name",),
    fields=(
        Text("name"),
        Text("code"),
        Int("task_code_increment", 0, writable=False),
        Text("description", ""),
        Int("client_id"),
        Int("status_id"),
        Bool("active", True),
        Text("color"),
        Ids("users"),
        Ids("managers"),
        Bool("billable", False),
        Bool("flat_billing", False),
        Text("billing_type", "non", writable=False),
        Dec("price_per_hour"),
        Dec("price"),
        Dec("estimated_price", writable=False),
        Text("hourly_billing_mode"),
        Dec("budget_hours"),
        Bool("adjustable_hours", None),
        Bool("invoiced", False, writable=False),
        Int("invoice_item_id", writable=False),
        Int("workflow_id"),
    ),
    relations=(
        parent("client", "clients", "client_id"),
        parent("projectstatus", "projectstatuses", "status_id"),
        parent("workflow", "workflows", "workflow_id"),
        parent("invoiceitem", "invoiceitems", "invoice_item_id"),
        children("tasklists", "tasklists", "project_id"),
        children("tasks", "tasks", "project_id"),
        children("milestones", "milestones", "project_id"),
        children("discussions", "discussions", "project_id"),
        children("files", "files", "project_id"),
    ),
    cascade=("tasklists", "milestones", "discussions", "files"),
    webhook_include="client.name",
    behaviour=ProjectBehaviour(),
)
