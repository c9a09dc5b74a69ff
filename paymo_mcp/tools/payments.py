"""record_invoice_payment: a payment through Paymo's invoice payments (/api/invoicepayments); the
invoice turns `paid` when nothing is outstanding. An overpayment is refused before anything is written."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from pydantic import Field

from paymo_mcp.catalog.resources import INVOICE_PAYMENTS, INVOICES
from paymo_mcp.client import Condition, PaymoNotFoundError, build_where
from paymo_mcp.models.common import Date, Id, InputModel
from paymo_mcp.models.timezone import today
from paymo_mcp.tools.context import AppContext
from paymo_mcp.tools.toolkit import make_tool, tool_hints, user_timezone

_CENT = Decimal("0.01")


class InvoicePayment(InputModel):
    invoice_id: Id = Field(description="Invoice paid (list_invoices).")
    amount: float = Field(gt=0, description="In the invoice's currency.")
    date: Date | None = Field(None, description="Default: today.")
    notes: str | None = Field(None, description="Note.")


def _cents(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(_CENT, rounding=ROUND_HALF_UP)


async def _paid(app: AppContext, invoice_id: int) -> Decimal:
    where = build_where([Condition("invoice_id", "=", invoice_id)])
    payments = await INVOICE_PAYMENTS.on(app.client).list(where=where, limit=2500)
    return sum((_cents(p.get("amount")) for p in payments), Decimal(0))


async def _record(args: InvoicePayment, app: AppContext, ctx: Context[Any, Any]) -> dict[str, Any]:
    try:
        invoice = await INVOICES.on(app.client).get(args.invoice_id)
    except PaymoNotFoundError:
        raise ToolError(f"invoice_id: no such invoice {args.invoice_id} (list_invoices finds it).") from None
    total = _cents(invoice.get("total"))
    owed = total - await _paid(app, args.invoice_id)
    amount = _cents(args.amount)
    if amount <= 0:
        raise ToolError("amount: must be at least 0.01.")
    if amount > owed:
        raise ToolError(
            f"amount: {amount} is more than the {owed} still owed on invoice {invoice.get('number')} "
            f"(total {total}); nothing was recorded."
        )
    day = args.date or today(await user_timezone(app))
    body: dict[str, Any] = {"invoice_id": args.invoice_id, "amount": float(amount), "date": day.isoformat()}
    if args.notes is not None:
        body["notes"] = args.notes
    payment = await INVOICE_PAYMENTS.on(app.client).create(body)
    after = await INVOICES.on(app.client).get(args.invoice_id)
    outstanding = _cents(after.get("total")) - await _paid(app, args.invoice_id)
    return {
        "payment": payment,
        "invoice": {
            "id": after["id"],
            "number": after.get("number"),
            "status": after.get("status"),
            "total": after.get("total"),
            "outstanding": float(outstanding),
        },
    }


def payment_tool() -> Tool:
    return make_tool(
        name="record_invoice_payment",
        description="Record a payment on an invoice; it becomes paid when nothing is outstanding.",
        input_model=InvoicePayment,
        handler=_record,
        annotations=tool_hints("Record invoice payment", read_only=False),
    )
