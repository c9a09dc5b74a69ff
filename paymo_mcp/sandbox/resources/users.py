"""Users (`/api/users`, `/api/me`): Admins, Employees and Guests of the account (paymo-api.md §10.7)."""

from __future__ import annotations

from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import bad_request
from paymo_mcp.sandbox.resources.images import ImageBehaviour
from paymo_mcp.sandbox.schema import (
    Bool,
    Dec,
    Field,
    Ids,
    Record,
    Resource,
    Text,
    children,
)
from paymo_mcp.sandbox.storage import q
from paymo_mcp.sandbox.values import Kind, coerce

TYPES = ("Admin", "Employee", "Guest")


def _projects_with(ctx: Ctx, column: str, user_id: int) -> list[int]:
    rows = ctx.find("projects", f"EXISTS (SELECT 1 FROM json_each(t.{q(column)}) WHERE value = ?)", [user_id])
    return [r["id"] for r in rows]


class UserBehaviour(ImageBehaviour):
    folder = "users"

    def _check(self, ctx: Ctx, values: Record, user_id: int | None) -> None:
        if "type" in values and values["type"] not in TYPES:
            raise bad_request(f"Invalid type: {values['type']!r} (use Admin, Employee or Guest)")
        email = values.get("email")
        if email is not None:
            if "@" not in email:
                raise bad_request(f"Invalid email: {email!r}")
            taken = ctx.find(
                "users", "t.email = ? COLLATE NOCASE AND t.active = 1 AND t.id != ?", [email, user_id or 0]
            )
            if taken:
                raise bad_request(f"Invalid email: {email} is already used by another active user")

    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        self._check(ctx, values, None)
        values["name"] = values.get("name") or values["email"].split("@")[0]
        super().before_create(ctx, values, body)

    def before_update(self, ctx: Ctx, old: Record, changes: Record, body: Record) -> None:
        self._check(ctx, changes, old["id"])
        super().before_update(ctx, old, changes, body)

    def after_create(self, ctx: Ctx, record: Record, body: Record) -> None:
        self._sync_projects(ctx, record, body)

    def after_update(self, ctx: Ctx, old: Record, new: Record, body: Record) -> None:
        self._sync_projects(ctx, new, body)

    def _sync_projects(self, ctx: Ctx, user: Record, body: Record) -> None:
        """`assigned_projects` / `managed_projects` are projects' `users` / `managers` seen from the user."""
        for column, key in (("users", "assigned_projects"), ("managers", "managed_projects")):
            if key not in body:
                continue
            wanted = set(coerce(Kind.IDS, key, body[key]) or [])
            for project in ctx.find("projects"):
                members = list(project[column] or [])
                has = user["id"] in members
                if project["id"] in wanted and not has:
                    changes = {column: [*members, user["id"]]}
                    if column == "managers" and user["id"] not in project["users"]:
                        changes["users"] = [*project["users"], user["id"]]
                    ctx.patch("projects", project["id"], changes)
                elif project["id"] not in wanted and has:
                    ctx.patch("projects", project["id"], {column: [m for m in members if m != user["id"]]})

    def before_delete(self, ctx: Ctx, record: Record) -> None:
        if record["id"] == ctx.user_id:
            raise bad_request("You cannot delete your own user")

    def present(self, ctx: Ctx, record: Record) -> None:
        if "projects" not in ctx.registry:
            return
        record["assigned_projects"] = _projects_with(ctx, "users", record["id"])
        record["managed_projects"] = _projects_with(ctx, "managers", record["id"])


USERS = Resource(
    name="users",
    model="User",
    required=("email",),
    fields=(
        Text("name"),
        Text("email", index=True),
        Text("type", "Employee"),
        Bool("active", True),
        Text("timezone", "UTC"),
        Text("phone"),
        Text("skype"),
        Text("position"),
        Dec("workday_hours", 8),
        Dec("price_per_hour"),
        Text("image", writable=False),
        Text("image_thumb_large", writable=False),
        Text("image_thumb_medium", writable=False),
        Text("image_thumb_small", writable=False),
        Text("date_format", "Y-m-d"),
        Text("time_format", "H:i"),
        Text("decimal_sep", "."),
        Text("thousands_sep", ","),
        Text("week_start", "1"),
        Text("language", "en"),
        Text("theme", "default"),
        Ids("assigned_projects", writable=False),
        Ids("managed_projects", writable=False),
        Bool("is_online", False, writable=False),
        Text("password", hidden=True),
        Field("api_key", hidden=True, writable=False, index=True),
    ),
    relations=(
        children("comments", "comments", "user_id"),
        children("discussions", "discussions", "user_id"),
        children("entries", "entries", "user_id"),
        children("expenses", "expenses", "user_id"),
        children("files", "files", "user_id"),
        children("milestones", "milestones", "user_id"),
        children("reports", "reports", "user_id"),
    ),
    cascade=("entries",),
    behaviour=UserBehaviour(),
)
