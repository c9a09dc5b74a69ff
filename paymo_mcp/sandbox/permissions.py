"""Who may do what: 403 for an Employee or Guest on Admin-only endpoints, and for plan limits
(projects.md:149,179, users.md:169). The docs name no full rights table; README.md here records the choice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import ApiError
from paymo_mcp.sandbox.values import Kind, coerce

# Invoicing is the Admin's: Employees and Guests neither see nor write it.
ADMIN_ONLY = frozenset(
    {"invoices", "invoiceitems", "invoicepayments", "invoicetemplates", "invoicetemplatesgallery",
     "recurringprofiles"}
)  # fmt: skip
# Everyone reads these; only an Admin writes them (a user may still edit their own profile).
ADMIN_WRITES = frozenset(
    {"company", "users", "clients", "clientcontacts", "projectstatuses", "workflows", "workflowstatuses"}
)
# What a Guest may write at all.
GUEST_WRITES = frozenset({"comments", "discussions", "files", "hooks"})
_VERBS = {"GET": "read", "POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}


def _denied(ctx: Ctx, verb: str, name: str) -> ApiError:
    kind = (ctx.user or {}).get("type", "Employee")
    article = "an" if kind[0] in "AEIOU" else "a"
    who = f"this API key is {article} {kind}'s"
    return ApiError(403, f"Access denied: only an Admin may {verb} {name} ({who})")


def _manages(ctx: Ctx, project_id: Any) -> bool:
    project = ctx.get("projects", project_id) if isinstance(project_id, int) else None
    return project is not None and ctx.user_id in (project.get("managers") or [])


def check(ctx: Ctx, method: str, name: str, record_id: int | None, body: Mapping[str, Any]) -> None:
    """Raise 403 when the caller's role or the account's plan does not allow this request."""
    kind = (ctx.user or {}).get("type", "Admin")
    verb = "update" if method == "POST" and record_id is not None else _VERBS.get(method, "change")
    if kind != "Admin":
        _check_role(ctx, kind, method, verb, name, record_id, body)
    if method == "POST" and record_id is None:
        _check_plan(ctx, name)


def _check_role(
    ctx: Ctx, kind: str, method: str, verb: str, name: str, record_id: int | None, body: Mapping[str, Any]
) -> None:
    if name in ADMIN_ONLY:
        raise _denied(ctx, verb, name)
    if method == "GET":
        return
    if kind == "Guest" and name not in GUEST_WRITES:
        raise _denied(ctx, verb, name)
    own_profile = name == "users" and record_id == ctx.user_id and verb == "update"
    if own_profile and not {"type", "active"} & set(body):
        return  # your own profile, but not your own role or archiving
    if name in ADMIN_WRITES:
        raise _denied(ctx, verb, name)
    if name == "projects" and not (verb == "update" and _manages(ctx, record_id)):
        raise _denied(ctx, verb, name)
    if name == "entries":
        _check_own_time(ctx, verb, record_id, body)


def _check_own_time(ctx: Ctx, verb: str, record_id: int | None, body: Mapping[str, Any]) -> None:
    """An Employee adds and changes their own time; a project manager also the project's."""
    entry = ctx.get("entries", record_id) if record_id is not None else None
    users = {entry["user_id"]} if entry else {ctx.user_id}
    if body.get("user_id") is not None:
        users.add(coerce(Kind.INT, "user_id", body["user_id"]))
    if users == {ctx.user_id}:
        return
    project_id = entry["project_id"] if entry else None
    if entry is None and body.get("task_id") is not None:
        task = ctx.get("tasks", coerce(Kind.INT, "task_id", body["task_id"]))
        project_id = task["project_id"] if task else None
    if not _manages(ctx, project_id):
        raise ApiError(403, f"Access denied: you may {verb} only your own time entries")


def _check_plan(ctx: Ctx, name: str) -> None:
    """The subscription's limits (the quirks' `max_*`, shown in /company) on creates."""
    quirks, count = ctx.quirks, ctx.storage.scalar
    limits = {
        "projects": (quirks.max_projects, "Adding projects denied. Projects limit reached."),
        "users": (quirks.max_users, "Could not add user. Maximum number of users reached."),
        "invoices": (quirks.max_invoices, "Adding invoices denied. Invoices limit reached this month."),
    }
    if name not in limits or limits[name][0] is None:
        return
    active = f"SELECT COUNT(*) FROM {name} WHERE active = 1"
    used = invoices_this_month(ctx) if name == "invoices" else count(active)
    if used >= (limits[name][0] or 0):
        raise ApiError(403, limits[name][1])


def invoices_this_month(ctx: Ctx) -> int:
    count: int = ctx.storage.scalar(
        "SELECT COUNT(*) FROM invoices WHERE substr(created_on, 1, 7) = ?", [ctx.now[:7]]
    )
    return count
