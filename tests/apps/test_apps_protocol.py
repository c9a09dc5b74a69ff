"""The MCP Apps extension on the wire, in both protocol eras: the server advertises it, the tools that
have a view name it in `_meta.ui.resourceUri`, `resources/read` answers a self-contained HTML document
as `text/html;profile=mcp-app`; a client without Apps sees the same tools and gets the same answers."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID
from pydantic import SecretStr

from paymo_mcp.apps import VIEWS
from paymo_mcp.config import Settings
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from paymo_mcp.server.http_app import build_http_app
from paymo_mcp.tools.registry import build_tools
from paymo_mcp.tools.views import INVOICE_KEY, TIMESHEET_KEY
from tests.apps.conftest import APPS
from tests.helpers import MAX_ANSWER_CHARS, MCP_HEADERS, call, settings_for
from tests.servers import free_port, serving
from tests.test_invoice_from_time import WEEK, umbrella

pytestmark = pytest.mark.anyio
MODES = ("auto", "legacy")
INFO = {"name": "paymo-mcp-tests", "version": "1"}
BOUND = {
    "summarize_time": "ui://paymo-mcp/timesheet.html",
    "get_invoice": "ui://paymo-mcp/invoice.html",
    "create_invoice_from_time": "ui://paymo-mcp/invoice.html",
}
# Anything that would reach past the document: the host's CSP forbids it, and a view must not need it.
EXTERNAL = re.compile(
    r"""(?:src|href|action)\s*=\s*["']?(?:https?:)?//|@import|url\(\s*["']?(?:https?:)?//|"""
    r"""\bfetch\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon|importScripts|<iframe""",
    re.IGNORECASE,
)


def offline_server() -> Any:
    return build_server(Settings(api_key=SecretStr("x"), base_url="http://127.0.0.1:1/api/"))


async def test_the_server_advertises_the_apps_extension() -> None:
    # Only the 2026-07-28 handshake has a server `extensions` capability: the 2025-11-25 schema has
    # none, so the SDK's legacy handshake cannot carry it. Hosts of that era go by the tools' _meta.ui
    # (the ext-apps spec asks no server advertisement of them); see the legacy HTTP test below.
    async with Client(offline_server(), extensions=APPS) as client:
        assert client.server_capabilities.extensions == {EXTENSION_ID: {}}
    async with Client(offline_server()) as client:
        assert EXTENSION_ID in (client.server_capabilities.extensions or {})


@pytest.mark.parametrize("version", ["2025-06-18", "2025-11-25"])
def test_a_legacy_host_over_http_gets_the_views_and_their_data(fresh: SandboxServer, version: str) -> None:
    """As today's hosts speak: `initialize` with capabilities.extensions, then the tools and a call."""
    port = free_port()
    app = build_http_app(build_server(settings_for(fresh)), host="127.0.0.1", port=port, auth_token=None)
    ui = {EXTENSION_ID: {"mimeTypes": [APP_MIME_TYPE]}}
    with serving(app, port) as url, httpx.Client(base_url=url, headers=MCP_HEADERS) as http:

        def rpc(method: str, params: dict[str, Any] | None = None, id: int | None = 1) -> Any:
            body: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params or {}}
            if id is not None:
                body["id"] = id
            response = http.post("/mcp", json=body)
            response.raise_for_status()
            if "mcp-session-id" in response.headers:
                http.headers["mcp-session-id"] = response.headers["mcp-session-id"]
            return sse_json(response.text)["result"] if id is not None else None

        init = {"protocolVersion": version, "capabilities": {"extensions": ui}, "clientInfo": INFO}
        assert rpc("initialize", init)["protocolVersion"] == version
        http.headers["mcp-protocol-version"] = version
        rpc("notifications/initialized", id=None)
        tools = {t["name"]: t.get("_meta", {}) for t in rpc("tools/list")["tools"]}
        assert {name: tools[name]["ui"]["resourceUri"] for name in BOUND} == BOUND
        read = rpc("resources/read", {"uri": BOUND["summarize_time"]})["contents"][0]
        assert read["mimeType"] == APP_MIME_TYPE
        result = rpc("tools/call", {"name": "summarize_time", "arguments": WEEK})
        assert TIMESHEET_KEY in result["_meta"] and "structuredContent" in result


def sse_json(text: str) -> Any:
    """The JSON-RPC message of a streamable-HTTP answer, whether plain JSON or one SSE event."""
    lines = [line[5:] for line in text.splitlines() if line.startswith("data:")]
    return json.loads(lines[-1] if lines else text)


@pytest.mark.parametrize("mode", MODES)
async def test_ui_tools_name_a_resource_that_reads_as_a_self_contained_mcp_app(mode: str) -> None:
    async with Client(offline_server(), mode=mode, extensions=APPS) as client:
        tools = (await client.list_tools()).tools
        bound = {t.name: (t.meta or {})["ui"]["resourceUri"] for t in tools if (t.meta or {}).get("ui")}
        assert bound == BOUND
        listed = {str(r.uri): r for r in (await client.list_resources()).resources}
        for uri in set(BOUND.values()):
            assert listed[uri].mime_type == APP_MIME_TYPE
            [content] = (await client.read_resource(uri)).contents
            assert (str(content.uri), content.mime_type) == (uri, APP_MIME_TYPE)
            html: str = content.text  # type: ignore[union-attr]
            assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
            assert len(html.encode()) < 60_000, f"{uri}: {len(html.encode()):,} bytes"
            assert "/*SHARED_" not in html, "the shared CSS and script are inlined"
            assert not EXTERNAL.search(html), f"{uri} reaches outside: {EXTERNAL.search(html)}"
            assert "ui/initialize" in html and "tools/call" in html


async def test_the_model_sees_the_same_tools_as_without_views() -> None:
    """Views add `_meta` only: names, titles, descriptions, schemas and annotations are unchanged."""
    settings = Settings(api_key=SecretStr("x"), base_url="http://127.0.0.1:1/api/")
    plain = {t.name: t for t in build_tools(settings)}
    async with Client(build_server(settings)) as client:
        served = (await client.list_tools()).tools
    assert [t.name for t in served] == list(plain)
    for tool in served:
        before = plain[tool.name]
        assert (tool.title, tool.description, tool.input_schema) == (
            before.title,
            before.description,
            before.parameters,
        )
        assert tool.annotations == before.annotations
    assert {v.uri for v in VIEWS} == set(BOUND.values())


def answer(result: Any) -> tuple[str, Any, bool]:
    return result.content[0].text, result.structured_content, result.is_error


@pytest.mark.parametrize("mode", MODES)
async def test_a_client_without_apps_gets_exactly_the_answers_it_got_before(
    fresh: SandboxServer, mode: str
) -> None:
    server = build_server(settings_for(fresh))
    async with Client(server, mode=mode) as plain:
        ids = await umbrella(plain)
    calls: list[tuple[str, dict[str, Any]]] = [
        ("summarize_time", {**WEEK, "group_by": "task"}),
        ("create_invoice_from_time", {"client_id": ids["client"], **WEEK, "tax": 3, "dry_run": True}),
        ("get_invoice", {"id": 2}),
    ]
    async with (
        Client(build_server(settings_for(fresh)), mode=mode) as plain,
        Client(build_server(settings_for(fresh)), mode=mode, extensions=APPS) as apps,
    ):
        for tool, args in calls:
            without = await plain.call_tool(tool, args)
            with_apps = await apps.call_tool(tool, args)
            assert answer(without) == answer(with_apps), tool
            assert not [k for k in (without.meta or {}) if k.startswith("paymo-mcp/")], tool
        summary = await apps.call_tool("summarize_time", {**WEEK, "group_by": "task"})
        grid = (summary.meta or {})[TIMESHEET_KEY]
        assert (grid["start"], grid["days"]) == ("2026-03-02", 7)
        preview = await apps.call_tool("create_invoice_from_time", calls[1][1])
        view = (preview.meta or {})[INVOICE_KEY]
        assert view["client"]["name"] == "Umbrella Research"
        assert view["arguments"] == {**calls[1][1], "group_by": "task", "dry_run": False}


async def test_a_busy_months_grid_fits_one_answer_and_still_adds_up(
    fresh: SandboxServer, apps_mcp: Client
) -> None:
    """1,200 tasks with time on 8 days each: the smallest fold into one row, the totals stay whole."""
    tasks = fresh.app.bulk_insert(
        "tasks",
        [{"name": f"Task {n} " + "x" * 60, "project_id": 1 + n % 4, "tasklist_id": 1} for n in range(1200)],
    )
    fresh.app.bulk_insert(
        "entries",
        [
            {
                "task_id": t,
                "user_id": 1 + n % 3,
                "date": f"2026-02-{2 + (n + d) % 26:02d}",
                "duration": 600 + n,
                "is_bulk": True,
            }
            for n, t in enumerate(tasks)
            for d in range(8)
        ],
    )
    result = await apps_mcp.call_tool("summarize_time", {"start": "2026-02-01", "end": "2026-02-28"})
    summary, grid = result.structured_content, (result.meta or {})[TIMESHEET_KEY]
    assert len(json.dumps(grid, separators=(",", ":"))) <= MAX_ANSWER_CHARS
    assert len(result.content[0].text) <= MAX_ANSWER_CHARS  # type: ignore[union-attr]
    assert grid["rows"][-1]["folded"] > 0 and len(grid["rows"]) < 1200
    cells = [c for row in grid["rows"] for c in row["cells"]]
    assert sum(c[1] for c in cells) == summary["total_seconds"]
    assert sum(c[2] for c in cells) == summary["billable_seconds"]
    assert summary["entries"] == 9600


async def test_the_running_timer_is_in_the_grid(apps_mcp: Client) -> None:
    running = await call(apps_mcp, "create_time_entry", {"task_id": 4, "start_time": "2026-03-03T08:00:00Z"})
    result = await apps_mcp.call_tool("summarize_time", WEEK)
    timer = (result.meta or {})[TIMESHEET_KEY]["running"]
    assert timer == {
        "id": running["id"],
        "task_id": 4,
        "task": "Visual design",
        "project": "Website Redesign",
        "start_time": "2026-03-03T08:00:00Z",
        "description": "",
    }
