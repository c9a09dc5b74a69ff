"""Webhooks (`/api/hooks`): each user's own; `secret` is write-only; deliveries live in webhooks.py (§9)."""

from __future__ import annotations

from urllib.parse import urlparse

from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import ApiError, bad_request
from paymo_mcp.sandbox.schema import Behaviour, Int, Record, Resource, Sql, Text
from paymo_mcp.sandbox.webhooks import model_resource, valid_event
from paymo_mcp.sandbox.where import compile_where, parse_where


class HookBehaviour(Behaviour):
    def _check(self, ctx: Ctx, values: Record, event: str, where: str | None) -> None:
        url = values.get("target_url")
        if "target_url" in values:
            parts = urlparse(url or "")
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise bad_request(f"Invalid target_url: {url!r} is not an http(s) URL")
        if not valid_event(event):
            raise bad_request(
                f"Invalid event: {event!r} (use e.g. model.insert.Task, model.start.Entry, *, "
                "model.insert.* or *.Task)"
            )
        # A concrete event's where is checked now; a wildcard's only when an event fires (§9.2).
        resource = None if "*" in event else model_resource(ctx.registry, event)
        if where and resource is not None:
            try:
                compile_where(ctx, resource, parse_where(where))
            except ApiError as error:
                raise bad_request(f"Invalid where for {event}: {error.message}") from None

    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        self._check(ctx, values, values["event"], values.get("where"))
        values["user_id"] = ctx.user_id or None
        values["last_status_code"] = None

    def before_update(self, ctx: Ctx, old: Record, changes: Record, body: Record) -> None:
        for field in ("target_url", "event"):
            if field in changes and not changes[field]:
                raise bad_request(f"Invalid {field}: it cannot be empty")
        event, where = str(changes.get("event", old["event"])), changes.get("where", old["where"])
        self._check(ctx, changes, event, where)
        changes["last_status_code"] = None  # updating a hook resets it (paymo-api.md §9.1)

    def scope(self, ctx: Ctx, alias: str) -> Sql | None:
        return f"{alias}.user_id = ?", [ctx.user_id]


HOOKS = Resource(
    name="hooks",
    required=("target_url", "event"),
    fields=(
        Text("target_url"),
        Text("event"),
        Text("where"),
        Text("secret", hidden=True),
        Int("last_status_code", writable=False),
        Int("user_id", writable=False, hidden=True),
    ),
    behaviour=HookBehaviour(),
)
