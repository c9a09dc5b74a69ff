"""`/api/company`: the account's one company object and its invoice settings (paymo-api.md §10.14)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paymo_mcp.sandbox.currencies import check_currency
from paymo_mcp.sandbox.engine import Ctx

_KEY = "company"
READ_ONLY = frozenset(
    {"id", "account_type", "max_users", "current_users", "max_projects", "current_projects", "max_invoices",
     "current_invoices", "created_on", "updated_on"}
)  # fmt: skip

# Paymo returns most numeric settings as strings; so does the sandbox.
DEFAULTS: dict[str, Any] = {
    "id": 1,
    "name": "Northwind Studio",
    "address": "12 Harbour Street",
    "city": "Portland",
    "state": "OR",
    "postal_code": "97201",
    "country": "US",
    "phone": "+1 503 555 0100",
    "email": "office@northwind.example",
    "url": "https://northwind.example",
    "fiscal_information": "EIN 12-3456789",
    "image": None,
    "timezone": "UTC",
    "default_currency": "USD",
    "default_price_per_hour": "90",
    "default_tax": "0",
    "default_tax2": "0",
    "default_tax_text": "Tax",
    "default_tax2_text": "Tax 2",
    "tax_on_tax": "0",
    "apply_tax_to_expenses": "0",
    "invoice_format": "#INV-[yyyy][mm][dd]-[i]",
    "next_invoice_number": "1",
    "estimate_format": "#EST-[i]",
    "next_estimate_number": "1",
    "due_interval": "30",
    "currency_position": "left",
    "online_payments": "0",
    "date_format": "Y-m-d",
    "time_format": "H:i",
    "decimal_sep": ".",
    "thousands_sep": ",",
    "week_start": "1",
    "workday_start": "09:00",
    "workday_end": "17:00",
    "working_days": "1,2,3,4,5",
    "account_type": "commercial",
    "max_users": "25",
    "current_users": "0",
    "max_projects": "unlimited",
    "current_projects": "0",
    "max_invoices": "unlimited",
    "current_invoices": "0",
    "created_on": "2026-01-05T09:00:00Z",
    "updated_on": "2026-01-05T09:00:00Z",
}


def settings(ctx: Ctx) -> dict[str, Any]:
    """The stored company object (without the computed counters)."""
    stored: dict[str, Any] = ctx.storage.kv_get(_KEY) or dict(DEFAULTS)
    return stored


def setting(ctx: Ctx, name: str) -> str:
    return str(settings(ctx).get(name) or DEFAULTS[name])


def save(ctx: Ctx, changes: Mapping[str, Any]) -> None:
    ctx.storage.kv_set(_KEY, {**settings(ctx), **changes})


def show(ctx: Ctx) -> dict[str, Any]:
    company = dict(settings(ctx))
    for key, table, where in (
        ("current_users", "users", "WHERE active = 1"),
        ("current_projects", "projects", "WHERE active = 1"),
        ("current_invoices", "invoices", ""),
    ):
        if table in ctx.registry:
            company[key] = str(ctx.storage.scalar(f"SELECT COUNT(*) FROM {table} {where}"))
    return company


def _as_setting(value: Any) -> Any:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


def update(ctx: Ctx, body: Mapping[str, Any]) -> dict[str, Any]:
    """POST/PUT /api/company: writable settings change, read-only ones and unknown keys are ignored."""
    changes = {k: _as_setting(v) for k, v in body.items() if k in DEFAULTS and k not in READ_ONLY}
    if "default_currency" in changes:
        check_currency(changes["default_currency"], "default_currency")
    save(ctx, {**changes, "updated_on": ctx.now})
    return show(ctx)
