"""Expenses (the opt-in toolset `expenses`) through an MCP client against the sandbox over loopback HTTP:
create -> get -> list by each filter -> update -> delete, invoicing through an invoice line's
`expense_id`, watch_new_expenses in both modes, wrong input named, and where the tools are served."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import mcp_types as types
import pytest
from mcp import Client
from mcp.client.session import ClientRequestContext

from paymo_mcp.config import parse_toolsets
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import TRANSCRIPT, call, control, fails, paymo_env, settings_for
from tests.servers import free_port
from tests.test_resources_roundtrip import make_world
from tests.test_surfaces import spawned
from tests.test_watch_tools import api_log, flush, our_hooks

pytestmark = pytest.mark.anyio
EXPENSE_TOOLS = {
    "list_expenses",
    "get_expense",
    "watch_new_expenses",
    "create_expense",
    "update_expense",
    "delete_expense",
}
TRAVEL = {"amount": 223.26, "currency": "usd", "date": "2026-03-28", "notes": "Travel to Boston"}


@pytest.fixture
async def mcp(fresh: SandboxServer) -> AsyncIterator[Client]:
    """Every toolset: expenses next to the clients, projects and invoices they point at."""
    async with Client(build_server(settings_for(fresh, toolsets=parse_toolsets("all")))) as client:
        yield client


class Confirmer:
    """An eliciting client's user who answers yes and keeps the questions."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    async def __call__(self, context: ClientRequestContext, params: types.ElicitRequestParams) -> Any:
        self.messages.append(params.message)
        TRANSCRIPT.append(params.message)
        return types.ElicitResult(action="accept", content={"confirm": True})


async def ids_of(mcp: Client, **filters: Any) -> list[int]:
    page = await call(mcp, "list_expenses", {**filters, "limit": 2500})
    assert page["count"] == len(page["expenses"])
    return [e["id"] for e in page["expenses"]]


async def test_create_get_list_by_each_filter_update_and_delete(fresh: SandboxServer) -> None:
    user = Confirmer()
    settings = settings_for(fresh, toolsets=parse_toolsets("all"))
    async with Client(build_server(settings), elicitation_callback=user) as mcp:
        ids = await make_world(mcp)
        body = {"client_id": ids["client"], "project_id": ids["project"], **TRAVEL, "tags": ["Mileage"]}
        created = await call(mcp, "create_expense", body)
        expense_id = created["id"]
        assert (created["client_id"], created["project_id"], created["user_id"]) == (
            ids["client"],
            ids["project"],
            ids["user"],
        )
        assert (created["amount"], created["currency"], created["date"]) == (223.26, "USD", "2026-03-28")
        assert (created["invoiced"], created["invoice_item_id"], created["tags"]) == (
            False,
            None,
            ["Mileage"],
        )
        assert await call(mcp, "get_expense", {"id": expense_id}) == created

        # Acme's expense (seeded client 1, project 1), on another day: each filter tells them apart.
        other = await call(
            mcp, "create_expense", {"client_id": 1, "project_id": 1, **TRAVEL, "date": "2026-04-02"}
        )
        mine, theirs = expense_id, other["id"]
        for filters, kept, left_out in (
            ({"client_id": ids["client"]}, mine, theirs),
            ({"project_id": ids["project"]}, mine, theirs),
            ({"user_id": ids["user"]}, mine, None),
            ({"invoiced": False}, mine, None),
            ({"date_after": "2026-03-28", "date_before": "2026-03-28"}, mine, theirs),  # inclusive, both ends
            ({"date_after": "2026-03-29"}, theirs, mine),
            ({"date_before": "2026-04-01"}, mine, theirs),
            ({"search": "BOSTON", "client_id": ids["client"]}, mine, theirs),
        ):
            found = await ids_of(mcp, **filters)
            assert kept in found, filters
            assert left_out not in found, filters
        assert mine not in await ids_of(mcp, invoiced=True)

        # Update: a change is kept, what was omitted stays, null clears.
        updated = await call(mcp, "update_expense", {"id": mine, "amount": 250})
        assert updated["amount"] == 250
        assert {k: updated[k] for k in ("notes", "tags", "date", "project_id", "currency")} == {
            k: created[k] for k in ("notes", "tags", "date", "project_id", "currency")
        }
        cleared = await call(
            mcp, "update_expense", {"id": mine, "project_id": None, "notes": None, "tags": []}
        )
        assert (cleared["project_id"], cleared["notes"], cleared["tags"], cleared["amount"]) == (
            None,
            None,
            [],
            250,
        )

        # Delete asks first, like every delete; afterwards get says there is no such expense.
        assert await call(mcp, "delete_expense", {"id": mine}) == {"id": mine, "deleted": True}
        assert user.messages == [f"Delete expense {mine}? This cannot be undone."]
        gone = await fails(mcp, "get_expense", {"id": mine})
        assert f"id {mine}: no such expense (Paymo: 404); find ids with list_expenses" in gone


async def test_an_invoice_line_bills_the_expense_and_removing_the_line_unbills_it(mcp: Client) -> None:
    expense = await call(mcp, "create_expense", {"client_id": 2, **TRAVEL})
    line = {"item": "Expense", "price_unit": 223.26, "quantity": 1, "expense_id": expense["id"]}
    invoice = await call(mcp, "create_invoice", {"client_id": 2, "currency": "USD", "items": [line]})
    items = (await call(mcp, "get_invoice", {"id": invoice["id"], "include": ["invoiceitems"]}))[
        "invoiceitems"
    ]
    billed = await call(mcp, "get_expense", {"id": expense["id"], "include": ["invoiceitems"]})
    assert (billed["invoiced"], billed["invoice_item_id"]) == (True, items[0]["id"])
    assert [i["id"] for i in billed["invoiceitems"]] == [items[0]["id"]]  # the child include: its line
    assert expense["id"] in await ids_of(mcp, invoiced=True)
    assert expense["id"] not in await ids_of(mcp, invoiced=False)

    await call(
        mcp,
        "update_invoice",
        {"id": invoice["id"], "items": [{"item": "Other", "price_unit": 1, "quantity": 1}]},
    )
    unbilled = await call(mcp, "get_expense", {"id": expense["id"]})
    assert (unbilled["invoiced"], unbilled["invoice_item_id"]) == (False, None)

    # Marked by hand, as expenses.md allows, without an invoice; and unmarked again.
    marked = await call(mcp, "update_expense", {"id": expense["id"], "invoiced": True})
    assert (marked["invoiced"], marked["invoice_item_id"]) == (True, None)
    assert (await call(mcp, "update_expense", {"id": expense["id"], "invoiced": False}))["invoiced"] is False


async def test_deleting_an_invoiced_expense_keeps_its_invoice_line(mcp: Client) -> None:
    expense = await call(mcp, "create_expense", {"client_id": 2, **TRAVEL})
    line = {"item": "Expense", "price_unit": 223.26, "quantity": 1, "expense_id": expense["id"]}
    invoice = await call(mcp, "create_invoice", {"client_id": 2, "currency": "USD", "items": [line]})
    await call(mcp, "delete_expense", {"id": expense["id"]})
    after = await call(mcp, "get_invoice", {"id": invoice["id"], "include": ["invoiceitems"]})
    assert after["total"] == invoice["total"] == 223.26
    assert [(i["item"], i["expense_id"]) for i in after["invoiceitems"]] == [("Expense", None)]


async def test_every_documented_include_is_accepted(mcp: Client) -> None:
    expense = await call(mcp, "create_expense", {"client_id": 1, "project_id": 1, **TRAVEL})
    got = await call(
        mcp, "get_expense", {"id": expense["id"], "include": ["client", "project", "user", "invoiceitems"]}
    )
    assert (got["client"]["name"], got["project"]["name"], got["user"]["id"]) == (
        "Acme Corporation",
        "Website Redesign",
        1,
    )
    assert got["invoiceitems"] == []
    page = await call(
        mcp, "list_expenses", {"client_id": 1, "fields": ["amount"], "include": ["client.name"]}
    )
    assert page["expenses"] == [
        {"id": expense["id"], "amount": 223.26, "client": {"name": "Acme Corporation"}}
    ]


async def test_bad_input_names_the_field_and_wrong_ids_name_the_tool_that_finds_them(
    mcp: Client, fresh: SandboxServer
) -> None:
    before = len(control(fresh, "requests"))
    for args, wanted in (
        ({"client_id": 1, "currency": "USD"}, "amount: required"),
        ({"client_id": 1, "amount": 5}, "currency: required"),
        ({"amount": 5, "currency": "USD"}, "client_id: required"),
        ({"client_id": 1, "amount": 0, "currency": "USD"}, "amount: Input should be greater than 0"),
        ({"client_id": 1, "amount": 5, "currency": "dollars"}, "currency: 'dollars' is not a currency code"),
        ({"client_id": 1, "amount": 5, "currency": "USD", "tags": [""]}, "tags.0:"),
        ({"client_id": 1, "amount": 5, "currency": "USD", "date": "28/03/2026"}, "date:"),
        ({"client_id": 1, "amount": 5, "currency": "USD", "invoiced": True}, "unknown argument 'invoiced'"),
    ):
        assert wanted in await fails(mcp, "create_expense", args), args
    assert "amount: cannot be null" in await fails(mcp, "update_expense", {"id": 1, "amount": None})
    assert "Nothing to update" in await fails(mcp, "update_expense", {"id": 1})
    assert len(control(fresh, "requests")) == before  # all refused before asking Paymo

    no_client = await fails(mcp, "create_expense", {"client_id": 99999, "amount": 5, "currency": "USD"})
    assert "client_id 99999: no such client; find ids with list_clients" in no_client
    no_project = await fails(mcp, "create_expense", {"client_id": 1, "project_id": 99999, **TRAVEL})
    assert "project_id 99999: no such project; find ids with list_projects" in no_project
    not_theirs = await fails(mcp, "create_expense", {"client_id": 1, "project_id": 3, **TRAVEL})
    assert "project_id" in not_theirs and "belongs to client 2" in not_theirs
    for tool in ("get_expense", "update_expense", "delete_expense"):
        wrong: dict[str, Any] = {"id": 99999, **({"notes": "x"} if tool == "update_expense" else {})}
        said = await fails(mcp, tool, wrong)
        assert "id 99999: no such expense (Paymo: 404); find ids with list_expenses" in said, tool
    assert "unknown include 'invoice'" in await fails(mcp, "list_expenses", {"include": ["invoice"]})
    assert "unknown field 'total'" in await fails(mcp, "list_expenses", {"fields": ["total"]})


async def test_the_tools_are_opt_in(fresh: SandboxServer) -> None:
    async with Client(build_server(settings_for(fresh))) as default:
        names = {t.name for t in (await default.list_tools()).tools}
        templates = {t.uri_template for t in (await default.list_resource_templates()).resource_templates}
    assert not names & EXPENSE_TOOLS and "paymo://expenses/{expense_id}" not in templates
    assert "create_invoice" in names  # the default server is otherwise whole
    async with spawned(["--toolsets", "expenses"], paymo_env(fresh)) as alone:
        assert {t.name for t in (await alone.list_tools()).tools} == EXPENSE_TOOLS
        made = await call(alone, "create_expense", {"client_id": 1, "amount": 12.5, "currency": "EUR"})
        assert made["currency"] == "EUR" and made["date"]  # today by default
    async with spawned(["--toolsets", "all"], paymo_env(fresh)) as everything:
        assert {t.name for t in (await everything.list_tools()).tools} >= EXPENSE_TOOLS


async def test_the_record_resource_template_reads_one_expense(mcp: Client) -> None:
    templates = {t.uri_template for t in (await mcp.list_resource_templates()).resource_templates}
    assert "paymo://expenses/{expense_id}" in templates
    expense = await call(mcp, "create_expense", {"client_id": 1, **TRAVEL})
    contents = (await mcp.read_resource(f"paymo://expenses/{expense['id']}")).contents
    record = json.loads(contents[0].text)  # type: ignore[union-attr]
    assert (record["id"], record["notes"], record["amount"]) == (expense["id"], "Travel to Boston", 223.26)


async def test_watch_new_expenses_polling_returns_each_new_expense_once(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    settings = settings_for(fresh, state_dir=tmp_path, toolsets=("expenses",))
    async with Client(build_server(settings)) as mcp:
        first = await call(mcp, "watch_new_expenses", {})
        assert first["count"] == 0 and first["mode"] == "polling"
        narrowed = await call(mcp, "watch_new_expenses", {"watcher": "globex", "client_id": 2})
        assert narrowed["count"] == 0
        acme = await call(mcp, "create_expense", {"client_id": 1, **TRAVEL})
        globex = await call(mcp, "create_expense", {"client_id": 2, **TRAVEL})
        got = await call(mcp, "watch_new_expenses", {})
        assert [e["id"] for e in got["expenses"]] == [acme["id"], globex["id"]]
        assert (await call(mcp, "watch_new_expenses", {}))["expenses"] == []  # each once
        only = await call(mcp, "watch_new_expenses", {"watcher": "globex", "client_id": 2})
        assert [e["id"] for e in only["expenses"]] == [globex["id"]]


async def test_watch_new_expenses_instant_mode_registers_a_hook_and_takes_deliveries(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    port = free_port()
    settings = settings_for(
        fresh,
        state_dir=tmp_path,
        toolsets=("expenses",),
        webhook_url=f"http://127.0.0.1:{port}",
        webhook_port=port,
    )
    async with Client(build_server(settings)) as mcp:

        async def mode() -> str:
            contents = (await mcp.read_resource("paymo://watch/expenses")).contents
            return str(json.loads(contents[0].text)["mode"])  # type: ignore[union-attr]

        with anyio.fail_after(60):
            while await mode() != "instant":
                await anyio.sleep(0.02)
        assert [h["event"] for h in await our_hooks(fresh, port)] == ["model.insert.Expense"]
        await call(mcp, "watch_new_expenses", {})  # the watcher starts
        made = await call(mcp, "create_expense", {"client_id": 1, **TRAVEL})
        httpx.delete(fresh.base_url.replace("/api/", "/__sandbox/requests")).raise_for_status()
        assert (await flush(fresh))["delivered"] >= 1
        got = await call(mcp, "watch_new_expenses", {})
        assert [e["id"] for e in got["expenses"]] == [made["id"]] and got["mode"] == "instant"
        assert got["expenses"][0]["client"] == {"name": "Acme Corporation"}  # the delivery's extras
        assert api_log(fresh, "GET", "/api/expenses") == []  # taken from the delivery, not a poll
        assert (await call(mcp, "watch_new_expenses", {}))["expenses"] == []
