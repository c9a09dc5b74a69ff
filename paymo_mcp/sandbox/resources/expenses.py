"""Expenses (`/api/expenses`): costs billed to a client (and maybe one of its projects), invoiced through
an invoice line's `expense_id` or by `{"invoiced": true}` (expenses.md; paymo-api.md §10.15)."""

from __future__ import annotations

from typing import Any

from paymo_mcp.sandbox.currencies import check_currency
from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import bad_request
from paymo_mcp.sandbox.schema import (
    Behaviour,
    Bool,
    Date,
    Dec,
    Int,
    Json,
    Record,
    Resource,
    Text,
    children,
    parent,
)


def _check_amount(amount: Any) -> None:
    # expenses.md is silent on the sign: the sandbox's choice, an expense costs something.
    if amount is None or amount <= 0:
        raise bad_request(f"Invalid amount: {amount} (an expense amount is more than 0)")


def _check_tags(tags: Any) -> None:
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        raise bad_request('Invalid tags: send a list of texts, e.g. ["Mileage"]')


def _check_project(ctx: Ctx, project_id: Any, client_id: Any) -> None:
    """A project is optional; when given it must be one of the expense's client."""
    if project_id is None:
        return
    project = ctx.ref("projects", "project_id", project_id)
    if project.get("client_id") != client_id:
        raise bad_request(
            f"Invalid project_id: project {project_id} belongs to client {project.get('client_id')}, "
            f"not to client {client_id}"
        )


class ExpenseBehaviour(Behaviour):
    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        ctx.ref("clients", "client_id", values["client_id"])
        check_currency(values["currency"])
        _check_amount(values["amount"])
        values["tags"] = values.get("tags") or []
        _check_tags(values["tags"])
        _check_project(ctx, values.get("project_id"), values["client_id"])
        values["user_id"] = values.get("user_id") or ctx.user_id or None
        if values["user_id"] is not None:
            ctx.ref("users", "user_id", values["user_id"])
        values["date"] = values.get("date") or ctx.now[:10]

    def before_update(self, ctx: Ctx, old: Record, changes: Record, body: Record) -> None:
        for field in ("client_id", "currency", "amount", "date", "user_id"):
            if field in changes and changes[field] is None:
                raise bad_request(f"Invalid {field}: it cannot be empty")
        if "client_id" in changes:
            ctx.ref("clients", "client_id", changes["client_id"])
        if "currency" in changes:
            check_currency(changes["currency"])
        if "amount" in changes:
            _check_amount(changes["amount"])
        if "tags" in changes:
            changes["tags"] = [] if changes["tags"] is None else changes["tags"]
            _check_tags(changes["tags"])
        if "user_id" in changes:
            ctx.ref("users", "user_id", changes["user_id"])
        if "client_id" in changes or "project_id" in changes:
            client_id = changes.get("client_id", old["client_id"])
            _check_project(ctx, changes.get("project_id", old["project_id"]), client_id)
        if changes.get("invoiced") is False:
            # Un-marked by hand: no longer linked to a line (deleting the line does the same).
            changes["invoice_item_id"] = None

    def after_delete(self, ctx: Ctx, records: list[Record]) -> None:
        """An invoiced expense's line stays on its invoice (same amount), no longer pointing at it."""
        ids = [r["id"] for r in records]
        for item in ctx.find_in("invoiceitems", "expense_id", ids):
            ctx.patch("invoiceitems", item["id"], {"expense_id": None})


EXPENSES = Resource(
    name="expenses",
    model="Expense",
    required=("client_id", "currency", "amount"),
    fields=(
        Int("client_id"),
        Int("project_id"),
        Int("user_id"),
        Dec("amount"),
        Text("currency"),
        Date("date"),
        Text("notes"),
        Bool("invoiced", False),
        # Set by an invoice line's `expense_id` (expenses.md "Invoicing an expense"), not by a write here.
        Int("invoice_item_id", writable=False),
        Json("tags", default=list),
        Text("file", "", writable=False),  # `""` without a receipt, as the docs' example; no upload here
    ),
    relations=(
        parent("client", "clients", "client_id"),
        parent("project", "projects", "project_id"),
        parent("user", "users", "user_id"),
        children("invoiceitems", "invoiceitems", "expense_id"),
    ),
    webhook_include="client.name,project.name",
    behaviour=ExpenseBehaviour(),
)
