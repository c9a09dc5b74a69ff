"""Issue 13: no tool answer is larger than 40,000 characters of text. A list that would be larger stops
early with `next_cursor` and one line on how to narrow it; a record too big alone is cut and says so."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from tests.helpers import TRANSCRIPT

pytestmark = pytest.mark.anyio

CAP = 40_000
LONG = "Long description of the work to be done, with every detail the client asked for. " * 25


async def answer(client: Client, tool: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    result = await client.call_tool(tool, args)
    text: str = result.content[0].text  # type: ignore[union-attr]
    TRANSCRIPT.append(text)
    assert not result.is_error, text
    assert result.structured_content is not None
    return text, result.structured_content


@pytest.fixture
def wordy_account(fresh: SandboxServer) -> SandboxServer:
    """3,000 tasks of about 2,000 characters each (6 MB in all), 300 of them in the Design list."""
    rows = [
        {"name": f"Wordy task {n}", "project_id": 1, "tasklist_id": 2 if n < 300 else 1, "description": LONG}
        for n in range(3000)
    ]
    fresh.app.bulk_insert("tasks", rows)
    return fresh


async def test_a_list_that_would_flood_stops_at_40000_characters_and_says_how_to_narrow(
    mcp: Client, wordy_account: SandboxServer
) -> None:
    text, page = await answer(mcp, "list_tasks", {"limit": 2500})
    assert len(text) <= CAP
    assert 0 < page["count"] < 2500 and page["more"] is True and page["next_cursor"]
    note = page["note"]
    assert "\n" not in note and "cursor" in note and all(w in note for w in ("fields", "filters", "search"))
    # Asking for less gets more per answer.
    text, narrow = await answer(mcp, "list_tasks", {"limit": 2500, "fields": ["name", "due_date"]})
    assert len(text) <= CAP and narrow["count"] > 10 * page["count"]


async def test_a_capped_walk_still_sees_each_record_once(mcp: Client, wordy_account: SandboxServer) -> None:
    seen: list[int] = []
    cursor = None
    while True:
        args = {"tasklist_id": 2, "limit": 2500, **({"cursor": cursor} if cursor else {})}
        text, page = await answer(mcp, "list_tasks", args)
        assert len(text) <= CAP
        seen += [t["id"] for t in page["tasks"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 303  # the 300 wordy tasks and the list's 3 seeded ones


async def test_a_record_too_big_alone_is_cut_in_lists_and_gets(mcp: Client, fresh: SandboxServer) -> None:
    [huge] = fresh.app.bulk_insert(
        "tasks", [{"name": "Huge", "project_id": 4, "tasklist_id": 8, "description": "x" * 90_000}]
    )
    text, page = await answer(mcp, "list_tasks", {"project_id": 4})
    assert len(text) <= CAP and [t["id"] for t in page["tasks"]] == [15]  # the huge one waits its turn
    text, page = await answer(mcp, "list_tasks", {"project_id": 4, "cursor": page["next_cursor"]})
    assert len(text) <= CAP and [t["id"] for t in page["tasks"]] == [huge] and page["next_cursor"] is None
    assert "description" in page["note"] and str(huge) in page["note"]
    assert page["tasks"][0]["description"].endswith("[cut]")
    text, record = await answer(mcp, "get_task", {"id": huge})
    assert len(text) <= CAP and record["name"] == "Huge" and "description" in record["note"]


async def test_a_get_with_huge_includes_stays_under_the_cap(
    mcp: Client, wordy_account: SandboxServer
) -> None:
    text, project = await answer(mcp, "get_project", {"id": 1, "include": ["tasks"]})
    assert len(text) <= CAP
    assert project["name"] == "Website Redesign" and 0 < len(project["tasks"]) < 3000
    assert "tasks" in project["note"]


async def test_a_write_answer_is_capped_too_but_the_record_is_kept_whole(
    mcp: Client, fresh: SandboxServer
) -> None:
    text, made = await answer(
        mcp, "create_task", {"name": "Spec", "project_id": 1, "description": "y" * 50_000}
    )
    assert len(text) <= CAP and made["name"] == "Spec" and "description" in made["note"]
    async with httpx.AsyncClient(base_url=fresh.base_url, auth=(fresh.api_key, "X")) as http:
        stored = (await http.get(f"tasks/{made['id']}")).json()["tasks"][0]
    assert stored["description"] == "y" * 50_000
