"""`/api/company`: the account's one company object and its invoice settings (paymo-api.md §10.14)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paymo_mcp.sandbox.currencies import check_currency
from paymo_mcp.sandbox.engine import Ctx
from paymo_mcp.sandbox.permissions import invoices_this_month
from paymo_mcp.sandbox.uploads import image_changes

_KEY = "company"
READ_ONLY = frozenset(
    {"id", "active", "account_type", "max_users", "current_users", "max_projects", "current_projects",
     "max_invoices", "current_invoices", "created_on", "updated_on", "image", "image_thumb_large",
     "image_thumb_medium", "image_thumb_small"}
)  # fmt: skip
_BOOLEANS = frozenset({"online_payments"})  # true/false in company.md:61, though the table says text

# Paymo returns most numeric settings as strings; so does the sandbox (company.md:17-68). The plan
# figures (`max_*`, `current_*`) are numbers, `max_*` null without a limit; they are computed in `show`.
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
    "active": True,
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
    "online_payments": False,
    "date_format": "Y-m-d",
    "time_format": "H:i",
    "decimal_sep": ".",
    "thousands_sep": ",",
    "week_start": "1",
    "workday_start": "09:00",
    "workday_end": "17:00",
    "working_days": "1,2,3,4,5",
    "hide_tax_field": "",
    "language": "en",
    "payment_reminder_1": "0",
    "payment_reminder_2": "0",
    "payment_reminder_3": "0",
    "remove_paymo_branding": "",
    "account_type": "commercial",
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
    company = {**DEFAULTS, **settings(ctx)}
    for key in [k for k in company if k.startswith(("max_", "current_"))]:
        del company[key]  # figures a database file saved by an older sandbox
    if not company.get("image"):
        for name in ("image_thumb_large", "image_thumb_medium", "image_thumb_small"):
            company.pop(name, None)
    quirks = ctx.quirks
    count = ctx.storage.scalar
    company.update(
        max_users=quirks.max_users,
        current_users=count("SELECT COUNT(*) FROM users WHERE active = 1"),
        max_projects=quirks.max_projects,
        current_projects=count("SELECT COUNT(*) FROM projects WHERE active = 1"),
        max_invoices=quirks.max_invoices,
        current_invoices=invoices_this_month(ctx),
    )
    return company


def _as_setting(name: str, value: Any) -> Any:
    if name in _BOOLEANS:
        return value in (True, 1, "1", "true")
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


def update(ctx: Ctx, body: Mapping[str, Any], method: str) -> dict[str, Any]:
    """POST/PUT /api/company: writable settings change, read-only ones and unknown keys are ignored;
    a logo comes as a multipart file `image` (company.md:91-107)."""
    changes = {k: _as_setting(k, v) for k, v in body.items() if k in DEFAULTS and k not in READ_ONLY}
    changes.update(image_changes(ctx, dict(body), "company", method))
    if "default_currency" in changes:
        check_currency(changes["default_currency"], "default_currency")
    save(ctx, {**changes, "updated_on": ctx.now})
    return show(ctx)
