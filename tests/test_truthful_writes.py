"""A write never claims more than Paymo did: what Paymo did not keep is reported, answers in Paymo's
other forms (numbers as strings, HTML) are not mistaken for changes, and input that cannot be sent is
refused in one line naming the field (issue 12; issue 11 §4; audit D3, D26, 4.1)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from paymo_mcp.server.http_app import build_http_app
from tests.helpers import INIT, MCP_HEADERS, call, control, fails, settings_for
from tests.servers import free_port, serving

pytestmark = pytest.mark.anyio


def api_requests(sandbox: SandboxServer) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = control(sandbox, "requests")
    return [r for r in log if r["path"].startswith("/api/")]


class Rewriting(httpx.AsyncBaseTransport):
    """Real loopback HTTP to the sandbox, with each JSON answer rewritten: Paymo's other forms, on demand."""

    def __init__(self, rewrite: Callable[[Any], Any]) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.rewrite = rewrite

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        if "json" not in response.headers.get("content-type", "") or not body:
            return httpx.Response(response.status_code, headers=response.headers, content=body)
        text = json.dumps(self.rewrite(json.loads(body)))
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return httpx.Response(response.status_code, headers=headers, content=text.encode())

    async def aclose(self) -> None:
        await self.inner.aclose()


def each_value(node: Any, change: Callable[[str, Any], Any]) -> Any:
    """`node` with every dict value replaced by `change(key, value)` (which returns it as is to recurse)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            changed = change(key, value)
            out[key] = each_value(value, change) if changed is value else changed
        return out
    if isinstance(node, list):
        return [each_value(n, change) for n in node]
    return node


def numbers_as_strings(node: Any) -> Any:
    """Every number but an id as a string, as Paymo sends company settings ("204.00", "3600")."""
    number = (int, float)
    return each_value(
        node, lambda k, v: str(v) if isinstance(v, number) and not isinstance(v, bool) and k != "id" else v
    )


def html_descriptions(node: Any) -> Any:
    """Descriptions as the web app stores them: wrapped in HTML."""
    return each_value(
        node,
        lambda k, v: f"<p>{v.replace('&', '&amp;')}</p>" if k == "description" and isinstance(v, str) else v,
    )


def renaming_tasks(node: Any) -> Any:
    """A Paymo that keeps every task's name as it was: whatever name is asked, 'Unchanged' comes back."""
    if isinstance(node, dict) and isinstance(node.get("tasks"), list):
        return {**node, "tasks": [{**t, "name": "Unchanged"} for t in node["tasks"]]}
    return node


# -- what Paymo did not keep is said -------------------------------------------------------------


async def test_an_update_reports_a_field_paymo_kept_differently(mcp: Client) -> None:
    # Paymo keeps managers inside users (projects.md), so asking users [1] with manager 2 keeps [1, 2].
    project = await call(mcp, "update_project", {"id": 1, "users": [1], "managers": [2]})
    assert project["users"] == [1, 2]
    assert project["warning"] == "Paymo did not apply everything asked: users: asked [1], Paymo kept [1,2]."


async def test_a_field_paymo_ignores_is_reported_not_dropped(fresh: SandboxServer) -> None:
    async with Client(build_server(settings_for(fresh), transport=Rewriting(renaming_tasks))) as client:
        task = await call(client, "update_task", {"id": 7, "name": "Templates", "priority": "high"})
    assert task["priority"] == 75
    assert task["warning"] == (
        'Paymo did not apply everything asked: name: asked "Templates", Paymo kept "Unchanged".'
    )


async def test_an_update_paymo_kept_in_full_carries_no_warning(mcp: Client) -> None:
    task = await call(
        mcp,
        "update_task",
        {"id": 7, "name": "Templates", "budget_hours": 12.5, "due_date": "2026-12-24", "users": [3, 1]},
    )
    assert "warning" not in task and task["budget_hours"] == 12.5


async def test_paymos_other_forms_are_not_mistaken_for_changes(fresh: SandboxServer) -> None:
    # Numbers as strings ("12.5"), HTML around text, id lists in another order: all kept as asked.
    def both(body: Any) -> Any:
        return html_descriptions(numbers_as_strings(body))

    async with Client(build_server(settings_for(fresh), transport=Rewriting(both))) as client:
        task = await call(
            client,
            "update_task",
            {"id": 7, "budget_hours": 12.5, "description": "Fish & chips", "users": [3, 1], "priority": 75},
        )
        entry = await call(
            client,
            "create_time_entry",
            {
                "task_id": 7,
                "start_time": "2026-03-02T09:00:00+01:00",
                "end_time": "2026-03-02T10:30:00+01:00",
            },
        )
    assert (task["budget_hours"], task["description"]) == ("12.5", "<p>Fish &amp; chips</p>")
    assert "warning" not in task
    assert entry["start_time"] == "2026-03-02T08:00:00Z" and "warning" not in entry


async def test_create_time_entry_sends_its_invoice_line_and_never_drops_it_silently(mcp: Client) -> None:
    # D3: entries.md documents invoice_item_id as writable. Whatever the account does with it, the answer
    # either shows it kept or says it was not.
    invoice = await call(
        mcp,
        "create_invoice",
        {"client_id": 1, "currency": "USD", "items": [{"item": "Design", "price_unit": 95, "quantity": 1}]},
    )
    full = await call(mcp, "get_invoice", {"id": invoice["id"], "include": ["invoiceitems"]})
    line = full["invoiceitems"][0]["id"]
    entry = await call(
        mcp,
        "create_time_entry",
        {"task_id": 4, "date": "2026-11-04", "duration": "1h", "invoice_item_id": line},
    )
    kept = entry["invoice_item_id"] == line
    assert kept or f"invoice_item_id: asked {line}, Paymo kept null" in entry["warning"], entry


# -- list fields ----------------------------------------------------------------------------------


async def test_an_unknown_field_name_is_refused_naming_the_known_ones(
    mcp: Client, fresh: SandboxServer
) -> None:
    before = len(api_requests(fresh))
    text = await fails(mcp, "list_tasks", {"fields": ["nme", "due"]})
    assert "fields" in text and "unknown field 'nme', 'due'" in text
    assert "known: id, name, code" in text and "due_date" in text
    assert len(api_requests(fresh)) == before, "refused before asking Paymo"


async def test_fields_select_and_keep_the_included_records(mcp: Client) -> None:
    page = await call(mcp, "list_tasks", {"fields": ["name", "due_date"], "include": ["project"], "limit": 2})
    for task in page["tasks"]:
        assert set(task) == {"id", "name", "due_date", "project"}
        assert task["project"]["name"]


# -- numbers as strings in answers (audit 4.1) -----------------------------------------------------


async def test_answers_with_numbers_as_strings_pass_a_client_validating_the_output_schema(
    fresh: SandboxServer,
) -> None:
    # mcp.Client checks structuredContent against each tool's outputSchema: "204.00" must be allowed.
    async with Client(build_server(settings_for(fresh), transport=Rewriting(numbers_as_strings))) as client:
        invoice = await call(client, "get_invoice", {"id": 1})
        entries = await call(client, "list_time_entries", {"limit": 3})
        task = await call(client, "get_task", {"id": 1})
        me = await call(client, "get_me")
    assert isinstance(invoice["total"], str) and isinstance(invoice["client_id"], str)
    assert all(isinstance(e["duration"], str) for e in entries["time_entries"])
    assert isinstance(task["project_id"], str) and me["id"] == 1


# -- input that cannot be sent: one line naming the field, nothing sent --------------------------


async def test_a_new_invoice_line_on_update_needs_item_price_and_quantity(
    mcp: Client, fresh: SandboxServer
) -> None:
    # D26: invoices.md: a new item has item, price_unit, quantity. The create check holds on update too.
    before = len(api_requests(fresh))
    text = await fails(mcp, "update_invoice", {"id": 1, "items": [{"item": "Extra"}]})
    assert "items: item 0: a new line needs item, price_unit and quantity" in text
    assert len(api_requests(fresh)) == before


def raw_calls(sandbox: SandboxServer, calls: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """tools/call over streamable HTTP with raw JSON arguments (`1e999` is JSON no Python client sends)."""
    port = free_port()
    app = build_http_app(build_server(settings_for(sandbox)), host="127.0.0.1", port=port, auth_token=None)

    def post(url: str, headers: dict[str, str], body: str) -> dict[str, Any]:
        with httpx.stream("POST", url, content=body, headers=headers, timeout=30) as response:
            for line in response.iter_lines():
                if line.startswith("data:") and line[5:].strip():
                    answer: dict[str, Any] = json.loads(line[5:])
                    return answer
        raise AssertionError("no answer")

    with serving(app, port) as base:
        url = f"{base}/mcp"
        with httpx.stream("POST", url, json=INIT, headers=MCP_HEADERS, timeout=30) as response:
            session = response.headers.get("mcp-session-id")
            next(line for line in response.iter_lines() if line.startswith("data:"))
        headers = {**MCP_HEADERS, **({"mcp-session-id": session} if session else {})}
        httpx.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers)
        return [
            post(
                url,
                headers,
                f'{{"jsonrpc":"2.0","id":{n},"method":"tools/call",'
                f'"params":{{"name":"{tool}","arguments":{arguments}}}}}',
            )
            for n, (tool, arguments) in enumerate(calls, 2)
        ]


# Issue 11 §4: `budget_hours: 1e999` (infinity in JSON) and a 5000-digit id gave a bare
# "Error executing tool" (or Paymo's 500 quoting the whole id).
RAW_CASES = [
    ("update_project", '{"id":1,"budget_hours":1e999}', "budget_hours", "finite number"),
    ("create_invoice", '{"client_id":1,"currency":"USD","tax":-1e999}', "tax", "finite number"),
    ("update_time_entry", '{"id":1,"duration":1e999}', "duration", "duration"),
    ("get_task", '{"id":' + "9" * 4000 + "}", "id", "too large for a Paymo id"),
    ("get_task", '{"id":9223372036854775808}', "id", "too large for a Paymo id"),
    ("list_tasks", '{"project_id":' + "1" * 30 + "}", "project_id", "too large for a Paymo id"),
]


def test_numbers_json_or_paymo_cannot_take_are_refused_in_one_line(fresh: SandboxServer) -> None:
    answers = raw_calls(fresh, [(tool, arguments) for tool, arguments, _, _ in RAW_CASES])
    for (tool, _, field, why), answer in zip(RAW_CASES, answers, strict=True):
        text = answer["result"]["content"][0]["text"]
        assert answer["result"]["isError"] is True, (tool, text)
        assert f"Invalid arguments: {field}" in text and why in text, text
        assert len(text) < 300 and "\n" not in text, text
    assert api_requests(fresh) == [], "nothing reached Paymo"


async def test_a_huge_id_from_a_python_client_is_refused_too(mcp: Client, fresh: SandboxServer) -> None:
    # A 5000-digit id is beyond JSON-RPC parsing over HTTP (-32700); in process it reaches the tool.
    text = await fails(mcp, "get_task", {"id": 10**4999})
    assert "id: too large for a Paymo id" in text and "over 40 digits" in text and len(text) < 300
    assert api_requests(fresh) == []
