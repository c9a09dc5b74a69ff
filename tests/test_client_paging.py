"""Audit D7 / issue 12: a list that includes child collections pages by 100, as Paymo's maintainers advise.

Paymo silently empties included children past 2,500 per type in one answer (paymo-org/api#68), so a
500-record page of tasks with their entries could come back with the entries missing. The sandbox's
request log shows the pages the client asked for.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from mcp import Client

from paymo_mcp.client.query import includes_children
from paymo_mcp.sandbox import SandboxServer
from tests.helpers import call, control

pytestmark = pytest.mark.anyio


def pages_asked(sandbox: SandboxServer) -> list[int]:
    """The page_size of each GET /api/tasks the sandbox answered."""
    return [
        int(parse_qs(r["query"])["page_size"][0])
        for r in control(sandbox, "requests")
        if r["method"] == "GET" and r["path"] == "/api/tasks"
    ]


@pytest.fixture
def many_tasks(fresh: SandboxServer) -> SandboxServer:
    fresh.app.bulk_insert(
        "tasks", [{"name": f"Bulk {n}", "project_id": 1, "tasklist_id": 1} for n in range(260)]
    )
    return fresh


@pytest.mark.parametrize("include", [["entries"], ["subtasks", "project.name"], ["entries.description"]])
async def test_a_list_including_child_collections_pages_by_100(
    mcp: Client, many_tasks: SandboxServer, include: list[str]
) -> None:
    # Names only: 250 whole tasks would pass the 40,000-character cap on one answer.
    found = await call(mcp, "list_tasks", {"include": include, "limit": 250, "fields": ["name"]})
    assert found["count"] == 250
    assert pages_asked(many_tasks) == [100, 100, 100]


@pytest.mark.parametrize("include", [None, ["project.name", "tasklist.name", "workflowstatus.name"]])
async def test_a_list_without_child_collections_takes_one_big_page(
    mcp: Client, many_tasks: SandboxServer, include: list[str] | None
) -> None:
    asked = {"limit": 250, "fields": ["name"]} | ({"include": include} if include else {})
    found = await call(mcp, "list_tasks", asked)
    assert found["count"] == 250
    assert pages_asked(many_tasks) == [251]  # one more than the limit: whether a next page exists


@pytest.mark.parametrize(
    ("include", "children"),
    [
        ("entries", True),
        ("project,invoiceitems", True),
        ("project.tasks.name", True),
        ("project.name,client", False),
        ("workflowstatus,projectstatus", False),
        (None, False),
    ],
)
def test_which_includes_are_child_collections(include: str | None, children: bool) -> None:
    assert includes_children(include) is children
