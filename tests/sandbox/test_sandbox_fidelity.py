"""The sandbox as Paymo's docs say, item by item of the fidelity audit (D2-D28, with the docs' file:line)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from paymo_mcp.sandbox import Sandbox
from tests.sandbox.conftest import many, message, one

pytestmark = pytest.mark.anyio

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(40))
GIF = b"GIF89a" + bytes(range(30))


async def create(api: httpx.AsyncClient, resource: str, body: dict[str, Any]) -> dict[str, Any]:
    return one(await api.post(resource, json=body), resource, 201)


async def put(api: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    return one(await api.put(path, json=body), path.split("/")[0])


# -- D2: logos are multipart file uploads (clients.md:161-178) --------------------------------------------


async def test_a_client_logo_is_a_multipart_image_on_create_and_update(api: httpx.AsyncClient) -> None:
    made = one(
        await api.post("clients", data={"name": "Logo Co"}, files={"image": ("l.png", PNG, "image/png")}),
        "clients",
        201,
    )
    assert made["name"] == "Logo Co" and made["image"].endswith(".png")
    assert {"image_thumb_large", "image_thumb_medium", "image_thumb_small"} <= set(made)
    served = await api.get(made["image"])
    assert (
        served.status_code == 200 and served.content == PNG and served.headers["content-type"] == "image/png"
    )
    updated = one(
        await api.post(f"clients/{made['id']}", files={"image": ("l.gif", GIF, "image/gif")}), "clients"
    )
    assert updated["image"].endswith(".gif") and updated["image"] != made["image"]
    shown = one(await api.get(f"clients/{made['id']}"), "clients")
    assert shown["image"] == updated["image"] and (await api.get(shown["image_thumb_small"])).content == GIF


async def test_a_logo_sent_as_text_or_not_an_image_or_with_put_is_refused(api: httpx.AsyncClient) -> None:
    url = {"name": "Url Co", "image": "https://example.com/logo.png"}
    assert "multipart/form-data" in message(await api.post("clients", json=url), 400)
    assert "multipart/form-data" in message(
        await api.put("clients/1", json={"image": "https://x/y.png"}), 400
    )
    text_file = {"image": ("logo.txt", b"not an image", "text/plain")}
    assert "JPEG, PNG or GIF" in message(await api.post("clients/1", files=text_file), 400)
    png = {"image": ("l.png", PNG, "image/png")}
    assert "POST" in message(await api.put("clients/1", data={"name": "x"}, files=png), 400)
    assert "image" not in one(await api.get("clients/1"), "clients"), "nothing was stored"


async def test_a_null_image_removes_the_logo_and_users_and_company_upload_the_same_way(
    api: httpx.AsyncClient,
) -> None:
    png = {"image": ("l.png", PNG, "image/png")}
    one(await api.post("clients/2", files=png), "clients")
    assert "image" not in await put(api, "clients/2", {"image": None})
    photo = one(await api.post("users/2", files=png), "users")
    assert "/users/" in photo["image"]
    logo = await api.post("company", files=png)
    assert logo.status_code == 200 and logo.json()["company"]["image"].endswith(".png")


# -- D3: a time entry's invoice_item_id is writable and checked (entries.md:245) ----------------------------


async def test_invoice_item_id_is_written_on_create_and_update_and_must_exist(api: httpx.AsyncClient) -> None:
    item_id = many(await api.get("invoiceitems", params={"where": "invoice_id=2"}), "invoiceitems")[0]["id"]
    made = await create(
        api, "entries", {"task_id": 13, "date": "2026-11-24", "duration": 3600, "invoice_item_id": item_id}
    )
    assert made["invoice_item_id"] == item_id and made["billed"] is True
    assert (await put(api, "entries/9", {"invoice_item_id": item_id}))["invoice_item_id"] == item_id
    assert "invoice_item_id" in message(await api.put("entries/10", json={"invoice_item_id": 999}), 400)
    assert one(await api.get("entries/10"), "entries")["invoice_item_id"] is None


# -- D4: project_id stays read-only; a task moves with its tasklist_id (tasks.md:285, :322) ----------------


async def test_project_id_is_read_only_but_a_task_moves_with_its_list(api: httpx.AsyncClient) -> None:
    assert (await put(api, "tasks/7", {"project_id": 3}))["project_id"] == 1
    assert (await put(api, "tasklists/1", {"project_id": 2}))["project_id"] == 1
    moved = await put(api, "tasks/7", {"tasklist_id": 6})
    assert (moved["project_id"], moved["tasklist_id"]) == (3, 6)


# -- D7: included records stop at 2500 per type (paymo-org/api#68) ---------------------------------------


async def test_included_children_stop_at_2500_per_type_and_pages_of_100_are_whole(
    sandbox: Sandbox, api: httpx.AsyncClient
) -> None:
    invoices = sandbox.bulk_insert(
        "invoices", [{"client_id": 1, "currency": "USD", "number": f"BULK-{n}"} for n in range(26)]
    )
    rows = [
        {"invoice_id": i, "item": f"Line {n}", "price_unit": 1, "quantity": 1}
        for i in invoices
        for n in range(100)
    ]
    sandbox.bulk_insert("invoiceitems", rows)
    listed = many(await api.get("invoices", params={"include": "invoiceitems"}), "invoices")
    counts = [len(i["invoiceitems"]) for i in listed]
    assert sum(counts) == 2500 and counts[-1] == 0, "the items past 2500 are silently left out"
    page = many(
        await api.get("invoices", params={"include": "invoiceitems", "page": 2, "page_size": 10}), "invoices"
    )
    assert [len(i["invoiceitems"]) for i in page] == [100] * 8, "a small page holds every item"


# -- D8: a project's status and active flag move together (project_statuses.md:248) -------------------------


async def test_status_and_active_move_together(api: httpx.AsyncClient) -> None:
    archived = await put(api, "projects/3", {"status_id": 6})
    assert archived["active"] is False
    assert "archived" in message(
        await api.post("entries", json={"task_id": 12, "date": "2026-11-02", "duration": 600}), 400
    )
    off = await put(api, "projects/2", {"active": False})
    assert (off["active"], off["status_id"]) == (False, 6), "inactive moves to the Archived status"
    on = await put(api, "projects/2", {"active": True})
    assert (on["active"], on["status_id"]) == (True, 1), "active moves back to the Active status"
    on_hold = await put(api, "projects/2", {"status_id": 3})
    assert on_hold["active"] is False
    assert (await put(api, "projects/2", {"active": False}))["status_id"] == 3, "already inactive: kept"
    assert (await put(api, "projects/1", {"active": True, "status_id": 5}))["active"] is False, (
        "status decides"
    )
    new = await create(api, "projects", {"name": "Shelved", "active": False})
    assert (new["active"], new["status_id"]) == (False, 6)


async def test_a_status_turning_inactive_archives_its_projects(api: httpx.AsyncClient) -> None:
    paused = await create(api, "projectstatuses", {"name": "Paused", "active": True})
    await put(api, "projects/4", {"status_id": paused["id"]})
    await put(api, f"projectstatuses/{paused['id']}", {"active": False})
    assert one(await api.get("projects/4"), "projects")["active"] is False


# -- D9, D15: bulk entries are not running timers and come back as the docs show (entries.md:49, :224) ------


async def test_the_running_timer_query_returns_only_the_timer(api: httpx.AsyncClient) -> None:
    timer = await create(api, "entries", {"task_id": 6, "user_id": 2, "start_time": "2026-11-30T09:00:00Z"})
    running = many(await api.get("entries", params={"where": "user_id=2 and end_time=null"}), "entries")
    assert [e["id"] for e in running] == [timer["id"]]
    bulk = one(await api.get("entries/6"), "entries")
    assert bulk["is_bulk"] is True and bulk["added_manually"] is False
    assert "start_time" not in bulk and "end_time" not in bulk and bulk["date"] == "2026-11-03"


# -- D10: current currency codes (currencies.md is from 2018) ----------------------------------------------


async def test_current_iso_codes_and_paymos_listed_codes_are_accepted(api: httpx.AsyncClient) -> None:
    for code in ("THB", "TBH", "GHS", "ZWG", "US$"):
        assert (await create(api, "invoices", {"client_id": 1, "currency": code}))["currency"] == code
    for bad in ("XYZ", "usd", "DOLLAR"):
        assert "ISO 4217" in message(await api.post("invoices", json={"client_id": 1, "currency": bad}), 400)


# -- D11: company fields with their documented types and keys (company.md:17-68) ---------------------------


async def test_company_fields_have_the_documented_types_and_keys(api: httpx.AsyncClient) -> None:
    company = (await api.get("company")).json()["company"]
    assert company["active"] is True and company["online_payments"] is False
    assert (company["current_users"], company["current_projects"]) == (4, 4)
    assert company["max_users"] == 25 and company["max_projects"] is None and company["max_invoices"] is None
    assert isinstance(company["current_invoices"], int)
    assert company["hide_tax_field"] == "" and company["remove_paymo_branding"] == ""
    assert company["language"] == "en" and company["payment_reminder_1"] == "0"
    assert company["default_tax"] == "0" and company["due_interval"] == "30", "settings stay text"
    changed = (await api.put("company", json={"online_payments": True, "max_users": 99})).json()["company"]
    assert changed["online_payments"] is True and changed["max_users"] == 25


# -- D12: empty text is "" where the docs show "" -----------------------------------------------------------


async def test_unset_text_comes_back_empty_where_the_docs_show_it(api: httpx.AsyncClient) -> None:
    invoice = await create(api, "invoices", {"client_id": 3, "currency": "EUR"})
    assert (invoice["notes"], invoice["language"]) == ("", "")
    assert (await create(api, "clients", {"name": "Bare"}))["fiscal_information"] == ""


# -- D13: estimated_price is computed (tasks.md:336, projects.md:369) ---------------------------------------


async def test_estimated_price_follows_tracked_time_rates_and_flat_prices(api: httpx.AsyncClient) -> None:
    # Task 4: Sam 2 h (user rate 85) + Maria 1.5 h (95); by default the user rate comes first.
    assert one(await api.get("tasks/4"), "tasks")["estimated_price"] == 312.5
    await put(api, "projects/1", {"hourly_billing_mode": "project"})  # project rate 95 first, for all
    assert one(await api.get("tasks/4"), "tasks")["estimated_price"] == 332.5
    flat = await put(api, "tasks/5", {"flat_billing": True, "estimated_price": 100})
    assert flat["estimated_price"] == 100
    tasks = many(await api.get("tasks", params={"where": "project_id=1"}), "tasks")
    project = one(await api.get("projects/1"), "projects")
    assert project["estimated_price"] == sum(t["estimated_price"] for t in tasks) == 1501.25
    assert one(await api.get("projects/2"), "projects")["estimated_price"] == 12000, "flat rate: its price"
    assert one(await api.get("projects/4"), "projects")["estimated_price"] is None, "non-billable"


# -- D16: include=files on tasks (tasks.md:89) --------------------------------------------------------------


async def test_tasks_include_their_files(sandbox: Sandbox, api: httpx.AsyncClient) -> None:
    sandbox.bulk_insert("files", [{"original_filename": "brief.pdf", "task_id": 4, "project_id": 1}])
    task = one(await api.get("tasks/4", params={"include": "files"}), "tasks")
    assert [f["original_filename"] for f in task["files"]] == ["brief.pdf"]


# -- D19: XML is refused with a message naming what the sandbox reads (content_types.md) --------------------


async def test_xml_is_refused_in_both_directions(api: httpx.AsyncClient) -> None:
    xml = await api.post(
        "clients", content=b"<client><name>X</name></client>", headers={"content-type": "text/xml"}
    )
    assert "no XML" in message(xml, 400)
    assert "JSON only" in message(await api.get("clients", params={"format": "xml"}), 400)
    asked = await api.get("clients/1", headers={"accept": "application/xml"})
    assert asked.headers["content-type"].startswith("application/json"), "Accept is not honoured: JSON"


# -- D23: project codes (projects.md:356) -------------------------------------------------------------------


async def test_project_codes_are_capitals_and_digits_of_any_length_and_may_repeat(
    api: httpx.AsyncClient,
) -> None:
    assert "A-Z" in message(await api.post("projects", json={"name": "x", "code": "web"}), 400)
    assert (await create(api, "projects", {"name": "Long", "code": "A" * 40}))["code"] == "A" * 40
    assert (await create(api, "projects", {"name": "Again", "code": "WEB"}))["code"] == "WEB"


# -- D24: the docs' `manager=` filter (projects.md:29) ------------------------------------------------------


async def test_the_docs_manager_filter_reads_the_managers_list(api: httpx.AsyncClient) -> None:
    where = {"where": "active=true and manager=2 and billable=true"}
    assert [p["id"] for p in many(await api.get("projects", params=where), "projects")] == [1, 3]


# -- D26: a new invoice line needs item, price_unit and quantity (invoices.md:224-233) -----------------------


async def test_a_new_invoice_line_needs_item_price_unit_and_quantity(api: httpx.AsyncClient) -> None:
    body = {"client_id": 1, "currency": "USD", "items": [{"item": "Design"}]}
    assert message(await api.post("invoices", json=body), 400) == (
        "Missing required params: items[0].price_unit, items[0].quantity"
    )
    kept = {"items": [{"id": 2}, {"item": "More", "price_unit": 5}]}
    assert "items[1].quantity" in message(await api.put("invoices/2", json=kept), 400)
