"""Invoices (`/api/invoices`): `items` in, `invoiceitems` out; a total comparison filter; currencies."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

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
from paymo_mcp.models.currencies import check_currency
from paymo_mcp.models.filters import OnlyTrue
from paymo_mcp.models.timezone import USER_TZ, today

Status = Literal["draft", "sent", "viewed", "paid", "void"]
OWED = ("sent", "viewed")  # sent, not yet fully paid (payments turn an invoice paid)
_OWN = ("date_after", "date_before", "overdue")  # filters that are not plain `where` fields
Currency = Annotated[
    str, AfterValidator(check_currency), Field(description="ISO 4217 code, e.g. USD (get_lookup).")
]
_COMPARISON = re.compile(r"^\s*(>=|<=|!=|<>|=|>|<)?\s*(-?\d+(?:\.\d+)?)\s*$")
Percent = Annotated[float, Field(ge=0, le=100)]


class Invoice(ReadModel):
    number: str | None = None
    client_id: Integer | None = None
    status: str | None = None
    currency: str | None = None
    total: Number | None = None


class InvoiceFilters(ListFilters):
    client_id: Id | None = Field(None, description="Only invoices of this client.")
    status: list[Status] | None = Field(None, description="Only invoices in any of these statuses.")
    total: str | None = Field(None, description="Compare the total, e.g. '>100', '<=50', '=200'.")
    date_after: Date | None = Field(None, description="Issued on or after.")
    date_before: Date | None = Field(None, description="Issued on or before.")
    overdue: OnlyTrue | None = Field(None, description="true: sent or viewed, due before today.")

    @field_validator("total")
    @classmethod
    def _comparison(cls, value: str | None) -> str | None:
        if value is not None and not _COMPARISON.match(value):
            raise ValueError("write a comparison such as '>100', '<=50' or '=200'")
        return value

    def conditions(self) -> list[Condition]:
        out = [c for c in super().conditions() if c.field not in ("total", *_OWN)]
        if self.date_after:
            out.append(Condition("date", ">=", self.date_after))
        if self.date_before:
            out.append(Condition("date", "<=", self.date_before))
        if self.overdue:
            # Paymo marks an invoice paid once payments cover it: sent or viewed means money is owed.
            out += [Condition("status", "in", list(OWED)), Condition("due_date", "<", today(USER_TZ.get()))]
        if self.total is not None:
            match = _COMPARISON.match(self.total)
            assert match is not None  # checked by the validator
            op, number = match.group(1) or "=", float(match.group(2))
            out.append(Condition("total", op, int(number) if number.is_integer() else number))
        return out


class InvoiceItem(InputModel):
    id: Id | None = Field(None, description="Existing item (update): alone keeps it, with fields edits it.")
    item: str | None = Field(None, min_length=1, description="Line name.")
    description: str | None = Field(None, description="Line description.")
    price_unit: float | None = Field(None, description="Unit price in the invoice currency.")
    quantity: float | None = Field(None, description="Quantity (e.g. hours).")
    apply_tax: bool | None = Field(None, description="Whether the invoice taxes apply to this line.")
    seq: int | None = Field(None, ge=0, description="Position.")
    expense_id: Id | None = Field(None, description="Expense this line bills.")
    entries: list[Id] | None = Field(None, description="Time entries this line bills (marked billed).")


def _new_items_complete(items: list[InvoiceItem]) -> list[InvoiceItem]:
    for n, line in enumerate(items):
        if line.id is None and (line.item is None or line.price_unit is None or line.quantity is None):
            raise ValueError(f"item {n}: a new line needs item, price_unit and quantity")
    return items


# The check lives in the type, so update_invoice (a partial model of create) keeps it too.
Items = Annotated[list[InvoiceItem], AfterValidator(_new_items_complete)]


class InvoiceCreate(InputModel):
    client_id: Id = Field(description="Client to bill (list_clients).")
    currency: Currency
    date: Date | None = Field(None, description="Issue date.")
    due_date: Date | None = Field(None, description="Due date.")
    template_id: Id | None = Field(None, description="Invoice template (get_lookup).")
    tax: Percent | None = Field(None, description="Tax percent.")
    tax_text: str | None = Field(None, description="Tax label, e.g. VAT.")
    tax2: Percent | None = Field(None, description="Second tax percent.")
    tax2_text: str | None = Field(None, description="Second tax label.")
    tax_on_tax: bool | None = Field(None, description="true: tax2 also applies to the first tax.")
    number: str | None = Field(None, min_length=1, description="Unique number; omitted: auto-numbered.")
    title: str | None = Field(None, description="Title printed on the invoice, e.g. INVOICE.")
    delivery_date: Date | None = Field(None, description="Delivery date.")
    footer: str | None = Field(None, description="Footer text.")
    discount: Percent | None = Field(None, description="Discount percent.")
    discount_text: str | None = Field(None, description="Discount label.")
    bill_to: str | None = Field(None, description="Client address block.")
    company_info: str | None = Field(None, description="Your company block.")
    notes: str | None = Field(None, description="Internal notes (not printed).")
    items: Items | None = Field(None, description="Lines: item, price_unit, quantity, ...")


InvoiceUpdate = partial_model(
    "InvoiceUpdate",
    InvoiceCreate,
    clearable=frozenset({"due_date", "delivery_date", "template_id", "tax2", "discount", "notes", "footer"}),
    extra={
        "status": (Status | None, Field(None, description="Set the status by hand, e.g. void.")),
    },
    describe={
        "number": "Unique invoice number.",
        "items": "Replaces all lines: listed ids stay (edited if fields given), lines without id are "
        "added, unlisted lines are deleted.",
    },
)
