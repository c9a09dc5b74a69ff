"""The HTTP conventions of paymo-api.md §1-§4: auth, envelopes, status codes, bodies and error shapes."""

from __future__ import annotations

import base64

import httpx
import pytest

from paymo_mcp.sandbox import Sandbox
from paymo_mcp.sandbox.seed import PASSWORD
from tests.sandbox.conftest import BASE, many, message, one

pytestmark = pytest.mark.anyio


def _client(sandbox: Sandbox, **kw: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox), base_url=BASE, **kw)  # type: ignore[arg-type]


async def test_no_credentials_or_a_wrong_key_is_401_with_a_message(sandbox: Sandbox) -> None:
    async with _client(sandbox) as anonymous:
        assert "API key" in message(await anonymous.get("tasks"), 401)
    async with _client(sandbox, auth=("not-the-key", "X")) as wrong:
        message(await wrong.get("me"), 401)


async def test_api_key_is_the_basic_user_name_and_any_password_works(sandbox: Sandbox) -> None:
    for password in ("X", "", "anything at all"):
        async with _client(sandbox, auth=(sandbox.api_key, password)) as client:
            assert one(await client.get("me"), "users")["id"] == 1


async def test_email_and_password_authenticate_a_seeded_user(sandbox: Sandbox) -> None:
    async with _client(sandbox, auth=("maria@northwind.example", PASSWORD)) as client:
        assert one(await client.get("me"), "users")["name"] == "Maria Lopez"
    async with _client(sandbox, auth=("maria@northwind.example", "wrong")) as client:
        message(await client.get("me"), 401)


async def test_a_session_token_works_in_the_x_session_header(
    sandbox: Sandbox, api: httpx.AsyncClient
) -> None:
    session = one(await api.post("sessions"), "sessions", 201)
    assert len(session["id"]) == 32 and session["user_id"] == 1
    async with _client(sandbox, headers={"X-Session": session["id"]}) as client:
        assert one(await client.get("me"), "users")["id"] == 1
        assert (await client.delete(f"sessions/{session['id']}")).status_code == 200
        message(await client.get("me"), 401)


async def test_me_is_the_admin_who_owns_the_key(api: httpx.AsyncClient) -> None:
    me = one(await api.get("me"), "users")
    assert (me["id"], me["type"], me["name"]) == (1, "Admin", "Alex Admin")
    assert "password" not in me and "api_key" not in me


async def test_list_and_get_use_the_plural_envelope_with_an_array(api: httpx.AsyncClient) -> None:
    clients = many(await api.get("clients"), "clients")
    assert len(clients) >= 3
    fetched = one(await api.get(f"clients/{clients[0]['id']}"), "clients")
    assert fetched == clients[0]


async def test_company_is_a_single_object(api: httpx.AsyncClient) -> None:
    company = (await api.get("company")).json()["company"]
    assert isinstance(company, dict) and company["default_currency"] == "USD"
    assert company["next_invoice_number"].isdigit(), "numeric settings come back as strings"
    updated = (await api.put("company", json={"default_tax": 20, "account_type": "free"})).json()["company"]
    assert updated["default_tax"] == "20" and updated["account_type"] == "commercial"
    message(await api.post("company", json={"default_currency": "DOGE"}), 400)


async def test_create_is_201_with_a_location_on_the_request_base(api: httpx.AsyncClient) -> None:
    response = await api.post("clients", json={"name": "Fjord AS", "city": "Oslo"})
    created = one(response, "clients", 201)
    assert response.headers["location"] == f"{BASE}clients/{created['id']}"
    assert created["created_on"].endswith("Z") and created["active"] is True


async def test_update_by_post_or_put_changes_only_what_was_sent(api: httpx.AsyncClient) -> None:
    created = one(await api.post("clients", json={"name": "Fjord AS", "city": "Oslo"}), "clients", 201)
    by_post = one(await api.post(f"clients/{created['id']}", json={"phone": "+47 1"}), "clients")
    by_put = one(await api.put(f"clients/{created['id']}", json={"city": "Bergen"}), "clients")
    assert (by_post["phone"], by_post["city"]) == ("+47 1", "Oslo")
    assert (by_put["phone"], by_put["city"], by_put["name"]) == ("+47 1", "Bergen", "Fjord AS")


async def test_delete_answers_an_empty_object_then_the_id_is_404(api: httpx.AsyncClient) -> None:
    created = one(await api.post("clients", json={"name": "Short lived"}), "clients", 201)
    response = await api.delete(f"clients/{created['id']}")
    assert response.status_code == 200 and response.json() == {}
    assert "no client" in message(await api.get(f"clients/{created['id']}"), 404)
    message(await api.put(f"clients/{created['id']}", json={"name": "x"}), 404)
    message(await api.delete(f"clients/{created['id']}"), 404)


async def test_missing_required_fields_are_named(api: httpx.AsyncClient) -> None:
    assert message(await api.post("clients", json={"city": "Oslo"}), 400) == "Missing required params: name"


async def test_malformed_json_and_non_object_bodies_are_400(api: httpx.AsyncClient) -> None:
    headers = {"Content-Type": "application/json"}
    assert "Malformed JSON" in message(await api.post("clients", content=b"{nope", headers=headers), 400)
    assert "object" in message(await api.post("clients", content=b"[1]", headers=headers), 400)


async def test_form_bodies_are_accepted_and_other_types_refused(api: httpx.AsyncClient) -> None:
    created = one(await api.post("clients", data={"name": "Form Co", "active": "false"}), "clients", 201)
    assert created["name"] == "Form Co" and created["active"] is False
    response = await api.post("clients", content=b"name=x", headers={"Content-Type": "text/plain"})
    assert "Content-Type" in message(response, 400)


async def test_wrong_value_types_name_the_field(api: httpx.AsyncClient) -> None:
    assert "active" in message(await api.post("clients", json={"name": "x", "active": "maybe"}), 400)


async def test_unknown_paths_and_methods_answer_json(api: httpx.AsyncClient) -> None:
    message(await api.get("nonsense"), 404)
    message(await api.get("clients/abc"), 404)
    message(await api.patch("clients/1", json={}), 405)
    assert "JSON only" in message(await api.get("clients", params={"format": "pdf"}), 400)


async def test_basic_auth_header_is_parsed_by_hand_too(sandbox: Sandbox) -> None:
    token = base64.b64encode(f"{sandbox.api_key}:".encode()).decode()
    async with _client(sandbox, headers={"Authorization": f"Basic {token}"}) as client:
        assert (await client.get("me")).status_code == 200
    async with _client(sandbox, headers={"Authorization": "Basic !!!"}) as client:
        message(await client.get("me"), 401)
