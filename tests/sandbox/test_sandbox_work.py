"""Projects, task lists, tasks, workflows, statuses, milestones and templates follow paymo-api.md §10."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sandbox.conftest import many, message, one

pytestmark = pytest.mark.anyio


async def create(api: httpx.AsyncClient, resource: str, body: dict[str, Any]) -> dict[str, Any]:
    return one(await api.post(resource, json=body), resource, 201)


async def update(
    api: httpx.AsyncClient, resource: str, record_id: int, body: dict[str, Any]
) -> dict[str, Any]:
    return one(await api.put(f"{resource}/{record_id}", json=body), resource)


async def statuses(api: httpx.AsyncClient, workflow_id: int = 1) -> dict[str, int]:
    rows = many(
        await api.get("workflowstatuses", params={"where": f"workflow_id={workflow_id}"}), "workflowstatuses"
    )
    return {r["action"] or r["name"]: r["id"] for r in rows}


# -- projects -----------------------------------------------------------------------------------


async def test_a_project_needs_only_a_name_and_gets_the_sample_client(api: httpx.AsyncClient) -> None:
    project = await create(api, "projects", {"name": "Orphan"})
    client = one(await api.get(f"clients/{project['client_id']}"), "clients")
    assert client["name"] == "Sample Client"
    again = await create(api, "projects", {"name": "Orphan two"})
    assert again["client_id"] == project["client_id"], "the Sample Client is reused"
    assert project["workflow_id"] == 1 and project["status_id"] == 1 and project["active"] is True
    assert project["billing_type"] == "non" and project["task_code_increment"] == 0
    assert project["code"] == "ORP"


async def test_project_code_is_capital_letters_and_digits_only(api: httpx.AsyncClient) -> None:
    for bad in ("web-1", "web", "A B"):
        assert "A-Z" in message(await api.post("projects", json={"name": "x", "code": bad}), 400)
    assert (await create(api, "projects", {"name": "Fine", "code": "FINE2"}))["code"] == "FINE2"


async def test_managers_are_always_users_and_lists_are_replaced_whole(api: httpx.AsyncClient) -> None:
    project = await create(api, "projects", {"name": "Team", "users": [1, 2], "managers": [3]})
    assert project["users"] == [1, 2, 3] and project["managers"] == [3]
    replaced = await update(api, "projects", project["id"], {"users": [2]})
    assert replaced["users"] == [2] and replaced["managers"] == [], "a manager dropped from users is dropped"
    both = await update(api, "projects", project["id"], {"users": [1], "managers": [2]})
    assert both["users"] == [1, 2] and both["managers"] == [2]
    assert "users" in message(await api.put(f"projects/{project['id']}", json={"users": [99]}), 400)


async def test_billing_type_follows_billable_and_flat_billing(api: httpx.AsyncClient) -> None:
    project = await create(api, "projects", {"name": "Billing", "billable": True})
    assert project["billing_type"] == "pph"
    assert (await update(api, "projects", project["id"], {"flat_billing": True}))["billing_type"] == "flat"
    assert (await update(api, "projects", project["id"], {"billable": False}))["billing_type"] == "non"


async def test_unknown_references_are_400_naming_the_field(api: httpx.AsyncClient) -> None:
    assert "client_id" in message(await api.post("projects", json={"name": "x", "client_id": 99}), 400)
    assert "workflow_id" in message(await api.post("projects", json={"name": "x", "workflow_id": 99}), 400)
    assert "project_id" in message(await api.post("tasks", json={"name": "x", "project_id": 99}), 400)


async def test_changing_the_workflow_resets_task_statuses(api: httpx.AsyncClient) -> None:
    workflow = await create(api, "workflows", {"name": "Kanban"})
    new = await statuses(api, workflow["id"])
    assert set(new) == {"backlog", "complete"}, "a new workflow starts with Backlog and Complete"
    await update(api, "projects", 1, {"workflow_id": workflow["id"]})
    tasks = many(await api.get("tasks", params={"where": "project_id=1"}), "tasks")
    assert {(t["complete"], t["status_id"]) for t in tasks} == {
        (True, new["complete"]),
        (False, new["backlog"]),
    }


async def test_tasklists_order_reorders_a_projects_lists(api: httpx.AsyncClient) -> None:
    await update(api, "projects", 1, {"tasklists_order": [3, 1]})
    lists = many(await api.get("tasklists", params={"where": "project_id=1", "order": "seq"}), "tasklists")
    assert [tl["id"] for tl in lists] == [3, 1, 2]


async def test_deleting_a_project_cascades_to_lists_tasks_and_time(api: httpx.AsyncClient) -> None:
    assert (await api.delete("projects/1")).status_code == 200
    assert many(await api.get("tasklists", params={"where": "project_id=1"}), "tasklists") == []
    assert many(await api.get("tasks", params={"where": "project_id=1"}), "tasks") == []
    assert many(await api.get("entries", params={"where": "project_id=1"}), "entries") == []
    assert many(await api.get("milestones", params={"where": "project_id=1"}), "milestones") == []
    assert len(many(await api.get("tasks"), "tasks")) == 7


async def test_deleting_a_client_cascades_to_its_projects(api: httpx.AsyncClient) -> None:
    await api.delete("clients/1")
    assert [p["id"] for p in many(await api.get("projects"), "projects")] == [3, 4]
    assert {t["project_id"] for t in many(await api.get("tasks"), "tasks")} == {3, 4}
    assert {e["client_id"] for e in many(await api.get("entries"), "entries")} == {2, 3}


# -- task lists and tasks ---------------------------------------------------------------------


async def test_a_task_with_only_a_project_goes_to_the_default_task_list(api: httpx.AsyncClient) -> None:
    task = await create(api, "tasks", {"name": "Loose", "project_id": 2})
    tasklist = one(await api.get(f"tasklists/{task['tasklist_id']}"), "tasklists")
    assert tasklist["name"] == "Default Task List" and tasklist["project_id"] == 2
    again = await create(api, "tasks", {"name": "Loose too", "project_id": 2})
    assert again["tasklist_id"] == task["tasklist_id"]


async def test_task_needs_a_name_and_a_place(api: httpx.AsyncClient) -> None:
    response = await api.post("tasks", json={"description": "x"})
    assert message(response, 400) == "Missing required params: name, tasklist_id or project_id"
    mismatch = await api.post("tasks", json={"name": "x", "tasklist_id": 1, "project_id": 2})
    assert "project" in message(mismatch, 400)


async def test_task_codes_count_up_per_project(api: httpx.AsyncClient) -> None:
    first = await create(api, "tasks", {"name": "Next", "tasklist_id": 1})
    second = await create(api, "tasks", {"name": "After", "project_id": 1})
    assert (first["code"], second["code"]) == ("WEB-9", "WEB-10")
    assert one(await api.get("projects/1"), "projects")["task_code_increment"] == 10


async def test_task_defaults_and_priority_levels(api: httpx.AsyncClient) -> None:
    task = await create(api, "tasks", {"name": "Defaults", "tasklist_id": 4})
    backlog = (await statuses(api))["backlog"]
    assert (task["priority"], task["status_id"], task["complete"], task["user_id"]) == (50, backlog, False, 1)
    assert task["billable"] is True, "billable follows the project"
    assert task["seq"] == 2 and task["users"] == []
    for level in (25, 75, 100):
        assert (await create(api, "tasks", {"name": "p", "tasklist_id": 4, "priority": level}))[
            "priority"
        ] == level
    assert "priority" in message(
        await api.post("tasks", json={"name": "p", "tasklist_id": 4, "priority": 90}), 400
    )


async def test_complete_moves_the_status_and_back(api: httpx.AsyncClient) -> None:
    by_action = await statuses(api)
    done = await update(api, "tasks", 7, {"complete": True})
    assert done["status_id"] == by_action["complete"] and done["completed_by"] == 1
    assert done["completed_on"].endswith("Z")
    reopened = await update(api, "tasks", 7, {"complete": False})
    assert reopened["status_id"] == by_action["backlog"] and reopened["completed_on"] is None


async def test_setting_the_complete_status_marks_the_task_complete(api: httpx.AsyncClient) -> None:
    by_action = await statuses(api)
    done = await update(api, "tasks", 6, {"status_id": by_action["complete"]})
    assert done["complete"] is True and done["completed_on"] is not None
    moving = await update(api, "tasks", 6, {"status_id": by_action["In progress"]})
    assert moving["complete"] is False and moving["completed_on"] is None
    created = await create(api, "tasks", {"name": "Born done", "tasklist_id": 1, "complete": True})
    assert created["status_id"] == by_action["complete"]
    other = await create(api, "workflows", {"name": "Other"})
    foreign = (await statuses(api, other["id"]))["backlog"]
    assert "status_id" in message(await api.put("tasks/6", json={"status_id": foreign}), 400)


async def test_tasks_order_reorders_a_list(api: httpx.AsyncClient) -> None:
    await update(api, "tasklists", 3, {"tasks_order": [8]})
    tasks = many(await api.get("tasks", params={"where": "tasklist_id=3", "order": "seq"}), "tasks")
    assert [t["id"] for t in tasks] == [8, 6, 7]
    assert "tasks_order" in message(await api.put("tasklists/3", json={"tasks_order": [1]}), 400)


async def test_moving_a_task_to_another_projects_list_moves_its_time(api: httpx.AsyncClient) -> None:
    moved = await update(api, "tasks", 1, {"tasklist_id": 6})
    assert moved["project_id"] == 3
    entries = many(await api.get("entries", params={"where": "task_id=1"}), "entries")
    assert {(e["project_id"], e["client_id"]) for e in entries} == {(3, 2)}


async def test_deleting_a_task_list_deletes_its_tasks_and_their_time(api: httpx.AsyncClient) -> None:
    await api.delete("tasklists/1")
    message(await api.get("tasks/1"), 404)
    message(await api.get("entries/1"), 404)
    message(await api.get("entries/3"), 404)
    assert one(await api.get("tasks/3"), "tasks")["tasklist_id"] == 2


async def test_deleting_a_task_deletes_its_time_entries_and_subtasks(api: httpx.AsyncClient) -> None:
    sub = await create(api, "subtasks", {"name": "Check", "task_id": 4})
    assert sub["project_id"] == 1
    await api.delete("tasks/4")
    message(await api.get("entries/5"), 404)
    message(await api.get(f"subtasks/{sub['id']}"), 404)


async def test_every_documented_task_include_is_accepted(api: httpx.AsyncClient) -> None:
    keys = "project,tasklist,user,workflowstatus,invoiceitem,entries,subtasks,thread"
    task = one(await api.get("tasks/1", params={"include": keys}), "tasks")
    assert set(keys.split(",")) <= set(task)
    assert task["workflowstatus"]["action"] == "complete" and task["thread"] is None


async def test_comments_start_a_thread_on_a_task(api: httpx.AsyncClient) -> None:
    comment = await create(api, "comments", {"content": "Looks good", "task_id": 3})
    task = one(await api.get("tasks/3", params={"include": "thread.comments"}), "tasks")
    assert task["thread"]["comments"][0]["id"] == comment["id"]
    assert comment["user_id"] == 1


# -- workflows, statuses, milestones, templates ---------------------------------------------------


async def test_default_workflow_has_backlog_to_do_in_progress_complete(api: httpx.AsyncClient) -> None:
    workflow = one(await api.get("workflows/1", params={"include": "workflowstatuses"}), "workflows")
    assert workflow["is_default"] is True
    rows = sorted(workflow["workflowstatuses"], key=lambda s: s["seq"])
    assert [(s["name"], s["action"]) for s in rows] == [
        ("Backlog", "backlog"),
        ("To Do", ""),
        ("In progress", ""),
        ("Complete", "complete"),
    ]


async def test_workflow_status_rules(api: httpx.AsyncClient) -> None:
    missing = await api.post("workflowstatuses", json={"name": "Review"})
    assert message(missing, 400) == "Missing required params: color, workflow_id"
    assert "color" in message(
        await api.post("workflowstatuses", json={"name": "R", "color": "blue", "workflow_id": 1}), 400
    )
    review = await create(api, "workflowstatuses", {"name": "Review", "color": "#aabbcc", "workflow_id": 1})
    assert review["color"] == "AABBCC" and review["action"] == ""
    assert "task" in message(await api.delete("workflowstatuses/4"), 400), "In progress is in use"
    assert "backlog" in message(await api.delete("workflowstatuses/1"), 400)
    assert (await api.delete(f"workflowstatuses/{review['id']}")).status_code == 200
    assert "project" in message(await api.delete("workflows/1"), 400)


async def test_project_statuses_are_the_documented_set(api: httpx.AsyncClient) -> None:
    rows = many(await api.get("projectstatuses", params={"order": "seq"}), "projectstatuses")
    assert [(s["name"], s["active"], s["readonly"]) for s in rows] == [
        ("Active", True, True),
        ("Proposal", True, False),
        ("On-hold", False, False),
        ("Cancelled", False, False),
        ("Completed", False, False),
        ("Archived", False, True),
    ]
    message(await api.put("projectstatuses/1", json={"name": "Live"}), 400)
    message(await api.delete("projectstatuses/6"), 400)
    with_projects = one(await api.get("projectstatuses/1", params={"include": "projects"}), "projectstatuses")
    assert len(with_projects["projects"]) == 4


async def test_milestones_link_task_lists_both_ways(api: httpx.AsyncClient) -> None:
    milestone = one(await api.get("milestones/1", params={"include": "tasklists"}), "milestones")
    assert milestone["linked_tasklists"] == [2] and [t["id"] for t in milestone["tasklists"]] == [2]
    assert "due_date" in message(await api.post("milestones", json={"name": "x", "project_id": 1}), 400)
    made = await create(
        api,
        "milestones",
        {"name": "Launch", "project_id": 1, "due_date": "2026-12-20", "linked_tasklists": [3]},
    )
    assert one(await api.get("tasklists/3"), "tasklists")["milestone_id"] == made["id"]
    assert "another project" in message(
        await api.put(f"milestones/{made['id']}", json={"linked_tasklists": [4]}), 400
    )
    await api.delete(f"milestones/{made['id']}")
    assert one(await api.get("tasklists/3"), "tasklists")["milestone_id"] is None


async def test_one_default_invoice_template_which_cannot_be_deleted(api: httpx.AsyncClient) -> None:
    templates = many(await api.get("invoicetemplates"), "invoicetemplates")
    assert [t["is_default"] for t in templates] == [True, False]
    message(await api.delete("invoicetemplates/1"), 400)
    await update(api, "invoicetemplates", 2, {"is_default": True})
    assert [t["is_default"] for t in many(await api.get("invoicetemplates"), "invoicetemplates")] == [
        False,
        True,
    ]
    assert "invoice" in message(await api.delete("invoicetemplates/1"), 400), "invoices use it"
    gallery = many(await api.get("invoicetemplatesgallery"), "invoicetemplatesgallery")
    assert len(gallery) == 3
    message(await api.post("invoicetemplatesgallery", json={"name": "x"}), 405)


async def test_users_create_update_and_derived_project_lists(api: httpx.AsyncClient) -> None:
    maria = one(await api.get("users/2"), "users")
    assert maria["assigned_projects"] == [1, 3] and maria["managed_projects"] == [1, 3]
    assert "email" in message(await api.post("users", json={"name": "No mail"}), 400)
    assert "already" in message(await api.post("users", json={"email": "MARIA@northwind.example"}), 400)
    new = await create(api, "users", {"email": "new@northwind.example", "assigned_projects": [2]})
    assert new["name"] == "new" and new["type"] == "Employee" and new["assigned_projects"] == [2]
    assert new["id"] in one(await api.get("projects/2"), "projects")["users"]
    message(await api.delete("users/1"), 400)
