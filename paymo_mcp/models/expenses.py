"""Expenses (`/api/expenses`): a client's costs (amount + currency), invoiced by an invoice line's
`expense_id` or marked invoiced by hand (expenses.md)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from paymo_mcp.client.query import Condition
from paymo_mcp.models.common import (
    Date,
    Id,
    InputModel,
    Integer,
    ListFilters,
    Number,
    ReadModel,
    partial_model,
)
from paymo_mcp.models.invoices import Currency

_OWN = ("date_after", "date_before")  # filters that are not plain `where` fields
Tag = Annotated[str, Field(min_length=1)]


class Expense(ReadModel):
    client_id: Integer | None = None
    project_id: Integer | None = None
    amount: Number | None = None
    currency: str | None = None
    date: str | None = None
    notes: str | None = None
    invoiced: bool | None = None


class ExpenseFilters(ListFilters):
    client_id: Id | None = Field(None, description="Only expenses of this client.")
    project_id: Id | None = Field(None, description="Only expenses of this project.")
    user_id: Id | None = Field(None, description="Only expenses added by this user.")
    invoiced: bool | None = Field(None, description="true: invoiced only; false: not yet invoiced.")
    date_after: Date | None = Field(None, description="Dated on or after.")
    date_before: Date | None = Field(None, description="Dated on or before.")

    def conditions(self) -> list[Condition]:
        out = [c for c in super().conditions() if c.field not in _OWN]
        # `date in (a, b)` is set membership on a date field, not a range (paymo-api.md §8): two bounds.
        if self.date_after:
            out.append(Condition("date", ">=", self.date_after))
        if self.date_before:
            out.append(Condition("date", "<=", self.date_before))
        return out


class ExpenseCreate(InputModel):
    client_id: Id = Field(description="Client it is billed to (list_clients).")
    amount: float = Field(gt=0, description="In the given currency.")
    currency: Currency
    project_id: Id | None = Field(None, description="A project of that client (list_projects).")
    user_id: Id | None = Field(None, description="Who spent it (default: you; list_users).")
    date: Date | None = Field(None, description="Day of the expense (default: today).")
    notes: str | None = Field(None, description="What it was for.")
    tags: list[Tag] | None = Field(None, description="Tags, e.g. ['Mileage'].")


ExpenseUpdate = partial_model(
    "ExpenseUpdate",
    ExpenseCreate,
    clearable=frozenset({"project_id", "notes", "tags"}),
    extra={
        "invoiced": (
            bool | None,
            Field(None, description="true: mark invoiced without an invoice; false: unmark."),
        ),
    },
    describe={
        "user_id": "Who spent it (list_users).",
        "date": "Day of the expense.",
        "tags": "Tags: replaces the whole list; [] or null removes them.",
    },
)
