"""create_invoice_from_time against the sandbox, checked against totals worked out by hand.

The account built by `umbrella()` (client "Umbrella Research", the week 2026-03-02 .. 2026-03-08):

| project (rate)            | task (rate)       | time in the week                          |
|---------------------------|-------------------|-------------------------------------------|
| Lab Portal (80/h)         | API design (100)  | 1.5 h on 03-02, 0.75 h on 03-03           |
| Lab Portal                | Frontend (none)   | 1.5 h on 03-04, 09:00-09:45 on 03-06      |
| Field Study (none)        | Interviews (none) | 2 h on 03-05                              |
| Internal (non-billable)   | Admin             | 1 h on 03-04                              |

plus, not to be invoiced: API design 1 h on 03-01 (before the range), Frontend 1 h on 03-09 (after it),
and 1 h of Acme's "Visual design" on 03-04 (another client). The company rate is 90/h. The time is
logged by user 1, whose own rate these tests clear: with a user rate, Paymo bills that first (D5).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from tests.helpers import call, fails, fault

pytestmark = pytest.mark.anyio


def paymo_put(sandbox: SandboxServer, path: str, body: dict[str, Any]) -> None:
    """Change a record straight in the sandbox, as someone using Paymo's web app would."""
    response = httpx.put(sandbox.base_url + path, json=body, auth=(sandbox.api_key, "X"))
    response.raise_for_status()


@pytest.fixture(autouse=True)
def admin_without_own_rate(fresh: SandboxServer) -> None:
    """User 1 (who logs the umbrella's time) has no rate of their own: task, project, company decide."""
    paymo_put(fresh, "users/1", {"price_per_hour": None})


WEEK = {"start": "2026-03-02", "end": "2026-03-08"}


async def umbrella(mcp: Client) -> dict[str, Any]:
    """The account in the module docstring; returns the ids a test needs."""
    client = await call(mcp, "create_client", {"name": "Umbrella Research"})
    cid = client["id"]
    portal = await call(
        mcp,
        "create_project",
        {"name": "Lab Portal", "client_id": cid, "billable": True, "price_per_hour": 80},
    )
    study = await call(mcp, "create_project", {"name": "Field Study", "client_id": cid, "billable": True})
    internal = await call(mcp, "create_project", {"name": "Internal", "client_id": cid, "billable": False})
    api = await call(
        mcp, "create_task", {"name": "API design", "project_id": portal["id"], "price_per_hour": 100}
    )
    frontend = await call(mcp, "create_task", {"name": "Frontend", "project_id": portal["id"]})
    interviews = await call(mcp, "create_task", {"name": "Interviews", "project_id": study["id"]})
    admin = await call(mcp, "create_task", {"name": "Admin", "project_id": internal["id"]})

    async def log(task_id: int, **timing: Any) -> int:
        entry = await call(mcp, "create_time_entry", {"task_id": task_id, **timing})
        return int(entry["id"])

    ids = {
        "client": cid,
        "portal": portal["id"],
        "study": study["id"],
        "api": [
            await log(api["id"], date="2026-03-02", duration=5400),
            await log(api["id"], date="2026-03-03", duration=2700),
        ],
        "frontend": [
            await log(frontend["id"], date="2026-03-04", duration=5400),
            await log(frontend["id"], start_time="2026-03-06T09:00:00Z", end_time="2026-03-06T09:45:00Z"),
        ],
        "interviews": [await log(interviews["id"], date="2026-03-05", duration=7200)],
        "internal": [await log(admin["id"], date="2026-03-04", duration=3600)],
        "outside": [
            await log(api["id"], date="2026-03-01", duration=3600),
            await log(frontend["id"], date="2026-03-09", duration=3600),
        ],
        "acme": [await log(4, date="2026-03-04", duration=3600)],  # task 4: Acme's "Visual design"
    }
    return ids


async def entries_of(mcp: Client, client_id: int) -> dict[int, dict[str, Any]]:
    listed = await call(mcp, "list_time_entries", {"client_id": client_id, "limit": 100})
    return {e["id"]: e for e in listed["time_entries"]}


async def invoice_count(mcp: Client) -> int:
    return int((await call(mcp, "list_invoices", {"limit": 2500}))["count"])


# By task, worked out by hand:
#   API design  1.5 + 0.75 = 2.25 h x 100 = 225.00  (the task's own rate)
#   Frontend    1.5 + 0.75 = 2.25 h x  80 = 180.00  (no task rate: the project's)
#   Interviews  2.00 h          x  90 = 180.00  (neither: the company's)
#   subtotal 585.00; tax 2.5 % = 14.625 -> 14.63 (half-up, as Paymo rounds); total 599.63
BY_TASK = [("API design", 100.0, 2.25), ("Frontend", 80.0, 2.25), ("Interviews", 90.0, 2.0)]


async def test_dry_run_shows_hand_computed_lines_and_creates_nothing(mcp: Client) -> None:
    ids = await umbrella(mcp)
    before = await invoice_count(mcp)
    preview = await call(
        mcp, "create_invoice_from_time", {"client_id": ids["client"], **WEEK, "tax": 2.5, "dry_run": True}
    )
    assert preview["dry_run"] is True
    invoice = preview["invoice"]
    assert [(i["item"], i["price_unit"], i["quantity"]) for i in invoice["items"]] == BY_TASK
    assert [i["entries"] for i in invoice["items"]] == [ids["api"], ids["frontend"], ids["interviews"]]
    assert all(i["apply_tax"] for i in invoice["items"])
    assert (invoice["subtotal"], invoice["tax_amount"], invoice["total"]) == (585.00, 14.63, 599.63)
    assert (invoice["client_id"], invoice["currency"]) == (ids["client"], "USD")
    assert preview["hours"] == 6.5
    assert preview["skipped"] == {"non-billable": ids["internal"]}
    # Nothing was written: no invoice, every entry still unbilled.
    assert await invoice_count(mcp) == before
    assert all(
        e["billed"] is False and e["invoice_item_id"] is None
        for e in (await entries_of(mcp, ids["client"])).values()
    )


async def test_real_call_makes_one_draft_invoice_whose_items_bill_the_entries(mcp: Client) -> None:
    ids = await umbrella(mcp)
    before = await invoice_count(mcp)
    made = await call(mcp, "create_invoice_from_time", {"client_id": ids["client"], **WEEK, "tax": 2.5})
    assert made["dry_run"] is False
    invoice = made["invoice"]
    assert await invoice_count(mcp) == before + 1
    mine = (await call(mcp, "list_invoices", {"client_id": ids["client"]}))["invoices"]
    assert [i["id"] for i in mine] == [invoice["id"]]
    assert (invoice["status"], invoice["client_id"], invoice["currency"]) == ("draft", ids["client"], "USD")
    # Paymo's own totals on the stored invoice equal the hand-computed ones.
    stored = await call(mcp, "get_invoice", {"id": invoice["id"], "include": ["invoiceitems"]})
    assert (stored["subtotal"], stored["tax"], stored["tax_amount"], stored["total"]) == (
        585.00,
        2.5,
        14.63,
        599.63,
    )
    items = stored["invoiceitems"]
    assert [(i["item"], i["price_unit"], i["quantity"]) for i in items] == BY_TASK
    # Each entry links to the line of its own task and is billed; nothing else was touched.
    entries = await entries_of(mcp, ids["client"])
    for item, group in zip(items, ("api", "frontend", "interviews"), strict=True):
        for entry_id in ids[group]:
            assert (entries[entry_id]["billed"], entries[entry_id]["invoice_item_id"]) == (True, item["id"])
    for entry_id in ids["outside"] + ids["internal"]:
        assert (entries[entry_id]["billed"], entries[entry_id]["invoice_item_id"]) == (False, None)
    acme = await call(mcp, "get_time_entry", {"id": ids["acme"][0]})
    assert (acme["billed"], acme["invoice_item_id"]) == (False, None)


async def test_a_second_call_finds_nothing_left_to_bill_and_says_so(mcp: Client) -> None:
    ids = await umbrella(mcp)
    await call(mcp, "create_invoice_from_time", {"client_id": ids["client"], **WEEK})
    count = await invoice_count(mcp)
    again = await fails(mcp, "create_invoice_from_time", {"client_id": ids["client"], **WEEK})
    assert f"No billable unbilled time for client {ids['client']} between 2026-03-02 and 2026-03-08" in again
    assert f"non-billable: entries {ids['internal'][0]}" in again and "nothing to invoice" in again
    assert await invoice_count(mcp) == count
    # A range with no time at all says the same plainly.
    empty = await fails(
        mcp,
        "create_invoice_from_time",
        {"client_id": ids["client"], "start": "2026-04-01", "end": "2026-04-30"},
    )
    assert f"No unbilled time for client {ids['client']} between 2026-04-01 and 2026-04-30" in empty


# By project, worked out by hand. Each entry is billed at its own rate, as Paymo does, so a project
# whose time has two rates gets a line per rate (project, then rate, ascending):
#   Lab Portal   2.25 h x  80 = 180.00  (Frontend: the project's rate)
#   Lab Portal   2.25 h x 100 = 225.00  (API design: the task's rate)
#   Field Study  2.00 h x  90 = 180.00  (the company's)
#   subtotal 585.00, the same as by task; no tax; total 585.00
async def test_group_by_project_makes_one_line_per_project_and_rate(mcp: Client) -> None:
    ids = await umbrella(mcp)
    made = await call(
        mcp, "create_invoice_from_time", {"client_id": ids["client"], **WEEK, "group_by": "project"}
    )
    stored = await call(mcp, "get_invoice", {"id": made["invoice"]["id"], "include": ["invoiceitems"]})
    items = stored["invoiceitems"]
    assert [(i["item"], i["price_unit"], i["quantity"]) for i in items] == [
        ("Lab Portal", 80.0, 2.25),
        ("Lab Portal", 100.0, 2.25),
        ("Field Study", 90.0, 2.0),
    ]
    assert all(i["apply_tax"] is False for i in items)
    assert (stored["subtotal"], stored["tax_amount"], stored["total"]) == (585.00, 0.0, 585.00)
    entries = await entries_of(mcp, ids["client"])
    for group, item in (("frontend", items[0]), ("api", items[1]), ("interviews", items[2])):
        for entry_id in ids[group]:
            assert entries[entry_id]["invoice_item_id"] == item["id"]


# One rate for every line: 6.50 h x 50 = 325.00 (API design 112.50, Frontend 112.50, Interviews 100.00)
async def test_a_given_rate_overrides_task_project_and_company_rates(mcp: Client) -> None:
    ids = await umbrella(mcp)
    preview = await call(
        mcp,
        "create_invoice_from_time",
        {"client_id": ids["client"], **WEEK, "price_per_hour": 50, "dry_run": True},
    )
    invoice = preview["invoice"]
    assert [i["price_unit"] for i in invoice["items"]] == [50.0, 50.0, 50.0]
    assert (invoice["subtotal"], invoice["tax_amount"], invoice["total"]) == (325.00, 0.0, 325.00)


async def test_the_range_is_inclusive_of_its_last_day(mcp: Client) -> None:
    ids = await umbrella(mcp)
    # 2026-03-09 only: the Frontend hour after the week (1.00 h x 80 = 80.00).
    preview = await call(
        mcp,
        "create_invoice_from_time",
        {"client_id": ids["client"], "start": "2026-03-09", "end": "2026-03-09", "dry_run": True},
    )
    assert [(i["item"], i["quantity"], i["entries"]) for i in preview["invoice"]["items"]] == [
        ("Frontend", 1.0, [ids["outside"][1]])
    ]
    assert preview["invoice"]["total"] == 80.00


NOVEMBER = {"client_id": 1, "start": "2026-11-01", "end": "2026-11-30", "dry_run": True}


async def test_flat_rate_work_is_left_out_and_reported(mcp: Client) -> None:
    # Seeded Acme time from November: Visual design (Website Redesign, T&M at 95/h) 2 h by Sam (85/h)
    # and 1.5 h by Maria (95/h), and Push notifications 1.5 h on the flat-rate Mobile App, which is not
    # billed by the hour. The project has no hourly_billing_mode: each user's own rate comes first.
    preview = await call(mcp, "create_invoice_from_time", NOVEMBER)
    assert [(i["item"], i["price_unit"], i["quantity"]) for i in preview["invoice"]["items"]] == [
        ("Visual design", 85.0, 2.0),
        ("Visual design", 95.0, 1.5),
    ]
    assert preview["invoice"]["total"] == 312.50  # 2 h x 85 + 1.5 h x 95
    assert preview["skipped"] == {"flat-rate": [8]}


# D5, projects.md "Project Billing": the project's hourly_billing_mode orders user, task, project and
# company rates, and the first one set is used. Visual design (task 4) gets a rate of its own, 100/h.
@pytest.mark.parametrize(
    ("mode", "lines"),
    [
        (None, [(85.0, 2.0), (95.0, 1.5)]),  # user, task, project, company: the users' rates
        ("user", [(85.0, 2.0), (95.0, 1.5)]),  # the docs: "null or user", the same order
        ("task", [(100.0, 3.5)]),  # task first
        ("project", [(95.0, 3.5)]),  # the project's 95/h
        ("company", [(90.0, 3.5)]),  # the company's default 90/h
    ],
)
async def test_the_rate_follows_the_projects_hourly_billing_mode(
    mcp: Client, fresh: SandboxServer, mode: str | None, lines: list[tuple[float, float]]
) -> None:
    await call(mcp, "update_task", {"id": 4, "price_per_hour": 100})
    paymo_put(fresh, "projects/1", {"hourly_billing_mode": mode})
    preview = await call(mcp, "create_invoice_from_time", NOVEMBER)
    assert [(i["price_unit"], i["quantity"]) for i in preview["invoice"]["items"]] == lines


async def test_a_user_rate_comes_before_task_and_project_rates_by_default(
    mcp: Client, fresh: SandboxServer
) -> None:
    ids = await umbrella(mcp)
    paymo_put(fresh, "users/1", {"price_per_hour": 120})
    preview = await call(
        mcp, "create_invoice_from_time", {"client_id": ids["client"], **WEEK, "dry_run": True}
    )
    assert [(i["item"], i["price_unit"]) for i in preview["invoice"]["items"]] == [
        ("API design", 120.0),
        ("Frontend", 120.0),
        ("Interviews", 120.0),
    ]


async def test_an_invoice_whose_read_back_fails_is_reported_created(
    mcp: Client, fresh: SandboxServer
) -> None:
    # Issue 11 §4: the create succeeded; only the re-read failed. Saying "failed" would invite a duplicate.
    ids = await umbrella(mcp)
    before = await invoice_count(mcp)
    fault(fresh, method="GET", path_prefix="/api/invoices/", status=500, times=10)
    made = await call(mcp, "create_invoice_from_time", {"client_id": ids["client"], **WEEK})
    httpx.delete(fresh.base_url.replace("/api/", "/__sandbox/faults")).raise_for_status()
    invoice_id = made["invoice"]["id"]
    assert f"Draft invoice {invoice_id} was created, but reading it back failed" in made["note"]
    assert await invoice_count(mcp) == before + 1
    entries = await entries_of(mcp, ids["client"])
    assert all(entries[e]["billed"] for e in ids["api"] + ids["frontend"] + ids["interviews"])


async def test_bad_ranges_and_clients_are_refused_before_anything_is_made(mcp: Client) -> None:
    before = await invoice_count(mcp)
    backwards = await fails(
        mcp, "create_invoice_from_time", {"client_id": 1, "start": "2026-03-08", "end": "2026-03-02"}
    )
    assert "end must not be before start" in backwards
    unknown = await fails(mcp, "create_invoice_from_time", {"client_id": 1, **WEEK, "group_by": "user"})
    assert "group_by" in unknown
    assert await invoice_count(mcp) == before


async def test_without_start_and_end_all_unbilled_time_is_invoiced(mcp: Client) -> None:
    ids = await umbrella(mcp)
    made = await call(mcp, "create_invoice_from_time", {"client_id": ids["client"], "dry_run": True})
    linked = sorted(e for line in made["invoice"]["items"] for e in line["entries"])
    # The week's billable time and the two entries outside the week; the non-billable hour is skipped.
    assert linked == sorted(ids["api"] + ids["frontend"] + ids["interviews"] + ids["outside"])
    assert made["skipped"] == {"non-billable": ids["internal"]}
    # With one end given, the other is open.
    after = await call(
        mcp, "create_invoice_from_time", {"client_id": ids["client"], "start": "2026-03-05", "dry_run": True}
    )
    linked = sorted(e for line in after["invoice"]["items"] for e in line["entries"])
    assert linked == sorted([ids["frontend"][1], ids["interviews"][0], ids["outside"][1]])


async def test_a_client_that_does_not_exist_is_no_such_client(mcp: Client) -> None:
    missing = await fails(mcp, "create_invoice_from_time", {"client_id": 99999})
    assert missing.endswith("client_id: no such client 99999 (list_clients finds it).")
    ids = await umbrella(mcp)
    await call(mcp, "create_invoice_from_time", {"client_id": ids["client"]})
    nothing = await fails(mcp, "create_invoice_from_time", {"client_id": ids["client"]})
    assert f"No billable unbilled time for client {ids['client']} at any date" in nothing


async def test_a_day_logged_entry_is_invoiced_on_its_own_day_west_of_utc(
    mcp: Client, fresh: SandboxServer
) -> None:
    # Pago Pago is UTC-11: Paymo's time_interval for that local day starts at 11:00 UTC, after the
    # midnight a day-logged entry sits at. The range is read by the user's day, as summarize_time does.
    paymo_put(fresh, "users/1", {"timezone": "Pacific/Pago_Pago"})
    response = httpx.post(
        fresh.base_url + "entries",
        json={"task_id": 4, "date": "2026-12-07", "duration": 3600},
        auth=(fresh.api_key, "X"),
    )
    response.raise_for_status()
    logged = response.json()["entries"][0]["id"]
    preview = await call(
        mcp,
        "create_invoice_from_time",
        {"client_id": 1, "start": "2026-12-07", "end": "2026-12-07", "dry_run": True},
    )
    assert [e for line in preview["invoice"]["items"] for e in line["entries"]] == [logged]


# -- expenses (include_expenses) ----------------------------------------------------------------
#
# The umbrella's expenses, added in Paymo (the expense tools are opt-in; the invoice tool is not):
#   Train    120.50 USD on 03-02 (the range's first day)     in
#   Hotel    310.00 USD on 03-08 (its last day)             in
#   Taxi      25.00 USD on 03-01, Lunch 18.00 USD on 03-09  outside the range
#   Fee      200.00 EUR on 03-05                            another currency: left out, said so
#   Parking   12.00 USD on 03-04, marked invoiced by hand   already billed
# and Acme's 50.00 USD on 03-04 (another client).
# With tax 2.5 % on the time only (the company does not tax expenses, Paymo's usual setting):
#   subtotal 585.00 + 430.50 = 1015.50; tax 14.63; total 1030.13


def paymo_post(sandbox: SandboxServer, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Create a record straight in the sandbox, as someone using Paymo's web app would."""
    response = httpx.post(sandbox.base_url + path, json=body, auth=(sandbox.api_key, "X"))
    response.raise_for_status()
    record: dict[str, Any] = response.json()[path][0]
    return record


def umbrella_expenses(sandbox: SandboxServer, client_id: int) -> dict[str, int]:
    def spend(who: int, notes: str, amount: float, day: str, currency: str = "USD") -> int:
        body = {"client_id": who, "notes": notes, "amount": amount, "date": f"2026-03-{day}"}
        return int(paymo_post(sandbox, "expenses", {**body, "currency": currency})["id"])

    ids = {
        "train": spend(client_id, "Train", 120.50, "02"),
        "hotel": spend(client_id, "Hotel", 310, "08"),
        "taxi": spend(client_id, "Taxi", 25, "01"),
        "lunch": spend(client_id, "Lunch", 18, "09"),
        "fee": spend(client_id, "Fee", 200, "05", "EUR"),
        "parking": spend(client_id, "Parking", 12, "04"),
        "acme": spend(1, "Acme's", 50, "04"),
    }
    paymo_put(sandbox, f"expenses/{ids['parking']}", {"invoiced": True})
    return ids


def expense(sandbox: SandboxServer, expense_id: int) -> dict[str, Any]:
    response = httpx.get(f"{sandbox.base_url}expenses/{expense_id}", auth=(sandbox.api_key, "X"))
    response.raise_for_status()
    record: dict[str, Any] = response.json()["expenses"][0]
    return record


async def test_dry_run_with_expenses_adds_a_line_per_unbilled_expense_of_the_range(
    mcp: Client, fresh: SandboxServer
) -> None:
    ids = await umbrella(mcp)
    spent = umbrella_expenses(fresh, ids["client"])
    args = {"client_id": ids["client"], **WEEK, "tax": 2.5, "dry_run": True}
    preview = await call(mcp, "create_invoice_from_time", {**args, "include_expenses": True})
    invoice = preview["invoice"]
    assert [(i["item"], i["price_unit"], i["quantity"]) for i in invoice["items"]] == [
        *BY_TASK,
        ("Train", 120.5, 1),
        ("Hotel", 310.0, 1),
    ]
    lines = invoice["items"][3:]
    assert [(i["expense_id"], i["apply_tax"], i["description"]) for i in lines] == [
        (spent["train"], False, "Expense of 2026-03-02"),
        (spent["hotel"], False, "Expense of 2026-03-08"),
    ]
    assert (invoice["subtotal"], invoice["tax_amount"], invoice["total"]) == (1015.50, 14.63, 1030.13)
    assert (preview["expenses"], preview["hours"]) == (2, 6.5)
    assert preview["note"] == f"Expenses {spent['fee']} are in another currency than USD: left out."
    # Without the argument the invoice is the time alone, and the answer does not speak of expenses.
    plain = await call(mcp, "create_invoice_from_time", args)
    assert [i["item"] for i in plain["invoice"]["items"]] == [name for name, _, _ in BY_TASK]
    assert "expenses" not in plain and "note" not in plain
    # Nothing was written.
    assert all(expense(fresh, e)["invoiced"] is False for name, e in spent.items() if name != "parking")


async def test_expenses_are_billed_by_their_line_and_a_second_call_does_not_bill_them_again(
    mcp: Client, fresh: SandboxServer
) -> None:
    ids = await umbrella(mcp)
    spent = umbrella_expenses(fresh, ids["client"])
    made = await call(
        mcp, "create_invoice_from_time", {"client_id": ids["client"], **WEEK, "include_expenses": True}
    )
    assert made["expenses"] == 2
    stored = await call(mcp, "get_invoice", {"id": made["invoice"]["id"], "include": ["invoiceitems"]})
    by_expense = {i["expense_id"]: i for i in stored["invoiceitems"] if i["expense_id"] is not None}
    assert set(by_expense) == {spent["train"], spent["hotel"]}
    assert stored["total"] == 585.00 + 430.50
    for name in ("train", "hotel"):  # Paymo marks them invoiced, linked to their own line
        billed = expense(fresh, spent[name])
        assert (billed["invoiced"], billed["invoice_item_id"]) == (True, by_expense[spent[name]]["id"])
    for name in ("taxi", "lunch", "fee", "acme"):
        assert (expense(fresh, spent[name])["invoiced"], expense(fresh, spent[name])["invoice_item_id"]) == (
            False,
            None,
        )
    count = await invoice_count(mcp)
    again = await fails(
        mcp, "create_invoice_from_time", {"client_id": ids["client"], **WEEK, "include_expenses": True}
    )
    assert "expenses are in EUR, not USD; pass currency=EUR to bill them" in again
    # In euros, only the fee is left; after that nothing at all.
    euros = {"client_id": ids["client"], **WEEK, "include_expenses": True, "currency": "EUR"}
    fee = await call(mcp, "create_invoice_from_time", euros)
    assert [(i["item"], i["expense_id"]) for i in fee["invoice"]["invoiceitems"]] == [("Fee", spent["fee"])]
    assert (fee["expenses"], fee["hours"], fee["invoice"]["total"]) == (1, 0, 200.00)
    nothing = await fails(mcp, "create_invoice_from_time", euros)
    assert f"No billable unbilled time or unbilled expenses for client {ids['client']}" in nothing
    assert await invoice_count(mcp) == count + 1


async def test_a_client_with_expenses_and_no_time_gets_an_invoice_of_its_expenses(
    mcp: Client, fresh: SandboxServer
) -> None:
    client = await call(mcp, "create_client", {"name": "Stark Travel"})
    nothing = await fails(
        mcp, "create_invoice_from_time", {"client_id": client["id"], "include_expenses": True}
    )
    assert f"No unbilled time or expenses for client {client['id']} at any date" in nothing
    paymo_put(fresh, "company", {"apply_tax_to_expenses": "1"})  # this company taxes expenses
    spent = paymo_post(fresh, "expenses", {"client_id": client["id"], "amount": 99.99, "currency": "USD"})
    made = await call(
        mcp, "create_invoice_from_time", {"client_id": client["id"], "include_expenses": True, "tax": 10}
    )
    (line,) = made["invoice"]["invoiceitems"]
    assert (line["expense_id"], line["price_unit"], line["apply_tax"]) == (spent["id"], 99.99, True)
    assert (made["invoice"]["subtotal"], made["invoice"]["total"]) == (99.99, 109.99)
    assert expense(fresh, spent["id"])["invoiced"] is True
