"""Reading lists as Paymo does (paymo-api.md §6-§8): where, include, field selection, paging and order."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tests.sandbox.conftest import many, message, one

pytestmark = pytest.mark.anyio


async def ids(api: httpx.AsyncClient, resource: str, where: str, **params: str) -> list[int]:
    return [r["id"] for r in many(await api.get(resource, params={"where": where, **params}), resource)]


async def test_equality_and_and_joined_conditions(api: httpx.AsyncClient) -> None:
    assert await ids(api, "tasks", "project_id=1 and complete=false") == [4, 5, 6, 7, 8]
    assert await ids(api, "tasks", "project_id=1 AND complete=true") == [1, 2, 3]
    assert await ids(api, "tasks", "complete=false and project_id=2 and priority>=50") == [10, 11]


async def test_comparison_operators(api: httpx.AsyncClient) -> None:
    assert await ids(api, "tasks", "priority>75") == [5, 15]
    assert await ids(api, "tasks", "priority<50") == [2, 8, 14]
    assert await ids(api, "tasks", "priority<=25 and project_id=3") == [14]
    assert await ids(api, "tasks", "priority!=50 and project_id=1") == [2, 3, 4, 5, 8]
    assert await ids(api, "tasks", "priority<>50 and project_id=1") == [2, 3, 4, 5, 8]
    assert await ids(api, "invoices", "total>100 and total<1000") == [2]


async def test_in_and_not_in_with_numbers_and_quoted_strings(api: httpx.AsyncClient) -> None:
    assert await ids(api, "tasks", "tasklist_id in (4,5)") == [9, 10, 11]
    assert await ids(api, "tasks", "tasklist_id not in (1,2,3,4,5,6,7)") == [15]
    assert await ids(api, "invoices", 'status in ("draft","void")') == [2]
    assert await ids(api, "invoices", "status in ('sent')") == [1]
    assert await ids(api, "invoices", "status not in (draft)") == [1]


async def test_like_is_a_case_insensitive_pattern(api: httpx.AsyncClient) -> None:
    assert await ids(api, "clients", "name like acme") == [1]
    assert await ids(api, "clients", 'name like "%ltd"') == [2]
    assert await ids(api, "clients", "name like 'G%'") == [2]
    assert await ids(api, "clients", 'name not like "%corp%"') == [2, 3]
    assert await ids(api, "tasks", 'name="wireframes"') == [3], "= on text ignores case, like MySQL"


async def test_booleans_nulls_and_dates(api: httpx.AsyncClient) -> None:
    assert await ids(api, "tasks", "due_date=null and project_id=1") == [8]
    assert await ids(api, "tasks", "due_date!=null and priority=25") == [2]
    assert await ids(api, "tasks", "due_date>2026-12-05") == [7, 11, 15]
    assert await ids(api, "clients", "active=true") == [1, 2, 3]
    assert await ids(api, "clients", "active=false") == []


async def test_datetime_fields_compare_as_unix_timestamps_only(api: httpx.AsyncClient) -> None:
    # datetime.md:13-16: "you should use the numeric unix timestamp"; ISO text is refused, naming the form.
    sept_2 = int(datetime(2026, 9, 2, tzinfo=UTC).timestamp())
    assert await ids(api, "projects", f"created_on>={sept_2}") == [2, 3, 4]
    assert await ids(api, "projects", f'created_on<"{sept_2}"') == [1]
    refused = await api.get("projects", params={"where": 'created_on<"2026-09-02T00:00:00Z"'})
    assert "Unix timestamp" in message(refused, 400)
    # time_interval keeps the ISO bounds of the docs' own example (entries.md:21).
    interval = 'time_interval in ("2026-09-14T00:00:00Z","2026-09-16T00:00:00Z")'
    assert await ids(api, "entries", interval) == [1, 2]


async def test_list_fields_mean_contains(api: httpx.AsyncClient) -> None:
    assert await ids(api, "projects", "users=3") == [1, 2, 4]
    assert await ids(api, "projects", "managers=2") == [1, 3]
    assert await ids(api, "projects", "users in (2,99)") == [1, 3]
    assert await ids(api, "tasks", "users=anyone") == [5, 8]
    assert await ids(api, "tasks", 'users in ("anyone",1)') == [5, 8, 11, 14]
    assert len(await ids(api, "tasks", "users<>anyone")) == 13


async def test_mytasks_is_mine_or_nobodys_in_my_projects(sandbox: object, api: httpx.AsyncClient) -> None:
    # Gina (user 4) is on no project: nothing is hers.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox),  # type: ignore[arg-type]
        base_url=str(api.base_url),
        auth=("sandbox-key-4", "X"),
    ) as gina:
        assert [
            t["id"] for t in many(await gina.get("tasks", params={"where": "mytasks=true"}), "tasks")
        ] == []
    mine = await ids(api, "tasks", "mytasks=true")
    assert mine == [5, 8, 11, 14]


async def test_malformed_or_unknown_where_is_400(api: httpx.AsyncClient) -> None:
    assert "Invalid where" in message(await api.get("tasks", params={"where": "project_id"}), 400)
    assert "Invalid where" in message(
        await api.get("tasks", params={"where": "project_id=1 or complete=true"}), 400
    )
    assert "Invalid where" in message(await api.get("tasks", params={"where": 'name="open'}), 400)
    assert "Invalid where" in message(await api.get("tasks", params={"where": "priority>high"}), 400)
    assert "`bogus`" in message(await api.get("tasks", params={"where": "bogus=1"}), 400)
    parent_field = await api.get("tasks", params={"where": "project.active=true"})
    assert message(parent_field, 400) == "Unknown field or reference: `project.active`"


async def test_parent_include_is_an_object_and_child_include_an_array(api: httpx.AsyncClient) -> None:
    task = one(await api.get("tasks/1", params={"include": "project,entries"}), "tasks")
    assert task["project"]["id"] == 1 and task["project"]["name"] == "Website Redesign"
    assert [e["id"] for e in task["entries"]] == [1, 2]
    bare = one(await api.get("tasks/8", params={"include": "entries,invoiceitem"}), "tasks")
    assert bare["entries"] == [] and bare["invoiceitem"] is None


async def test_nested_include_paths(api: httpx.AsyncClient) -> None:
    client = one(
        await api.get(
            "clients/1", params={"include": "projects,projects.tasklists,projects.tasklists.tasks"}
        ),
        "clients",
    )
    web = client["projects"][0]
    assert [tl["name"] for tl in web["tasklists"]] == ["Discovery", "Design", "Build"]
    assert [t["code"] for t in web["tasklists"][1]["tasks"]] == ["WEB-3", "WEB-4", "WEB-5"]
    deep = one(await api.get("entries/1", params={"include": "task.project"}), "entries")
    assert deep["task"]["project"]["code"] == "WEB"


async def test_field_selection_inside_includes_returns_only_those_fields(api: httpx.AsyncClient) -> None:
    task = one(await api.get("tasks/1", params={"include": "project.name,project.client.name"}), "tasks")
    assert task["project"] == {"name": "Website Redesign", "client": {"name": "Acme Corporation"}}
    assert task["name"] == "Stakeholder interviews", "the task itself keeps all its fields"


async def test_bare_fields_and_star_select_the_main_fields_and_id_stays(api: httpx.AsyncClient) -> None:
    rows = many(await api.get("tasks", params={"include": "name,due_date"}), "tasks")
    assert all(set(r) == {"id", "name", "due_date"} for r in rows)
    star = one(await api.get("tasks/1", params={"include": "*,project.code"}), "tasks")
    assert star["project"] == {"code": "WEB"} and "priority" in star
    extra = one(await api.get("tasks/1", params={"include": "*,progress_status"}), "tasks")
    assert extra["progress_status"] == "completed"


async def test_unknown_include_is_400_naming_it(api: httpx.AsyncClient) -> None:
    assert message(await api.get("tasks", params={"include": "nonsense"}), 400) == (
        "Unknown field or reference: `nonsense`"
    )
    assert "`bogus`" in message(await api.get("tasks/1", params={"include": "project.bogus"}), 400)
    assert "`project`" in message(await api.get("entries", params={"include": "project"}), 400)


async def test_dotted_where_filters_an_included_child_collection(api: httpx.AsyncClient) -> None:
    params = {"include": "tasks", "where": "id=1 and tasks.complete=false"}
    project = one(await api.get("projects", params=params), "projects")
    assert [t["id"] for t in project["tasks"]] == [4, 5, 6, 7, 8]


async def test_paging_is_zero_based_and_needs_both_parameters(api: httpx.AsyncClient) -> None:
    pages = [await ids(api, "tasks", "", page=str(n), page_size="6") for n in range(3)]
    assert pages == [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12], [13, 14, 15]]
    assert len(await ids(api, "tasks", "", page_size="2")) == 15, "page_size alone does nothing"
    assert await ids(api, "tasks", "project_id=1", page="1", page_size="3") == [4, 5, 6]
    message(await api.get("tasks", params={"page": "x", "page_size": "2"}), 400)


async def test_order_by_field_and_direction_with_id_as_tiebreak(api: httpx.AsyncClient) -> None:
    assert await ids(api, "tasks", "project_id=3", order="id desc") == [14, 13, 12]
    by_priority = many(
        await api.get("tasks", params={"order": "priority desc", "where": "project_id=1"}), "tasks"
    )
    assert [t["priority"] for t in by_priority] == [100, 75, 75, 50, 50, 50, 25, 25]
    assert [t["id"] for t in by_priority][:3] == [5, 3, 4]
    assert "`nope`" in message(await api.get("tasks", params={"order": "nope"}), 400)
    message(await api.get("tasks", params={"order": "name sideways"}), 400)


async def test_an_unpaged_list_is_cut_at_2500(sandbox: object, api: httpx.AsyncClient) -> None:
    sandbox.bulk_insert("clients", [{"name": f"Bulk {n}"} for n in range(2600)])  # type: ignore[attr-defined]
    assert len(many(await api.get("clients"), "clients")) == 2500
    big_page = many(await api.get("clients", params={"page": 0, "page_size": 5000}), "clients")
    assert len(big_page) == 2500
