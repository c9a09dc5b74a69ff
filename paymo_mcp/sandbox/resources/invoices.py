"""Invoices (`/api/invoices`) with their items and payments: numbering, totals, `items` in / `invoiceitems`
out, replace-set item updates, billed time entries (paymo-api.md §10.5)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from paymo_mcp.sandbox import company
from paymo_mcp.sandbox.currencies import check_currency
from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.errors import bad_request
from paymo_mcp.sandbox.resources.invoicetemplates import default_template
from paymo_mcp.sandbox.schema import (
    READ_ONLY,
    Behaviour,
    Bool,
    Date,
    Dec,
    Int,
    Record,
    Resource,
    Text,
    children,
    parent,
)
from paymo_mcp.sandbox.values import Kind, coerce

STATUSES = ("draft", "sent", "viewed", "paid", "void")
_CENT = Decimal("0.01")


def _money(value: Decimal) -> float:
    return float(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def _dec(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def compute_totals(invoice: Record, items: Iterable[Record]) -> Record:
    """Subtotal, discount, taxes and total, each rounded to cents.

    subtotal = Σ price_unit * quantity; the discount (a percent) comes off the subtotal before taxes;
    tax applies to the discounted `apply_tax` lines; tax2 to the same base, plus tax when `tax_on_tax`.
    """
    lines = [(_dec(i["price_unit"]) * _dec(i["quantity"]), bool(i["apply_tax"])) for i in items]
    subtotal = sum((amount for amount, _ in lines), Decimal(0))
    taxable = sum((amount for amount, taxed in lines if taxed), Decimal(0))
    keep = 1 - _dec(invoice["discount"]) / 100
    discount_amount = Decimal(str(_money(subtotal * (1 - keep))))
    base = taxable * keep
    tax_amount = Decimal(str(_money(base * _dec(invoice["tax"]) / 100)))
    tax2_base = base + tax_amount if invoice["tax_on_tax"] else base
    tax2_amount = Decimal(str(_money(tax2_base * _dec(invoice["tax2"]) / 100)))
    total = Decimal(str(_money(subtotal))) - discount_amount + tax_amount + tax2_amount
    return {
        "subtotal": _money(subtotal),
        "discount_amount": float(discount_amount),
        "tax_amount": float(tax_amount),
        "tax2_amount": float(tax2_amount),
        "total": _money(total),
    }


def format_number(template: str, number: int, on: str) -> str:
    """`#INV-[yyyy][mm][dd]-[i]` with the invoice date and the company's next number."""
    year, month, day = on.split("-")
    for token, value in (
        ("[yyyy]", year),
        ("[yy]", year[2:]),
        ("[mm]", month),
        ("[dd]", day),
        ("[i]", number),
    ):
        template = template.replace(token, str(value))
    return template


def _check_number_free(ctx: Ctx, number: str, invoice_id: int = 0) -> None:
    if ctx.find("invoices", "t.number = ? AND t.id != ?", [number, invoice_id]):
        raise bad_request(f"Invalid number: an invoice numbered {number} already exists")


def _recompute(ctx: Ctx, invoice_id: int) -> None:
    invoice = ctx.require("invoices", invoice_id)
    totals = compute_totals(invoice, _items(ctx, invoice_id))
    outstanding = _money(_dec(totals["total"]) - _paid(ctx, invoice_id))
    ctx.storage.update("invoices", invoice_id, {**totals, "outstanding": outstanding})


def _paid(ctx: Ctx, invoice_id: int) -> Decimal:
    payments = ctx.find("invoicepayments", "t.invoice_id = ?", [invoice_id])
    return sum((_dec(p["amount"]) for p in payments), Decimal(0))


def _items(ctx: Ctx, invoice_id: int) -> list[Record]:
    return ctx.find("invoiceitems", "t.invoice_id = ?", [invoice_id], order="t.seq, t.id")


def _bill(ctx: Ctx, item_id: int, raw: Record) -> None:
    """An item's `entries` are marked billed; its `expense_id` marks the expense invoiced."""
    for entry_id in coerce(Kind.IDS, "entries", raw.get("entries") or []):
        ctx.ref("entries", "entries", entry_id)
        ctx.patch("entries", entry_id, {"billed": True, "invoice_item_id": item_id})
    if raw.get("expense_id") is not None:
        expense_id = coerce(Kind.INT, "expense_id", raw["expense_id"])
        ctx.ref("expenses", "expense_id", expense_id)
        ctx.patch("expenses", expense_id, {"invoiced": True, "invoice_item_id": item_id})


def write_items(ctx: Ctx, invoice_id: int, items: Any, *, replace: bool) -> None:
    """Create items, or (on update) replace the set: `{id}` keeps, `{id, ...}` edits, no id adds,
    and every existing item left out is deleted."""
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise bad_request("Invalid items: send a list of objects")
    res = ctx.res("invoiceitems")
    existing = {i["id"]: i for i in _items(ctx, invoice_id)}
    kept: set[int] = set()
    for position, raw in enumerate(items):
        values = ctx.accept(res, raw)
        if raw.get("id") is not None:
            item_id = coerce(Kind.INT, "items.id", raw["id"])
            if item_id not in existing:
                raise bad_request(f"Invalid items: item {item_id} is not on invoice {invoice_id}")
            if values:
                ctx.patch("invoiceitems", item_id, values)
            kept.add(item_id)
        else:
            # invoices.md:224-233: a line is `item`, `price_unit` and `quantity` (the rest is optional).
            missing = [k for k in ("item", "price_unit", "quantity") if raw.get(k) in (None, "")]
            if missing:
                raise bad_request(
                    "Missing required params: " + ", ".join(f"items[{position}].{k}" for k in missing)
                )
            values.setdefault("seq", position)
            item_id = ctx.insert("invoiceitems", {**values, "invoice_id": invoice_id})["id"]
        _bill(ctx, item_id, raw)
    if replace:
        for item_id in existing:
            if item_id not in kept:
                ctx.delete("invoiceitems", item_id)


def _bill_to(client: Record) -> str:
    lines = [client.get(k) for k in ("name", "address", "city", "postal_code", "country")]
    return "\n".join(str(line) for line in lines if line)


class InvoiceBehaviour(Behaviour):
    def _check(self, ctx: Ctx, values: Record) -> None:
        if "status" in values and values["status"] not in STATUSES:
            raise bad_request(f"Invalid status: {values['status']!r} (use {', '.join(STATUSES)})")
        if "currency" in values:
            check_currency(values["currency"])
        if values.get("template_id") is not None:
            ctx.ref("invoicetemplates", "template_id", values["template_id"])
        if "client_id" in values:
            ctx.ref("clients", "client_id", values["client_id"])
        for field in ("tax", "tax2", "discount"):
            if values.get(field) is not None and not 0 <= values[field] <= 100:
                raise bad_request(f"Invalid {field}: a percent between 0 and 100")

    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        self._check(ctx, values)
        client = ctx.require("clients", values["client_id"])
        settings = company.settings(ctx)
        values["date"] = values.get("date") or ctx.now[:10]
        if values.get("due_date") is None:
            days = int(str(settings.get("due_interval") or 0) or 0)
            values["due_date"] = (date.fromisoformat(values["date"]) + timedelta(days=days)).isoformat()
        template = ctx.get("invoicetemplates", values["template_id"]) if values.get("template_id") else None
        template = template or default_template(ctx)
        values["template_id"] = template["id"] if template else None
        values["title"] = values.get("title") or (template["title"] if template else "INVOICE")
        for field, setting in (("tax", "default_tax"), ("tax2", "default_tax2")):
            if field not in body:
                values[field] = float(settings.get(setting) or 0)
        for field, setting in (("tax_text", "default_tax_text"), ("tax2_text", "default_tax2_text")):
            if field not in body:
                values[field] = settings.get(setting)
        if "tax_on_tax" not in body:
            values["tax_on_tax"] = str(settings.get("tax_on_tax")) == "1"
        values["bill_to"] = values.get("bill_to") or _bill_to(client)
        values["company_info"] = values.get("company_info") or settings.get("name")
        # The counter moves on every create, automatic number or not (paymo-api.md §10.5).
        counter = int(company.setting(ctx, "next_invoice_number"))
        company.save(ctx, {"next_invoice_number": str(counter + 1)})
        if values.get("number"):
            _check_number_free(ctx, values["number"])
        else:
            values["number"] = format_number(company.setting(ctx, "invoice_format"), counter, values["date"])
            _check_number_free(ctx, values["number"])
        values["token"] = secrets.token_hex(16)
        values["download_token"] = secrets.token_hex(16)

    def after_create(self, ctx: Ctx, record: Record, body: Record) -> None:
        if body.get("items") is not None:
            write_items(ctx, record["id"], body["items"], replace=False)
        link = f"https://app.paymoapp.com/api/invoices/{record['id']}/?token={record['token']}"
        ctx.storage.update(
            "invoices", record["id"], {"permalink": f"{link}&format=html", "pdf_link": f"{link}&format=pdf"}
        )
        _recompute(ctx, record["id"])

    def before_update(self, ctx: Ctx, old: Record, changes: Record, body: Record) -> None:
        self._check(ctx, changes)
        if changes.get("number"):
            _check_number_free(ctx, changes["number"], old["id"])
        for field in ("client_id", "currency", "number"):
            if field in changes and not changes[field]:
                raise bad_request(f"Invalid {field}: it cannot be empty")

    def after_update(self, ctx: Ctx, old: Record, new: Record, body: Record) -> None:
        if body.get("items") is not None:
            write_items(ctx, new["id"], body["items"], replace=True)
        _recompute(ctx, new["id"])


INVOICES = Resource(
    name="invoices",
    model="Invoice",
    required=("client_id", "currency"),
    fields=(
        Text("number"),
        Int("client_id"),
        Int("template_id"),
        Text("status", "draft"),
        Text("currency"),
        Date("date"),
        Date("due_date"),
        Date("delivery_date"),
        Dec("subtotal", 0, writable=False),
        Dec("total", 0, writable=False),
        Dec("tax", 0),
        Dec("tax_amount", 0, writable=False),
        Dec("tax2", 0),
        Dec("tax2_amount", 0, writable=False),
        Bool("tax_on_tax", False),
        Dec("discount", 0),
        Dec("discount_amount", 0, writable=False),
        Text("discount_text"),
        Text("tax_text"),
        Text("tax2_text"),
        Text("language", ""),  # "" when unset, as invoices.md:83 shows
        Text("bill_to"),
        Text("company_info"),
        Text("footer"),
        Text("notes", ""),  # invoices.md:51
        Dec("outstanding", writable=False),
        Text("title"),
        Bool("pay_online", False),
        Bool("reminder_1_sent", None, writable=False),
        Bool("reminder_2_sent", None, writable=False),
        Bool("reminder_3_sent", None, writable=False),
        Text("permalink", writable=False),
        Text("pdf_link", writable=False),
        Text("download_token", writable=False),
        Text("token", writable=False),
    ),
    relations=(
        parent("client", "clients", "client_id"),
        children("invoiceitems", "invoiceitems", "invoice_id"),
        children("invoicepayments", "invoicepayments", "invoice_id"),
        parent("invoicetemplate", "invoicetemplates", "template_id"),
    ),
    cascade=("invoiceitems", "invoicepayments"),
    webhook_include="invoiceitems,client.name",
    behaviour=InvoiceBehaviour(),
)


class InvoiceItemBehaviour(Behaviour):
    def after_delete(self, ctx: Ctx, records: list[Record]) -> None:
        """Time and expenses on a deleted line are no longer billed."""
        ids = [r["id"] for r in records]
        for entry in ctx.find_in("entries", "invoice_item_id", ids):
            ctx.patch("entries", entry["id"], {"billed": False, "invoice_item_id": None})
        for expense in ctx.find_in("expenses", "invoice_item_id", ids):
            ctx.patch("expenses", expense["id"], {"invoiced": False, "invoice_item_id": None})


INVOICE_ITEMS = Resource(
    name="invoiceitems",
    fields=(
        Int("invoice_id", writable=False),
        Text("item"),
        Text("description"),
        Dec("price_unit", 0),
        Dec("quantity", 1),
        Int("expense_id"),
        Bool("apply_tax", True),
        Int("seq"),
    ),
    relations=(
        parent("invoice", "invoices", "invoice_id"),
        children("entries", "entries", "invoice_item_id"),
        parent("expense", "expenses", "expense_id"),
        children("projects", "projects", "invoice_item_id"),
        children("tasks", "tasks", "invoice_item_id"),
    ),
    methods=READ_ONLY,
    behaviour=InvoiceItemBehaviour(),
)


def _settle_paid(ctx: Ctx, invoice_ids: Iterable[int]) -> None:
    """Payments reaching the total make the invoice `paid`; falling below it again makes it `viewed`."""
    for invoice_id in set(invoice_ids):
        invoice = ctx.get("invoices", invoice_id)
        if invoice is None:
            continue
        paid = _paid(ctx, invoice_id)
        # `outstanding`: what is still owed, total minus payments, as Paymo's invoice page shows it.
        ctx.storage.update("invoices", invoice_id, {"outstanding": _money(_dec(invoice["total"]) - paid)})
        if paid >= _dec(invoice["total"]) and paid > 0 and invoice["status"] != "paid":
            ctx.patch("invoices", invoice_id, {"status": "paid"})
        elif paid < _dec(invoice["total"]) and invoice["status"] == "paid":
            ctx.patch("invoices", invoice_id, {"status": "viewed"})


class InvoicePaymentBehaviour(Behaviour):
    def _owed(self, ctx: Ctx, invoice: Record, payment_id: int = 0) -> Decimal:
        others = ctx.find("invoicepayments", "t.invoice_id = ? AND t.id != ?", [invoice["id"], payment_id])
        return _dec(invoice["total"]) - sum((_dec(p["amount"]) for p in others), Decimal(0))

    def _check(self, ctx: Ctx, invoice: Record, amount: Any, payment_id: int = 0) -> None:
        if amount is None or amount <= 0:
            raise bad_request("Invalid amount: a payment must be more than 0")
        owed = self._owed(ctx, invoice, payment_id)
        if _dec(amount) > owed:
            raise bad_request(f"Invalid amount: {amount} is more than the {_money(owed)} still owed")

    def before_create(self, ctx: Ctx, values: Record, body: Record) -> None:
        invoice = ctx.ref("invoices", "invoice_id", coerce(Kind.INT, "invoice_id", body["invoice_id"]))
        values["invoice_id"] = invoice["id"]
        values["date"] = values.get("date") or ctx.now[:10]
        self._check(ctx, invoice, values["amount"])

    def before_update(self, ctx: Ctx, old: Record, changes: Record, body: Record) -> None:
        if "amount" in changes:
            self._check(ctx, ctx.require("invoices", old["invoice_id"]), changes["amount"], old["id"])

    def after_create(self, ctx: Ctx, record: Record, body: Record) -> None:
        _settle_paid(ctx, [record["invoice_id"]])

    def after_update(self, ctx: Ctx, old: Record, new: Record, body: Record) -> None:
        _settle_paid(ctx, [new["invoice_id"]])

    def after_delete(self, ctx: Ctx, records: list[Record]) -> None:
        _settle_paid(ctx, [r["invoice_id"] for r in records])


INVOICE_PAYMENTS = Resource(
    name="invoicepayments",
    model="InvoicePayment",
    required=("invoice_id", "amount"),
    fields=(Int("invoice_id", writable=False), Dec("amount"), Date("date"), Text("notes", "")),
    relations=(parent("invoice", "invoices", "invoice_id"),),
    behaviour=InvoicePaymentBehaviour(),
)
