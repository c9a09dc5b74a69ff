"""Issue 13's "done when": the everyday requests of a chat, on an account of 6,000+ tasks, each in at most
two calls with no id typed by hand (every id comes from an earlier answer); the walk pages by cursor.

Run with `-s` to print, per request, the calls it took and the size of each answer (the closing note's table).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import TRANSCRIPT, settings_for

pytestmark = pytest.mark.anyio
BULK = 6000
MAX_ANSWER = 40_000


class Chat:
    """An MCP session that counts the calls of each request and the size of each answer."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.log: dict[str, list[tuple[str, int]]] = {}
        self.request = ""

    async def call(self, tool: str, args: dict[str, Any]) -> Any:
        result = await self.client.call_tool(tool, args)
        text = result.content[0].text if result.content else ""  # type: ignore[union-attr]
        TRANSCRIPT.append(text)
        assert not result.is_error, f"{tool} failed: {text}"
        assert len(text) <= MAX_ANSWER, f"{tool}: {len(text)} characters"
        self.log.setdefault(self.request, []).append((tool, len(text)))
        return result.structured_content

    def calls(self, request: str) -> int:
        return len(self.log.get(request, []))


def paymo(sandbox: SandboxServer, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """Paymo read or set directly, past the MCP server: the test's own view of the account."""
    response = httpx.request(method, sandbox.base_url + path, json=body, auth=(sandbox.api_key, "X"))
    response.raise_for_status()
    return response.json()


@pytest.fixture
def account(fresh: SandboxServer) -> SandboxServer:
    """The seeded studio plus 6,000 tasks; every seventh is open and was due last week (overdue)."""
    last_week = (date.today() - timedelta(days=7)).isoformat()
    rows = [
        {
            "name": f"Bulk task {n}",
            "project_id": 2,
            "tasklist_id": 4,
            "description": "Routine work on the mobile app, kept short.",
            "complete": n % 7 != 0,
            "due_date": last_week if n % 7 == 0 else None,
        }
        for n in range(BULK)
    ]
    fresh.app.bulk_insert("tasks", rows)
    return fresh


@pytest.fixture
async def chat(account: SandboxServer) -> AsyncIterator[Chat]:
    async with Client(build_server(settings_for(account))) as client:
        yield Chat(client)


async def test_everyday_requests_take_one_or_two_calls_on_a_6000_task_account(
    chat: Chat, account: SandboxServer
) -> None:
    # "Find the visual design task."
    chat.request = "find a task by part of its name"
    found = await chat.call("list_tasks", {"search": "visual des", "fields": ["name", "project_id"]})
    assert [t["name"] for t in found["tasks"]] == ["Visual design"]
    task = found["tasks"][0]

    # "Log 2h yesterday on it."
    chat.request = "log time on it yesterday"
    logged = await chat.call(
        "log_time", {"entries": [{"task_id": task["id"], "date": "yesterday", "duration": 7200}]}
    )
    me = paymo(account, "GET", "me")["users"][0]
    entries = paymo(account, "GET", f"entries?where=task_id={task['id']}")["entries"]
    yesterday = (date.today() - timedelta(days=1)).isoformat()  # the sandbox user's zone is UTC
    assert [e["duration"] for e in entries if e.get("date") == yesterday] == [7200], logged

    # "Start a timer on it... and stop it." (Paymo keeps no timed entry under a minute: the test lets
    # 30 minutes pass by moving the timer's start back, past the MCP server.)
    chat.request = "start and stop a timer"
    started = await chat.call("start_timer", {"task_id": task["id"], "description": "Polish"})
    entry_id = started["entry"]["id"] if "entry" in started else started["id"]
    half_an_hour_ago = datetime.now().astimezone() - timedelta(minutes=30)
    paymo(
        account, "PUT", f"entries/{entry_id}", {"start_time": half_an_hour_ago.isoformat(timespec="seconds")}
    )
    stopped = await chat.call("stop_timer", {})
    stored = paymo(account, "GET", f"entries/{entry_id}")["entries"][0]
    assert stored["end_time"] is not None and 1790 <= stored["duration"] <= 1900, stopped
    assert paymo(account, "GET", f"entries?where=user_id={me['id']} and end_time=null")["entries"] == []

    # "What is overdue?"
    chat.request = "list what is overdue"
    overdue = await chat.call("list_tasks", {"overdue": True, "fields": ["name", "due_date"], "limit": 2500})
    today = date.today().isoformat()
    seen_overdue = {t["id"] for t in overdue["tasks"]}
    cursor = overdue["next_cursor"]
    while cursor:  # a list that would flood the context stops early; the rest is one cursor away
        page = await chat.call(
            "list_tasks", {"overdue": True, "fields": ["name", "due_date"], "cursor": cursor}
        )
        seen_overdue |= {t["id"] for t in page["tasks"]}
        cursor = page["next_cursor"]
    truth = {
        t["id"]
        for t in paymo(account, "GET", "tasks?where=complete=false")["tasks"]
        if t.get("due_date") and t["due_date"] < today
    }
    assert seen_overdue == truth and len(truth) > BULK // 7

    # "Go through all my tasks" — every task exactly once, page by page.
    chat.request = "walk every task with cursor"
    walked: list[int] = []
    cursor = None
    while True:
        args = {"fields": ["name"], "limit": 2500, **({"cursor": cursor} if cursor else {})}
        page = await chat.call("list_tasks", args)
        walked += [t["id"] for t in page["tasks"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(walked) == len(set(walked)) >= BULK + 15

    # "Acme paid the October invoice."
    chat.request = "record a payment that settles an invoice"
    owed = await chat.call(
        "list_invoices", {"status": ["sent"], "fields": ["number", "total", "outstanding"]}
    )
    invoice = owed["invoices"][0]
    await chat.call("record_invoice_payment", {"invoice_id": invoice["id"], "amount": invoice["outstanding"]})
    settled = paymo(account, "GET", f"invoices/{invoice['id']}")["invoices"][0]
    assert settled["status"] == "paid" and float(settled["outstanding"]) == 0

    # "How much time went where this week?"
    chat.request = "summarize this week by project"
    about_me = await chat.call("get_me", {})
    local_day = date.fromisoformat(str(about_me["now_local"])[:10])
    monday = local_day - timedelta(days=local_day.weekday())
    # Just after midnight on a Monday the timer started half an hour ago is last week's: the range then
    # starts on its day, so it always holds the timer (the sandbox user's zone is UTC).
    monday = min(monday, date.fromisoformat(str(stored["start_time"])[:10]))
    summary = await chat.call(
        "summarize_time", {"start": monday.isoformat(), "end": local_day.isoformat(), "group_by": "project"}
    )
    raw = [
        e
        for e in paymo(account, "GET", "entries")["entries"]
        if (e.get("is_bulk") or e.get("end_time") is not None)  # a running timer is not counted yet
        and monday.isoformat() <= str(e.get("date") or e["start_time"])[:10] <= local_day.isoformat()
    ]
    assert summary["total_seconds"] == sum(int(e["duration"]) for e in raw) >= 1790  # today's timer at least
    assert sum(g["seconds"] for g in summary["groups"]) == summary["total_seconds"]

    for request, calls in chat.log.items():
        if request != "walk every task with cursor":
            assert len(calls) <= 2, (request, calls)
        print(
            f"\n{request}: {len(calls)} call(s); "
            + ", ".join(f"{tool} {size:,} chars" for tool, size in calls)
        )
