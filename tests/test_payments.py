"""record_invoice_payment through /api/invoicepayments: the invoice's `outstanding` and status follow
(paid when nothing is outstanding); an overpayment is refused, naming what is owed, with nothing written.

Seeded invoice 2 (Globex): 15 x 25 = 375 plus 3 % tax = 386.25, status draft."""

from __future__ import annotations

import pytest
from mcp import Client

from tests.helpers import call, fails

pytestmark = pytest.mark.anyio


async def test_invoices_show_what_is_outstanding(mcp: Client) -> None:
    invoice = await call(mcp, "get_invoice", {"id": 2})
    assert (invoice["total"], invoice["outstanding"]) == (386.25, 386.25)


async def test_payments_settle_an_invoice(mcp: Client) -> None:
    part = await call(mcp, "record_invoice_payment", {"invoice_id": 2, "amount": 100, "date": "2026-12-01"})
    assert part["payment"]["amount"] == 100 and part["payment"]["date"] == "2026-12-01"
    assert (part["invoice"]["status"], part["invoice"]["outstanding"]) == ("draft", 286.25)
    assert (await call(mcp, "get_invoice", {"id": 2}))["outstanding"] == 286.25
    rest = await call(mcp, "record_invoice_payment", {"invoice_id": 2, "amount": 286.25, "notes": "wire"})
    assert (rest["invoice"]["status"], rest["invoice"]["outstanding"]) == ("paid", 0)
    shown = await call(mcp, "get_invoice", {"id": 2})
    assert (shown["status"], shown["outstanding"]) == ("paid", 0)


async def test_an_overpayment_is_one_clear_line_and_records_nothing(mcp: Client) -> None:
    await call(mcp, "record_invoice_payment", {"invoice_id": 2, "amount": 86.25})
    message = await fails(mcp, "record_invoice_payment", {"invoice_id": 2, "amount": 300.01})
    assert ": amount: 300.01 is more than the 300.00 still owed" in message
    assert (await call(mcp, "get_invoice", {"id": 2}))["outstanding"] == 300
    missing = await fails(mcp, "record_invoice_payment", {"invoice_id": 999, "amount": 1})
    assert missing.endswith("invoice_id: no such invoice 999 (list_invoices finds it).")
    assert "amount" in await fails(mcp, "record_invoice_payment", {"invoice_id": 2, "amount": 0})
