"""The records the six main resources point at, kept simple: subtasks, discussions, files (no uploads),
client contacts, reports (stored, not computed) and recurring profiles."""

from __future__ import annotations

from paymo_mcp.sandbox.currencies import check_currency
from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import bad_request
from paymo_mcp.sandbox.resources.ordering import next_seq
from paymo_mcp.sandbox.schema import (
    Behaviour,
    Bool,
    Date,
    DateTime,
    Dec,
    Int,
    Json,
    Record,
    Resource,
    Text,
    one,
    parent,
)


class SubtaskBehaviour(Behaviour):
    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        task = ctx.ref("tasks", "task_id", values["task_id"])
        values["project_id"] = task["project_id"]
        values["user_id"] = values.get("user_id") or ctx.user_id or None
        if values.get("seq") is None:
            values["seq"] = next_seq(ctx, "subtasks", "task_id", task["id"])
        if values.get("complete"):
            values["completed_on"], values["completed_by"] = ctx.now, ctx.user_id or None

    def before_update(self, ctx: Ctx, old: Record, changes: Record, body: Record) -> None:
        if "task_id" in changes and changes["task_id"] != old["task_id"]:
            changes["project_id"] = ctx.ref("tasks", "task_id", changes["task_id"])["project_id"]
        if "complete" in changes and changes["complete"] != old["complete"]:
            done = changes["complete"]
            changes["completed_on"] = ctx.now if done else None
            changes["completed_by"] = (ctx.user_id or None) if done else None


SUBTASKS = Resource(
    name="subtasks",
    required=("name", "task_id"),
    fields=(
        Text("name"),
        Bool("complete", False),
        Int("project_id", writable=False),
        Int("user_id"),
        Int("task_id"),
        Int("seq"),
        DateTime("completed_on", writable=False),
        Int("completed_by", writable=False),
    ),
    relations=(
        parent("project", "projects", "project_id"),
        parent("task", "tasks", "task_id"),
        parent("user", "users", "user_id"),
    ),
    behaviour=SubtaskBehaviour(),
)


class ProjectChildBehaviour(Behaviour):
    """Records that belong to a project and are written by the caller."""

    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        ctx.ref("projects", "project_id", values["project_id"])
        values["user_id"] = ctx.user_id or None


DISCUSSIONS = Resource(
    name="discussions",
    required=("name", "project_id"),
    fields=(Text("name"), Text("description", ""), Int("project_id"), Int("user_id", writable=False)),
    relations=(
        parent("project", "projects", "project_id"),
        parent("user", "users", "user_id"),
        one("thread", "threads", "discussion_id"),
    ),
    cascade=("thread",),
    behaviour=ProjectChildBehaviour(),
)

FILES = Resource(
    name="files",
    fields=(
        Text("original_filename"),
        Text("description", ""),
        Int("user_id", writable=False),
        Int("project_id", writable=False),
        Int("discussion_id", writable=False),
        Int("task_id", writable=False),
        Int("comment_id", writable=False),
        Text("token", writable=False),
        Text("size", writable=False),
        Text("mime", writable=False),
        Text("file", writable=False),
        Json("tags", writable=False),
    ),
    relations=(
        parent("project", "projects", "project_id"),
        parent("user", "users", "user_id"),
        parent("task", "tasks", "task_id"),
        parent("discussion", "discussions", "discussion_id"),
    ),
    methods=frozenset({"list", "get", "update", "delete"}),
)


class ClientContactBehaviour(Behaviour):
    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        ctx.ref("clients", "client_id", values["client_id"])


CLIENT_CONTACTS = Resource(
    name="clientcontacts",
    model="ClientContact",
    required=("name", "client_id"),
    fields=(
        Int("client_id"),
        Text("name"),
        Text("email"),
        Text("mobile"),
        Text("phone"),
        Text("fax"),
        Text("skype"),
        Text("notes"),
        Text("position"),
        Bool("is_main", False),
        Bool("access", False),
        Text("password", hidden=True),
        Text("image"),
    ),
    relations=(parent("client", "clients", "client_id"),),
    behaviour=ClientContactBehaviour(),
)


class ReportBehaviour(Behaviour):
    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        if values["type"] not in ("static", "live", "temp"):
            raise bad_request("Invalid type: use static, live or temp")
        values["user_id"] = ctx.user_id or None


REPORTS = Resource(
    name="reports",
    model="Report",
    required=("type",),
    fields=(
        Text("name"),
        Text("type"),
        Int("user_id", writable=False),
        Text("date_interval"),
        Date("start_date"),
        Date("end_date"),
        Json("projects"),
        Json("clients"),
        Json("users"),
        Json("include"),
        Json("extra"),
    ),
    relations=(parent("user", "users", "user_id"),),
    behaviour=ReportBehaviour(),
)

FREQUENCIES = ("w", "2w", "3w", "4w", "m", "2m", "3m", "6m", "y")


class RecurringProfileBehaviour(Behaviour):
    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        ctx.ref("clients", "client_id", values["client_id"])
        check_currency(values["currency"])
        if values["frequency"] not in FREQUENCIES:
            raise bad_request(f"Invalid frequency: use one of {', '.join(FREQUENCIES)}")


RECURRING_PROFILES = Resource(
    name="recurringprofiles",
    required=("client_id", "currency", "frequency", "start_date"),
    fields=(
        Int("client_id"),
        Text("currency"),
        Text("frequency"),
        Date("start_date"),
        Int("occurrences"),
        Text("title"),
        Dec("tax"),
        Dec("discount"),
        Text("notes", ""),
        Bool("active", True),
    ),
    relations=(parent("client", "clients", "client_id"),),
    behaviour=RecurringProfileBehaviour(),
)
