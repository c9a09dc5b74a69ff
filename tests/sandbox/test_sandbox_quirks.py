"""What real Paymo does beyond its docs' examples: /__sandbox/quirks switches, roles and plan limits (403)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from paymo_mcp.sandbox import Sandbox
from tests.sandbox.conftest import BASE, many, message, one

pytestmark = pytest.mark.anyio


@pytest.fixture
async def as_user(sandbox: Sandbox) -> AsyncIterator[Any]:
    """`as_user(n)`: a client with seeded user n's own API key (2, 3: Employees; 4: a Guest)."""
    clients: list[httpx.AsyncClient] = []

    def make(user_id: int) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=sandbox)
        client = httpx.AsyncClient(
            transport=transport, base_url=BASE, auth=(f"{sandbox.api_key}-{user_id}", "X")
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def quirks(control: httpx.AsyncClient, **switches: Any) -> dict[str, Any]:
    response = await control.post("quirks", json=switches)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_quirks_endpoint_reports_validates_and_resets(
    sandbox: Sandbox, control: httpx.AsyncClient
) -> None:
    defaults = (await control.get("quirks")).json()
    assert (
        defaults["numbers_as_strings"] is False and defaults["default_tasklist_name"] == "Default Task List"
    )
    assert (await quirks(control, html_descriptions=True))["html_descriptions"] is True
    assert "Unknown quirks: bogus" in (await control.post("quirks", json={"bogus": 1})).json()["message"]
    assert (await control.post("quirks", json={"post_limit": "five"})).status_code == 400
    await control.post("reset")
    assert (await control.get("quirks")).json() == defaults


async def test_numbers_as_strings(control: httpx.AsyncClient, api: httpx.AsyncClient) -> None:
    await quirks(control, numbers_as_strings=True)
    invoice = one(await api.get("invoices/1", params={"include": "invoiceitems"}), "invoices")
    assert (invoice["total"], invoice["tax"], invoice["invoiceitems"][0]["price_unit"]) == (
        "1911.60",
        "20.00",
        "1593.00",
    )
    assert invoice["client_id"] == 1, "ids stay numbers"
    entry = one(await api.get("entries/1"), "entries")
    assert entry["duration"] == "9000" and entry["billed"] is True


async def test_html_descriptions(control: httpx.AsyncClient, api: httpx.AsyncClient) -> None:
    await quirks(control, html_descriptions=True)
    assert (
        one(await api.get("tasks/1"), "tasks")["description"]
        == "<p>Stakeholder interviews for the project.</p>"
    )
    made = one(
        await api.post("tasks", json={"name": "x", "tasklist_id": 1, "description": "a < b\nc"}), "tasks", 201
    )
    assert made["description"] == "<p>a &lt; b<br>c</p>"


async def test_a_localized_default_task_list_is_found_by_its_own_name(
    control: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    first = one(await api.post("tasks", json={"name": "a", "project_id": 4}), "tasks", 201)
    await api.put(f"tasklists/{first['tasklist_id']}", json={"name": "Inbox"})  # renamed by a user
    second = one(await api.post("tasks", json={"name": "b", "project_id": 4}), "tasks", 201)
    assert second["tasklist_id"] != first["tasklist_id"], (
        "a renamed list is not the default: a new one is made"
    )
    await quirks(control, default_tasklist_name="Lista de tareas predeterminada")
    third = one(await api.post("tasks", json={"name": "c", "project_id": 4}), "tasks", 201)
    lists = many(await api.get("tasklists", params={"where": "project_id=4"}), "tasklists")
    assert [t["name"] for t in lists] == [
        "Migration",
        "Inbox",
        "Default Task List",
        "Lista de tareas predeterminada",
    ]
    assert third["tasklist_id"] == lists[-1]["id"]


async def test_a_tight_post_limit_refuses_the_sixth_post_but_not_reads(
    control: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    await quirks(control, post_limit=5, post_period_s=30)
    statuses = [(await api.post("clients", json={"name": f"C{n}"})).status_code for n in range(6)]
    assert statuses == [201] * 5 + [429]
    refused = await api.post("clients", json={"name": "late"})
    assert refused.headers["Retry-After"] and refused.headers["X-Ratelimit-Limit"] == "5"
    assert (await api.get("clients")).status_code == 200 and (
        await api.put("clients/1", json={})
    ).status_code == 200
    assert len(many(await api.get("clients"), "clients")) == 8, "the refused POSTs wrote nothing"


async def test_employees_and_guests_get_403_on_admin_only_endpoints(as_user: Any) -> None:
    maria, gina = as_user(2), as_user(4)
    assert "only an Admin may create invoices" in message(
        await maria.post("invoices", json={"client_id": 1, "currency": "USD"}), 403
    )
    assert "Employee" in message(await maria.get("invoices"), 403)
    assert "Admin" in message(await maria.put("company", json={"name": "Mine"}), 403)
    assert (await maria.get("company")).status_code == 200
    assert message(await maria.post("users", json={"email": "new@x.example"}), 403)
    assert message(await maria.put("users/3", json={"name": "Sammy"}), 403)
    assert one(await maria.put("users/2", json={"phone": "555"}), "users")["phone"] == "555", "own profile"
    assert message(await maria.put("users/2", json={"type": "Admin"}), 403)
    assert message(await maria.post("projects", json={"name": "Side"}), 403)
    assert one(await maria.put("projects/1", json={"color": "#000000"}), "projects")["color"] == "#000000"
    assert message(await maria.put("projects/2", json={"color": "#000000"}), 403), "she manages 1, not 2"
    assert one(await maria.post("tasks", json={"name": "Mine", "tasklist_id": 1}), "tasks", 201)
    mine = {"task_id": 1, "date": "2026-11-30", "duration": 600}
    assert one(await maria.post("entries", json=mine), "entries", 201)["user_id"] == 2
    assert one(await maria.post("entries", json={**mine, "user_id": 3}), "entries", 201), (
        "she manages project 1"
    )
    assert "your own time" in message(await as_user(3).post("entries", json={**mine, "user_id": 2}), 403)
    assert "Guest" in message(await gina.post("tasks", json={"name": "x", "tasklist_id": 1}), 403)
    assert (await gina.get("tasks")).status_code == 200
    assert one(await gina.post("comments", json={"content": "Looks good", "task_id": 1}), "comments", 201)


async def test_plan_limits_answer_403_as_the_docs_word_them(
    control: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    this_month = (await api.get("company")).json()["company"]["current_invoices"]
    await quirks(control, max_projects=4, max_users=4, max_invoices=this_month + 1)
    company = (await api.get("company")).json()["company"]
    assert (company["max_projects"], company["max_users"], company["max_invoices"]) == (4, 4, this_month + 1)
    assert message(await api.post("projects", json={"name": "Fifth"}), 403) == (
        "Adding projects denied. Projects limit reached."
    )
    assert message(await api.post("users", json={"email": "e@x.example"}), 403) == (
        "Could not add user. Maximum number of users reached."
    )
    one(await api.post("invoices", json={"client_id": 1, "currency": "USD"}), "invoices", 201)
    assert "limit" in message(await api.post("invoices", json={"client_id": 1, "currency": "USD"}), 403)
