"""Invoices (totals, numbering, items) and time entries (modes, timers, limits): paymo-api.md §10.5-6."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from paymo_mcp.sandbox.resources.invoices import compute_totals, format_number
from tests.sandbox.conftest import many, message, one

pytestmark = pytest.mark.anyio


async def create(api: httpx.AsyncClient, resource: str, body: dict[str, Any]) -> dict[str, Any]:
    return one(await api.post(resource, json=body), resource, 201)


async def invoice_with(api: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    return await create(api, "invoices", {"client_id": 1, "currency": "USD", **body})


def line(item: str, price: float, quantity: float = 1, taxed: bool = True) -> dict[str, Any]:
    return {"item": item, "price_unit": price, "quantity": quantity, "apply_tax": taxed}


# -- invoices -------------------------------------------------------------------------------------


async def test_totals_match_paymos_worked_examples(api: httpx.AsyncClient) -> None:
    first = await invoice_with(api, tax=20, items=[line("Build", 1593)])
    assert (first["subtotal"], first["tax_amount"], first["total"]) == (1593, 318.6, 1911.6)
    second = await invoice_with(api, tax=3, items=[line("Hours", 25, 15)])
    assert (second["subtotal"], second["tax_amount"], second["total"]) == (375, 11.25, 386.25)


def test_discount_comes_off_before_taxes_and_tax_on_tax_compounds() -> None:
    invoice = {"discount": 10, "tax": 20, "tax2": 5, "tax_on_tax": True}
    items = [
        {"price_unit": 100, "quantity": 2, "apply_tax": True},
        {"price_unit": 50, "quantity": 1, "apply_tax": False},
    ]
    totals = compute_totals(invoice, items)
    # subtotal 250; discount 25; taxed base 200*0.9 = 180; tax 36; tax2 on 216 = 10.8
    assert totals == {
        "subtotal": 250.0,
        "discount_amount": 25.0,
        "tax_amount": 36.0,
        "tax2_amount": 10.8,
        "total": 271.8,
    }
    plain = compute_totals({**invoice, "tax_on_tax": False}, items)
    assert plain["tax2_amount"] == 9.0 and plain["total"] == 270.0


def test_amounts_round_half_up_to_cents() -> None:
    totals = compute_totals({"discount": 0, "tax": 7, "tax2": 0, "tax_on_tax": False},
                           [{"price_unit": 0.5, "quantity": 1, "apply_tax": True}])  # fmt: skip
    assert totals["tax_amount"] == 0.04 and totals["total"] == 0.54


async def test_new_invoices_are_drafts_numbered_from_the_company_format(api: httpx.AsyncClient) -> None:
    counter = int((await api.get("company")).json()["company"]["next_invoice_number"])
    invoice = await invoice_with(api, date="2026-12-01")
    assert invoice["status"] == "draft" and invoice["number"] == f"#INV-20261201-{counter}"
    assert (
        invoice["template_id"] == 1 and invoice["title"] == "INVOICE" and invoice["due_date"] == "2026-12-31"
    )
    custom = await invoice_with(api, number="CUSTOM-1")
    assert custom["number"] == "CUSTOM-1"
    after = int((await api.get("company")).json()["company"]["next_invoice_number"])
    assert after == counter + 2, "the counter moves on every create, custom number or not"
    assert format_number("[yy]/[mm]/[i]", 7, "2026-03-09") == "26/03/7"


async def test_a_duplicate_number_is_refused(api: httpx.AsyncClient) -> None:
    await invoice_with(api, number="INV-DUP-1")
    assert "INV-DUP-1" in message(
        await api.post("invoices", json={"client_id": 1, "currency": "USD", "number": "INV-DUP-1"}), 400
    )
    other = await invoice_with(api)
    message(await api.put(f"invoices/{other['id']}", json={"number": "INV-DUP-1"}), 400)


async def test_invoice_validation(api: httpx.AsyncClient) -> None:
    assert message(await api.post("invoices", json={}), 400) == "Missing required params: client_id, currency"
    assert "currency" in message(await api.post("invoices", json={"client_id": 1, "currency": "DOGE"}), 400)
    assert "status" in message(
        await api.post("invoices", json={"client_id": 1, "currency": "EUR", "status": "lost"}), 400
    )
    assert "client_id" in message(await api.post("invoices", json={"client_id": 99, "currency": "EUR"}), 400)
    assert (await invoice_with(api, currency="TBH"))["currency"] == "TBH", "Paymo's odd codes are valid"


async def test_items_come_back_only_when_included(api: httpx.AsyncClient) -> None:
    invoice = await invoice_with(api, items=[line("A", 10, 2)])
    assert "invoiceitems" not in invoice and "items" not in invoice
    shown = one(await api.get(f"invoices/{invoice['id']}", params={"include": "invoiceitems"}), "invoices")
    assert [(i["item"], i["invoice_id"]) for i in shown["invoiceitems"]] == [("A", invoice["id"])]


async def test_items_on_update_replace_the_set(api: httpx.AsyncClient) -> None:
    invoice = await invoice_with(api, items=[line("Keep", 10), line("Edit", 20), line("Drop", 30)])
    items = many(
        await api.get("invoiceitems", params={"where": f"invoice_id={invoice['id']}"}), "invoiceitems"
    )
    by_name = {i["item"]: i["id"] for i in items}
    updated = one(
        await api.put(
            f"invoices/{invoice['id']}",
            json={
                "items": [
                    {"id": by_name["Keep"]},
                    {"id": by_name["Edit"], "price_unit": 25},
                    line("New", 5, 2),
                ]
            },
        ),
        "invoices",
    )
    assert updated["subtotal"] == 45
    after = one(await api.get(f"invoices/{invoice['id']}", params={"include": "invoiceitems"}), "invoices")
    assert sorted((i["item"], i["price_unit"]) for i in after["invoiceitems"]) == [
        ("Edit", 25),
        ("Keep", 10),
        ("New", 5),
    ]
    message(await api.put(f"invoices/{invoice['id']}", json={"items": [{"id": 9999}]}), 400)
    untouched = one(await api.put(f"invoices/{invoice['id']}", json={"notes": "n"}), "invoices")
    assert untouched["subtotal"] == 45, "no items key leaves the items alone"


async def test_every_update_recomputes_the_totals(api: httpx.AsyncClient) -> None:
    invoice = await invoice_with(api, items=[line("A", 100)])
    assert invoice["total"] == 100
    taxed = one(await api.put(f"invoices/{invoice['id']}", json={"tax": 10, "discount": 50}), "invoices")
    assert (taxed["discount_amount"], taxed["tax_amount"], taxed["total"]) == (50, 5, 55)


async def test_item_entries_are_marked_billed_and_freed_with_the_item(api: httpx.AsyncClient) -> None:
    invoice = await invoice_with(api, items=[{**line("Time", 95, 2), "entries": [5, 7]}])
    items = many(
        await api.get("invoiceitems", params={"where": f"invoice_id={invoice['id']}"}), "invoiceitems"
    )
    entry = one(await api.get("entries/5", params={"include": "invoiceitem"}), "entries")
    assert entry["billed"] is True and entry["invoice_item_id"] == items[0]["id"]
    assert entry["invoiceitem"]["item"] == "Time"
    await api.delete(f"invoices/{invoice['id']}")
    freed = one(await api.get("entries/5"), "entries")
    assert freed["billed"] is False and freed["invoice_item_id"] is None


async def test_seeded_time_is_partly_billed(api: httpx.AsyncClient) -> None:
    billed = many(await api.get("entries", params={"where": "billed=true"}), "entries")
    assert [e["id"] for e in billed] == [1, 2, 4]
    assert len(many(await api.get("entries", params={"where": "billed=false"}), "entries")) == 7


async def test_payments_drive_paid_and_back_to_viewed(api: httpx.AsyncClient) -> None:
    invoice = await invoice_with(api, status="sent", items=[line("A", 100)])
    assert "owed" in message(
        await api.post("invoicepayments", json={"invoice_id": invoice["id"], "amount": 150}), 400
    )
    first = await create(api, "invoicepayments", {"invoice_id": invoice["id"], "amount": 60})
    assert one(await api.get(f"invoices/{invoice['id']}"), "invoices")["status"] == "sent"
    await create(api, "invoicepayments", {"invoice_id": invoice["id"], "amount": 40})
    assert one(await api.get(f"invoices/{invoice['id']}"), "invoices")["status"] == "paid"
    await api.delete(f"invoicepayments/{first['id']}")
    assert one(await api.get(f"invoices/{invoice['id']}"), "invoices")["status"] == "viewed"


# -- time entries ---------------------------------------------------------------------------------


async def test_start_and_end_make_a_timed_entry_with_a_computed_duration(api: httpx.AsyncClient) -> None:
    entry = await create(
        api,
        "entries",
        {"task_id": 6, "start_time": "2026-11-04T09:00:00Z", "end_time": "2026-11-04T09:45:00Z"},
    )
    assert (entry["is_bulk"], entry["duration"], entry["added_manually"]) == (False, 2700, True)
    assert "date" not in entry
    assert (entry["user_id"], entry["project_id"], entry["client_id"], entry["billed"]) == (1, 1, 1, False)


async def test_offsets_are_accepted_and_answers_are_utc(api: httpx.AsyncClient) -> None:
    entry = await create(
        api,
        "entries",
        {"task_id": 6, "start_time": "2026-11-04T10:00:00+02:00", "end_time": "2026-11-04T09:30:00Z"},
    )
    assert entry["start_time"] == "2026-11-04T08:00:00Z" and entry["duration"] == 5400


async def test_date_and_duration_make_a_bulk_entry(api: httpx.AsyncClient) -> None:
    entry = await create(api, "entries", {"task_id": 6, "date": "2026-11-04", "duration": 5400, "user_id": 3})
    assert (entry["is_bulk"], entry["date"], entry["duration"], entry["user_id"]) == (
        True,
        "2026-11-04",
        5400,
        3,
    )
    assert "start_time" not in entry and "end_time" not in entry
    longer = one(await api.put(f"entries/{entry['id']}", json={"duration": 7200}), "entries")
    assert longer["duration"] == 7200


async def test_missing_or_mixed_timing_is_400_with_a_clear_message(api: httpx.AsyncClient) -> None:
    async def refused(body: dict[str, Any]) -> str:
        return message(await api.post("entries", json=body), 400)

    assert (
        await refused({"task_id": 6})
        == "Missing required params: start_time and end_time, or date and duration"
    )
    assert await refused({"date": "2026-11-04", "duration": 600}) == "Missing required params: task_id"
    assert await refused({"task_id": 6, "date": "2026-11-04"}) == "Missing required params: duration"
    assert (
        await refused({"task_id": 6, "end_time": "2026-11-04T09:00:00Z"})
        == "Missing required params: start_time"
    )
    assert "not both" in await refused({"task_id": 6, "start_time": "2026-11-04T09:00:00Z", "duration": 600})


async def test_the_one_minute_minimum_is_for_start_end_entries_only(api: httpx.AsyncClient) -> None:
    # entries.md:138 and :165 put the minimum on start/end entries; a bulk duration only has to be positive.
    short = {"task_id": 6, "start_time": "2026-11-04T09:00:00Z", "end_time": "2026-11-04T09:00:59Z"}
    assert "1 minute" in message(await api.post("entries", json=short), 400)
    backwards = {"task_id": 6, "start_time": "2026-11-04T09:00:00Z", "end_time": "2026-11-04T08:00:00Z"}
    message(await api.post("entries", json=backwards), 400)
    assert "1 minute" in message(await api.put("entries/1", json={"end_time": "2026-09-14T09:00:30Z"}), 400)
    bulk = await create(api, "entries", {"task_id": 6, "date": "2026-11-04", "duration": 30})
    assert bulk["duration"] == 30 and bulk["is_bulk"] is True
    assert one(await api.put(f"entries/{bulk['id']}", json={"duration": 45}), "entries")["duration"] == 45
    assert "duration" in message(
        await api.post("entries", json={"task_id": 6, "date": "2026-11-04", "duration": 0}), 400
    )


async def test_one_running_timer_per_user(api: httpx.AsyncClient) -> None:
    timer = await create(api, "entries", {"task_id": 6, "start_time": "2026-11-05T08:00:00Z"})
    assert timer["end_time"] is None and timer["duration"] is None and timer["added_manually"] is False
    second = await api.post("entries", json={"task_id": 7, "start_time": "2026-11-05T08:30:00Z"})
    assert "timer" in message(second, 409)
    other_user = await create(
        api, "entries", {"task_id": 7, "start_time": "2026-11-05T08:30:00Z", "user_id": 3}
    )
    assert other_user["end_time"] is None
    running = many(await api.get("entries", params={"where": "user_id=1 and end_time=null"}), "entries")
    assert [e["id"] for e in running] == [timer["id"]]
    stopped = one(
        await api.put(f"entries/{timer['id']}", json={"end_time": "2026-11-05T09:00:00Z"}), "entries"
    )
    assert stopped["duration"] == 3600
    assert (
        await api.post("entries", json={"task_id": 7, "start_time": "2026-11-05T10:00:00Z"})
    ).status_code == 201


async def test_duration_changes_only_on_bulk_entries(api: httpx.AsyncClient) -> None:
    assert "duration" in message(await api.put("entries/1", json={"duration": 600}), 400)
    assert "start_time" in message(
        await api.put("entries/3", json={"start_time": "2026-09-21T09:00:00Z"}), 400
    )
    later = one(await api.put("entries/1", json={"end_time": "2026-09-14T12:00:00Z"}), "entries")
    assert later["duration"] == 3 * 3600


async def test_time_interval_keeps_entries_starting_inside_a_half_open_range(api: httpx.AsyncClient) -> None:
    async def between(start: str, end: str) -> list[int]:
        where = f'time_interval in ("{start}","{end}")'
        return [e["id"] for e in many(await api.get("entries", params={"where": where}), "entries")]

    assert await between("2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z") == [1, 2, 3, 9]
    assert await between("2026-09-14T09:00:00Z", "2026-09-15T13:00:00Z") == [1], (
        "start included, end excluded"
    )
    assert await between("2026-11-03", "2026-11-04") == [6], "plain dates work; bulk entries count by date"
    message(await api.get("entries", params={"where": 'time_interval in ("2026-11-03")'}), 400)


async def test_entry_includes_and_the_forbidden_project_include(api: httpx.AsyncClient) -> None:
    entry = one(await api.get("entries/1", params={"include": "task,user,invoiceitem"}), "entries")
    assert (
        entry["task"]["id"] == 1
        and entry["user"]["name"] == "Maria Lopez"
        and entry["invoiceitem"]["id"] == 1
    )
    assert (
        message(await api.get("entries/1", params={"include": "project"}), 400)
        == "Unknown field or reference: `project`"
    )
    assert [e["id"] for e in many(await api.get("entries", params={"where": "client_id=2"}), "entries")] == [
        9
    ]


async def test_no_time_on_archived_projects(api: httpx.AsyncClient) -> None:
    await api.put("projects/1", json={"active": False})
    refused = await api.post("entries", json={"task_id": 6, "date": "2026-11-04", "duration": 600})
    assert "archived" in message(refused, 400)
