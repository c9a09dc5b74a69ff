"""create_invoice_from_time: a client's unbilled time (in a date range, or all of it) -> one draft
invoice whose lines link those entries (so Paymo marks them billed); on request also the client's
unbilled expenses, a line each whose `expense_id` marks them invoiced. Not in Paymo's own module."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp_types import CallToolResult
from pydantic import Field, model_validator

from paymo_mcp.catalog.resources import CLIENTS, EXPENSES, INVOICES, TIME_ENTRIES
from paymo_mcp.client import Condition, PaymoError, PaymoNotFoundError, build_where
from paymo_mcp.client.paymo import MAX_LIMIT
from paymo_mcp.models.common import Date, Id, InputModel
from paymo_mcp.models.invoices import Currency, Percent
from paymo_mcp.models.timezone import today
from paymo_mcp.tools.context import AppContext
from paymo_mcp.tools.entry_days import entries_between
from paymo_mcp.tools.rates import billing_records, entry_rate, skip_reason
from paymo_mcp.tools.toolkit import make_tool, tool_hints, user_timezone
from paymo_mcp.tools.views import INVOICE_KEY, invoice_view, wants_view, with_view

_CENT = Decimal("0.01")
# "All unbilled time" with one end of the range given: the other end is open.
_EARLIEST, _LATEST = date(2000, 1, 1), date(2100, 1, 1)


class InvoiceFromTime(InputModel):
    client_id: Id = Field(description="Client to invoice (list_clients).")
    start: Date | None = Field(None, description="First day to include; no start/end: all unbilled time.")
    end: Date | None = Field(None, description="Last day to include (inclusive).")
    group_by: Literal["task", "project"] = Field("task", description="A line per task or project (and rate).")
    price_per_hour: float | None = Field(
        None,
        ge=0,
        description="Hourly rate; default: Paymo's, by the project's hourly_billing_mode "
        "(unset: user, task, project, company).",
    )
    currency: Currency | None = None
    tax: Percent | None = Field(None, description="Tax percent.")
    due_date: Date | None = Field(None, description="Due date.")
    title: str | None = Field(None, description="Invoice title.")
    dry_run: bool = Field(False, description="true: show the invoice that would be made, create nothing.")
    include_expenses: bool | None = Field(None, description="Bill unbilled expenses.")

    @model_validator(mode="after")
    def _range(self) -> InvoiceFromTime:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError("end must not be before start")
        return self


def _money(value: Decimal) -> float:
    return float(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def preview_totals(items: list[dict[str, Any]], tax: float | None) -> dict[str, float]:
    """Paymo's arithmetic (paymo-api.md §10.5): subtotal, tax on the taxed lines, total; each amount
    rounded half-up to cents, as Paymo's worked examples and the sandbox do (Python's round() would
    round 13.125 down to 13.12 and disagree with the invoice the real call makes)."""
    amounts = [
        (Decimal(str(i["price_unit"])) * Decimal(str(i["quantity"])), i.get("apply_tax")) for i in items
    ]
    subtotal = sum((a for a, _ in amounts), Decimal(0))
    taxed = sum((a for a, applies in amounts if applies), Decimal(0))
    tax_amount = Decimal(str(_money(taxed * Decimal(str(tax or 0)) / 100)))
    return {
        "subtotal": _money(subtotal),
        "tax_amount": float(tax_amount),
        "total": _money(Decimal(str(_money(subtotal))) + tax_amount),
    }


def _truthy(setting: Any) -> bool:
    """A company flag, which Paymo sends as "1"/"0" text (or a boolean)."""
    return str(setting).strip().lower() in ("1", "true")


async def _unbilled_expenses(args: InvoiceFromTime, app: AppContext) -> tuple[list[dict[str, Any]], bool]:
    """The client's expenses not yet invoiced, dated in the range (a plain date: the user's day as it
    is), oldest first; and whether the list stopped at the limit. expenses.md documents no billable
    flag: every expense is billable to its client."""
    conditions = [Condition("client_id", "=", args.client_id), Condition("invoiced", "=", False)]
    if args.start is not None:
        conditions.append(Condition("date", ">=", args.start))
    if args.end is not None:
        conditions.append(Condition("date", "<=", args.end))
    found = await EXPENSES.on(app.client).list(where=build_where(conditions), limit=MAX_LIMIT)
    unbilled = [e for e in found if not e.get("invoiced")]
    return sorted(unbilled, key=lambda e: (str(e.get("date") or ""), int(e["id"]))), len(found) == MAX_LIMIT


def _span(args: InvoiceFromTime) -> str:
    """The range in words, for the answers that name it."""
    if args.start is None and args.end is None:
        return "at any date"
    return f"between {args.start or 'the first entry'} and {args.end or 'the last entry'}"


async def _gather(
    args: InvoiceFromTime, app: AppContext, ctx: Context[Any, Any], steps: int
) -> dict[str, Any]:
    client = app.client
    try:
        billed = await CLIENTS.on(client).get(args.client_id)
    except PaymoNotFoundError:
        raise ToolError(f"client_id: no such client {args.client_id} (list_clients finds it).") from None
    conditions = [Condition("client_id", "=", args.client_id), Condition("billed", "=", False)]
    if args.start is not None or args.end is not None:
        # By the user's day, as summarize_time counts it: a day-logged entry is on its `date` wherever
        # the user is (Paymo's time_interval alone would miss one on the first day west of UTC).
        first, last = args.start or _EARLIEST, args.end or _LATEST
        tz = await user_timezone(app)
        entries, truncated = await entries_between(client, first, last, tz, conditions)
    else:
        entries = await TIME_ENTRIES.on(client).list(where=build_where(conditions), limit=MAX_LIMIT)
        truncated = len(entries) == MAX_LIMIT
    # Running timers have no end (and no final duration) yet: they are not invoiced.
    entries = [e for e in entries if not e.get("billed") and e.get("end_time", "") is not None]
    expenses: list[dict[str, Any]] = []
    if args.include_expenses:
        expenses, cut = await _unbilled_expenses(args, app)
        truncated = truncated or cut
    costs = f" and {len(expenses)} expenses" if args.include_expenses else ""
    await ctx.report_progress(1, steps, f"{len(entries)} unbilled time entries{costs} found")
    if not entries and not expenses:
        raise ToolError(
            f"No unbilled time{' or expenses' if args.include_expenses else ''} for client "
            f"{args.client_id} {_span(args)}; nothing to invoice (list_time_entries shows what there is)."
        )
    found = await billing_records(client, entries)
    await ctx.report_progress(
        2,
        steps,
        f"rates of {len(found['users'])} users, {len(found['tasks'])} tasks and "
        f"{len(found['projects'])} projects looked up",
    )
    billable: list[dict[str, Any]] = []
    skipped: dict[str, list[int]] = defaultdict(list)
    for entry in entries:
        reason = skip_reason(found, entry)
        if reason:
            skipped[reason].append(entry["id"])
        else:
            billable.append(entry)
    if not billable and not expenses:
        why = "; ".join(f"{reason}: entries {', '.join(map(str, ids))}" for reason, ids in skipped.items())
        raise ToolError(
            f"No billable unbilled time{' or unbilled expenses' if args.include_expenses else ''} for "
            f"client {args.client_id} {_span(args)} ({why}); nothing to invoice by the hour."
        )
    return {
        **found,
        "client": billed,
        "entries": billable,
        "expenses": expenses,
        "skipped": dict(skipped),
        "truncated": truncated,
    }


def _lines(args: InvoiceFromTime, found: dict[str, Any]) -> list[dict[str, Any]]:
    """One line per task (or project) and rate: entries billed at different rates get their own lines."""
    tasks, projects = found["tasks"], found["projects"]
    groups: dict[tuple[int, float], list[dict[str, Any]]] = defaultdict(list)
    for entry in found["entries"]:
        task = tasks.get(entry["task_id"], {})
        key = entry["task_id"] if args.group_by == "task" else task.get("project_id", 0)
        rate = args.price_per_hour if args.price_per_hour is not None else entry_rate(found, entry)
        groups[(key, rate)].append(entry)
    lines = []
    for (key, rate), group in sorted(groups.items()):
        task = tasks.get(group[0]["task_id"], {})
        project = projects.get(task.get("project_id"), {})
        seconds = sum(int(e.get("duration") or 0) for e in group)
        name = task.get("name") if args.group_by == "task" else project.get("name")
        days = sorted(str(e.get("date") or e.get("start_time", ""))[:10] for e in group)
        count = f"{len(group)} time {'entry' if len(group) == 1 else 'entries'}"
        span = days[0] if days[0] == days[-1] else f"{days[0]} to {days[-1]}"
        lines.append(
            {
                "item": name or f"{args.group_by.capitalize()} {key}",
                "description": f"{count}, {span}",
                "price_unit": round(rate, 2),
                "quantity": round(seconds / 3600, 2),
                "apply_tax": args.tax is not None,
                "entries": sorted(e["id"] for e in group),
            }
        )
    return lines


def _expense_lines(
    args: InvoiceFromTime, found: dict[str, Any], expenses: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A line per expense, at its amount, whose `expense_id` makes Paymo mark it invoiced (expenses.md,
    "Invoicing an expense"); taxed only when the company applies tax to expenses (usually not)."""
    taxed = args.tax is not None and _truthy(found["company"].get("apply_tax_to_expenses"))
    return [
        {
            "item": str(e.get("notes") or "").strip() or "Expense",
            "description": f"Expense of {e['date']}" if e.get("date") else "Expense",
            "price_unit": float(e["amount"]),
            "quantity": 1,
            "apply_tax": taxed,
            "expense_id": int(e["id"]),
        }
        for e in expenses
    ]


async def _handler(
    args: InvoiceFromTime, app: AppContext, ctx: Context[Any, Any]
) -> dict[str, Any] | CallToolResult:
    steps = 3 if args.dry_run else 4
    found = await _gather(args, app, ctx, steps)
    currency = args.currency or found["company"].get("default_currency") or "USD"
    # An expense is billed in its own currency: one in another currency cannot be a line of this invoice.
    expenses: list[dict[str, Any]] = []
    other: list[dict[str, Any]] = []
    for expense in found["expenses"]:
        same = str(expense.get("currency") or currency).upper() == currency.upper()
        (expenses if same else other).append(expense)
    lines = _lines(args, found)
    if not lines and not expenses:
        codes = ", ".join(sorted({str(e.get("currency")) for e in other}))
        raise ToolError(
            f"No billable unbilled time for client {args.client_id} {_span(args)}, and its unbilled "
            f"expenses are in {codes}, not {currency}; pass currency={codes.split(', ')[0]} to bill them."
        )
    items = lines + _expense_lines(args, found, expenses)
    body: dict[str, Any] = {
        "client_id": args.client_id,
        "currency": currency,
        "date": today(await user_timezone(app)).isoformat(),
        "items": items,
    }
    for field in ("tax", "title"):
        if getattr(args, field) is not None:
            body[field] = getattr(args, field)
    if args.due_date is not None:
        body["due_date"] = args.due_date.isoformat()
    hours = round(sum(i["quantity"] for i in lines), 2)
    out: dict[str, Any] = {"dry_run": args.dry_run, "hours": hours, "skipped": found["skipped"]}
    notes = []
    if args.include_expenses:
        out["expenses"] = len(expenses)
    if other:
        ids = ", ".join(str(e["id"]) for e in other)
        notes.append(f"Expenses {ids} are in another currency than {currency}: left out.")
    if found["truncated"]:
        notes.append(f"Only the first {MAX_LIMIT} records were gathered: invoice the rest in a second call.")
    if notes:
        out["note"] = " ".join(notes)
    await ctx.report_progress(3, steps, f"{len(items)} invoice lines, {hours} h")
    if args.dry_run:
        return _answer(args, found, {**out, "invoice": {**body, **preview_totals(items, args.tax)}}, ctx)
    created = await INVOICES.on(app.client).create(body)
    try:
        invoice = await INVOICES.on(app.client).get(created["id"], include="invoiceitems")
    except PaymoError as exc:
        # The invoice exists: saying the call failed would invite a second, duplicate invoice.
        invoice = created
        read_back = (
            f"Draft invoice {created['id']} was created, but reading it back failed ({exc}); "
            f"get_invoice with id {created['id']} shows it."
        )
        out["note"] = f"{out['note']} {read_back}" if "note" in out else read_back
    await ctx.report_progress(4, steps, f"draft invoice {invoice.get('number')} created")
    return _answer(args, found, {**out, "invoice": invoice}, ctx)


def _answer(
    args: InvoiceFromTime, found: dict[str, Any], out: dict[str, Any], ctx: Context[Any, Any]
) -> dict[str, Any] | CallToolResult:
    """The answer; for a client that renders views, with whom it bills and how to create it."""
    if not wants_view(ctx):
        return out
    arguments = args.model_dump(mode="json", exclude_none=True)
    return with_view(out, INVOICE_KEY, invoice_view(found["client"], arguments))


def invoice_from_time_tool() -> Tool:
    return make_tool(
        name="create_invoice_from_time",
        description=(
            "Invoice a client's unbilled billable time: one draft invoice, a line per task or project, "
            "linked to the entries so Paymo marks them billed. Try dry_run=true first."
        ),
        input_model=InvoiceFromTime,
        handler=_handler,
        annotations=tool_hints("Invoice unbilled time", read_only=False),
    )
