"""Issue 13: every list tool finds records by part of their name (or number, title, description), in any
case, with Paymo's `like` doing the filtering; an ambiguous search answers with all the candidates."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from tests.helpers import call, control, fails

pytestmark = pytest.mark.anyio


def wheres(sandbox: SandboxServer, path: str) -> list[str]:
    """The `where` of each GET the sandbox answered on `path`."""
    return [
        parse_qs(r["query"]).get("where", [""])[0]
        for r in control(sandbox, "requests")
        if r["method"] == "GET" and r["path"] == path
    ]


def names(page: dict[str, Any], key: str, field: str = "name") -> list[str]:
    return [r[field] for r in page[key]]


@pytest.mark.parametrize(
    ("tool", "key", "search", "field", "expected"),
    [
        ("list_tasks", "tasks", "DESIGN", "name", ["Visual design", "Design review with Acme"]),
        ("list_tasklists", "tasklists", "sprint", "name", ["Sprint 1", "Sprint 2"]),
        ("list_projects", "projects", "mobile", "name", ["Mobile App"]),
        ("list_clients", "clients", "GLOBEX", "name", ["Globex Ltd"]),
        ("list_time_entries", "entries", "interviews", "description", None),
    ],
)
async def test_search_finds_part_of_the_name_in_any_case_and_filters_in_paymo(
    mcp: Client,
    fresh: SandboxServer,
    tool: str,
    key: str,
    search: str,
    field: str,
    expected: list[str] | None,
) -> None:
    page = await call(mcp, tool, {"search": search})
    found = names(page, "time_entries" if key == "entries" else key, field)
    if expected is None:
        expected = ["Interviews with marketing", "Interviews with sales"]
    assert found == expected
    path = "/api/" + ("entries" if key == "entries" else key)
    assert wheres(fresh, path)[-1] == f'{field} like "%{search}%"'


async def test_search_folds_case_beyond_ascii_as_mysql_does(mcp: Client) -> None:
    made = await call(mcp, "create_task", {"name": "Überprüfung der Texte", "project_id": 1})
    page = await call(mcp, "list_tasks", {"search": "ÜBERPRÜFUNG"})
    assert [t["id"] for t in page["tasks"]] == [made["id"]]


async def test_search_text_with_quotes_and_backslashes_is_sent_whole(mcp: Client) -> None:
    made = await call(mcp, "create_task", {"name": 'Say "hi" \\ to Acme', "project_id": 1})
    page = await call(mcp, "list_tasks", {"search": '"HI" \\ to'})
    assert [t["id"] for t in page["tasks"]] == [made["id"]]


async def test_invoice_search_looks_in_the_number_and_the_title(mcp: Client) -> None:
    by_title = await call(
        mcp, "create_invoice", {"client_id": 2, "currency": "EUR", "title": "Retainer for Globex"}
    )
    numbered = await call(
        mcp, "create_invoice", {"client_id": 3, "currency": "EUR", "number": "RETAINER-7", "title": "INVOICE"}
    )
    page = await call(mcp, "list_invoices", {"search": "retainer"})
    assert [i["id"] for i in page["invoices"]] == [by_title["id"], numbered["id"]]
    assert page["next_cursor"] is None


async def test_an_ambiguous_search_answers_with_every_candidate(mcp: Client) -> None:
    for n in range(3):
        await call(mcp, "create_task", {"name": f"Homepage hero {n}", "project_id": 1})
    page = await call(mcp, "list_tasks", {"search": "homepage hero", "fields": ["name", "project_id"]})
    assert names(page, "tasks") == ["Homepage hero 0", "Homepage hero 1", "Homepage hero 2"]
    assert page["count"] == 3 and page["more"] is False


async def test_search_combines_with_the_other_filters(mcp: Client) -> None:
    page = await call(mcp, "list_tasks", {"search": "design", "completed": False, "project_id": 1})
    assert names(page, "tasks") == ["Visual design", "Design review with Acme"]
    assert (await call(mcp, "list_tasks", {"search": "design", "project_id": 2}))["tasks"] == []


@pytest.mark.parametrize("search", ["  ", "two\nlines", "x" * 201])
async def test_a_search_paymo_cannot_take_is_refused_in_one_line(mcp: Client, search: str) -> None:
    assert "search" in await fails(mcp, "list_tasks", {"search": search})


async def test_users_are_found_by_part_of_their_name(mcp: Client) -> None:
    found = await call(mcp, "list_users", {"search": "LOPEZ"})
    assert [u["name"] for u in found["users"]] == ["Maria Lopez"]
