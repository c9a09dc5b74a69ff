"""Comments (opt-in toolset `comments`), through an MCP client against the sandbox over loopback HTTP:
a note on a task by its task_id, the thread it lands in, list/update/delete, watch_new_comments in both
modes, errors that name the field, and the sandbox following comments.md."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client

from paymo_mcp.config import parse_toolsets
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import call, control, fails, paymo_env, settings_for
from tests.servers import free_port
from tests.test_delete_confirmation import User
from tests.test_resources_roundtrip import make_world
from tests.test_surfaces import spawned

pytestmark = pytest.mark.anyio

TOOLS = {
    "list_comments",
    "get_comment",
    "create_comment",
    "update_comment",
    "delete_comment",
    "watch_new_comments",
}
# The comments toolset with what a world of client, project, list and task needs.
WITH_WORLD = "comments,tasks,tasklists,projects,clients,lookups"


@asynccontextmanager
async def session(
    sandbox: SandboxServer, *, user: User | None = None, **overrides: Any
) -> AsyncIterator[Client]:
    settings = settings_for(sandbox, toolsets=parse_toolsets(WITH_WORLD), **overrides)
    async with Client(build_server(settings), elicitation_callback=user) as client:
        yield client


@pytest.fixture
async def mcp(fresh: SandboxServer, tmp_path: Path) -> AsyncIterator[Client]:
    async with session(fresh, state_dir=tmp_path) as client:
        yield client


@asynccontextmanager
async def paymo(sandbox: SandboxServer) -> AsyncIterator[httpx.AsyncClient]:
    """The sandbox's own API, for what the MCP tools do not offer (discussions, files)."""
    async with httpx.AsyncClient(base_url=sandbox.base_url, auth=(sandbox.api_key, "X")) as http:
        yield http


def requests(sandbox: SandboxServer, method: str, path: str) -> list[dict[str, Any]]:
    return [r for r in control(sandbox, "requests") if r["method"] == method and r["path"] == path]


# -- the round trip -----------------------------------------------------------------------------


async def test_note_on_a_task_get_list_update_then_delete_after_confirming(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    user = User("accept")
    async with session(fresh, user=user, state_dir=tmp_path) as mcp:
        ids = await make_world(mcp)
        note = await call(
            mcp, "create_comment", {"task_id": ids["task"], "content": "Please review my changes"}
        )
        assert note["content"] == "Please review my changes" and note["user_id"] == ids["user"]
        thread_id = note["thread_id"]
        assert isinstance(thread_id, int)

        got = await call(mcp, "get_comment", {"id": note["id"]})
        assert (got["id"], got["content"], got["thread_id"]) == (note["id"], note["content"], thread_id)

        for filters in ({"thread_id": thread_id}, {"search": "REVIEW my"}, {}):
            page = await call(mcp, "list_comments", {**filters, "limit": 2500})
            assert note["id"] in [c["id"] for c in page["comments"]], filters
        other = await call(mcp, "create_task", {"name": "Other", "tasklist_id": ids["tasklist"]})
        elsewhere = await call(mcp, "create_comment", {"task_id": other["id"], "content": "Unrelated"})
        narrowed = await call(mcp, "list_comments", {"thread_id": thread_id})
        assert [c["id"] for c in narrowed["comments"]] == [note["id"]]
        assert elsewhere["id"] not in [
            c["id"] for c in (await call(mcp, "list_comments", {"search": "review"}))["comments"]
        ]

        changed = await call(mcp, "update_comment", {"id": note["id"], "content": "Reviewed: ship it"})
        assert changed["content"] == "Reviewed: ship it"
        for kept in ("thread_id", "user_id", "created_on"):
            assert changed[kept] == note[kept], kept

        assert await call(mcp, "delete_comment", {"id": note["id"]}) == {"id": note["id"], "deleted": True}
        error = await fails(mcp, "get_comment", {"id": note["id"]})
        assert "404" in error and "find ids with list_comments" in error
    assert user.messages == [
        f"Delete comment {note['id']} 'Reviewed: ship it'? Also deletes its attached files. "
        "This cannot be undone."
    ]


async def test_declining_the_question_deletes_nothing(fresh: SandboxServer, tmp_path: Path) -> None:
    async with session(fresh, user=User("decline"), state_dir=tmp_path) as mcp:
        note = await call(mcp, "create_comment", {"task_id": 1, "content": "Keep me"})
        assert "did not confirm" in await fails(mcp, "delete_comment", {"id": note["id"]})
        assert (await call(mcp, "get_comment", {"id": note["id"]}))["content"] == "Keep me"
    assert requests(fresh, "DELETE", f"/api/comments/{note['id']}") == []


async def test_notes_on_one_task_share_its_thread_which_the_task_shows(mcp: Client) -> None:
    first = await call(mcp, "create_comment", {"task_id": 2, "content": "First"})
    second = await call(mcp, "create_comment", {"task_id": 2, "content": "Second"})
    assert first["thread_id"] == second["thread_id"]
    task = await call(mcp, "get_task", {"id": 2, "include": ["thread.comments"]})
    assert task["thread"]["id"] == first["thread_id"] and task["thread"]["task_id"] == 2
    assert [c["content"] for c in task["thread"]["comments"]] == ["First", "Second"]
    assert task["comments_count"] == 2
    # A third by the thread's id joins it too.
    third = await call(mcp, "create_comment", {"thread_id": first["thread_id"], "content": "Third"})
    assert third["thread_id"] == first["thread_id"]
    await call(mcp, "delete_comment", {"id": second["id"]})
    assert (await call(mcp, "get_task", {"id": 2}))["comments_count"] == 2


async def test_notes_on_a_discussion_and_on_a_file(mcp: Client, fresh: SandboxServer) -> None:
    async with paymo(fresh) as http:
        made = await http.post("discussions", json={"name": "Kick-off", "project_id": 1})
        discussion = made.json()["discussions"][0]
    (file_id,) = fresh.app.bulk_insert("files", [{"original_filename": "logo.png", "project_id": 1}])
    on_discussion = await call(
        mcp, "create_comment", {"discussion_id": discussion["id"], "content": "Agenda?"}
    )
    on_file = await call(mcp, "create_comment", {"file_id": file_id, "content": "Looks sharp"})
    assert on_discussion["thread_id"] != on_file["thread_id"]
    thread = (await call(mcp, "get_comment", {"id": on_file["id"], "include": ["thread"]}))["thread"]
    assert thread["file_id"] == file_id and thread["project_id"] == 1


async def test_every_documented_include_and_fields(mcp: Client, fresh: SandboxServer) -> None:
    note = await call(mcp, "create_comment", {"task_id": 5, "content": "With everything"})
    (attached,) = fresh.app.bulk_insert(
        "files", [{"original_filename": "shot.png", "comment_id": note["id"], "project_id": 2}]
    )
    got = await call(
        mcp, "get_comment", {"id": note["id"], "include": ["thread", "user", "project", "files"]}
    )
    task = await call(mcp, "get_task", {"id": 5})
    assert got["thread"]["task_id"] == 5 and got["user"]["id"] == note["user_id"]
    assert got["project"]["id"] == task["project_id"] and [f["id"] for f in got["files"]] == [attached]
    assert "project_id" not in got  # the comment object has no project_id (comments.md)
    page = await call(mcp, "list_comments", {"fields": ["content"], "thread_id": note["thread_id"]})
    assert page["comments"] == [{"id": note["id"], "content": "With everything"}]
    deeper = await call(mcp, "get_comment", {"id": note["id"], "include": ["thread.task"]})
    assert deeper["thread"]["task"]["id"] == 5


async def test_deleting_a_comment_deletes_its_attached_files(mcp: Client, fresh: SandboxServer) -> None:
    note = await call(mcp, "create_comment", {"task_id": 3, "content": "See attached"})
    (attached,) = fresh.app.bulk_insert("files", [{"original_filename": "a.pdf", "comment_id": note["id"]}])
    await call(mcp, "delete_comment", {"id": note["id"]})
    async with paymo(fresh) as http:
        assert (await http.get(f"files/{attached}")).status_code == 404


# -- bad input ----------------------------------------------------------------------------------


async def test_bad_input_names_the_field_before_any_request(mcp: Client, fresh: SandboxServer) -> None:
    httpx.delete(fresh.base_url.replace("/api/", "/__sandbox/requests")).raise_for_status()
    assert "content" in await fails(mcp, "create_comment", {"task_id": 1})
    assert "content" in await fails(mcp, "create_comment", {"task_id": 1, "content": "   "})
    nowhere = await fails(mcp, "create_comment", {"content": "Lost"})
    assert "give one of task_id, thread_id, discussion_id, file_id" in nowhere
    both = await fails(mcp, "create_comment", {"content": "Twice", "task_id": 1, "thread_id": 1})
    assert "only one of" in both and "task_id and thread_id" in both
    assert "task_id" in await fails(mcp, "create_comment", {"content": "x", "task_id": 0})
    assert "unknown argument 'thread_id'" in await fails(mcp, "update_comment", {"id": 1, "thread_id": 2})
    assert "Nothing to update" in await fails(mcp, "update_comment", {"id": 1})
    assert "content" in await fails(mcp, "update_comment", {"id": 1, "content": ""})
    assert "unknown include 'task'" in await fails(mcp, "get_comment", {"id": 1, "include": ["task"]})
    assert "unknown field 'task_id'" in await fails(mcp, "list_comments", {"fields": ["task_id"]})
    assert "unknown argument 'task_id'" in await fails(mcp, "list_comments", {"task_id": 1})
    assert control(fresh, "requests") == []


async def test_wrong_ids_say_no_such_record_and_where_ids_come_from(mcp: Client) -> None:
    wrong_task = await fails(mcp, "create_comment", {"content": "x", "task_id": 987654})
    assert "task_id 987654: no such task" in wrong_task and "list_tasks" in wrong_task
    assert "nothing was changed" in wrong_task
    wrong_thread = await fails(mcp, "create_comment", {"content": "x", "thread_id": 987654})
    assert "thread_id" in wrong_thread and "987654" in wrong_thread
    for tool in ("get_comment", "update_comment", "delete_comment"):
        args: dict[str, Any] = {"id": 987654} | ({"content": "x"} if tool == "update_comment" else {})
        error = await fails(mcp, tool, args)
        assert "id 987654: no such comment" in error and "list_comments" in error, tool


# -- watch --------------------------------------------------------------------------------------


async def test_watch_new_comments_polls_each_new_comment_once(mcp: Client) -> None:
    started = await call(mcp, "watch_new_comments", {})
    assert started["count"] == 0 and started["mode"] == "polling"
    note = await call(mcp, "create_comment", {"task_id": 4, "content": "New here"})
    other = await call(mcp, "create_comment", {"task_id": 6, "content": "Elsewhere"})
    got = await call(mcp, "watch_new_comments", {})
    assert [c["id"] for c in got["comments"]] == [note["id"], other["id"]]
    assert (await call(mcp, "watch_new_comments", {}))["count"] == 0
    # thread_id narrows a watcher to one task's thread.
    await call(mcp, "watch_new_comments", {"watcher": "task4", "thread_id": note["thread_id"]})
    await call(mcp, "create_comment", {"task_id": 6, "content": "Not for task 4"})
    mine = await call(mcp, "create_comment", {"task_id": 4, "content": "For task 4"})
    narrowed = await call(mcp, "watch_new_comments", {"watcher": "task4", "thread_id": note["thread_id"]})
    assert [c["id"] for c in narrowed["comments"]] == [mine["id"]]


async def flush(sandbox: SandboxServer) -> Any:
    url = sandbox.base_url.replace("/api/", "/__sandbox/flush_webhooks")
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(url, json={})
    response.raise_for_status()
    return response.json()


async def test_watch_new_comments_instantly_through_a_comment_webhook(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    port = free_port()
    hooks = {"webhook_url": f"http://127.0.0.1:{port}", "webhook_port": port}
    async with session(fresh, state_dir=tmp_path, **hooks) as mcp:
        with anyio.fail_after(60):
            while True:
                contents = (await mcp.read_resource("paymo://watch/comments")).contents
                if json.loads(contents[0].text)["mode"] == "instant":  # type: ignore[union-attr]
                    break
                await anyio.sleep(0.02)
        await call(mcp, "watch_new_comments", {})
        note = await call(mcp, "create_comment", {"task_id": 7, "content": "Heard instantly"})
        httpx.delete(fresh.base_url.replace("/api/", "/__sandbox/requests")).raise_for_status()
        delivered = await flush(fresh)
        got = await call(mcp, "watch_new_comments", {})
    events = {d["event"] for d in delivered["deliveries"] if d["url"].startswith(f"http://127.0.0.1:{port}")}
    assert "model.insert.Comment" in events
    assert [c["id"] for c in got["comments"]] == [note["id"]] and got["mode"] == "instant"
    assert requests(fresh, "GET", "/api/comments") == []  # the webhook fed it, no poll


# -- where the tools are served -----------------------------------------------------------------


async def test_absent_by_default_and_served_by_the_toolsets_flag(fresh: SandboxServer) -> None:
    async with Client(build_server(settings_for(fresh))) as default:
        names = {t.name for t in (await default.list_tools()).tools}
        templates = {t.uri_template for t in (await default.list_resource_templates()).resource_templates}
    assert not names & TOOLS and "paymo://comments/{comment_id}" not in templates
    async with spawned(["--toolsets", "comments"], paymo_env(fresh)) as served:
        assert {t.name for t in (await served.list_tools()).tools} == TOOLS
        note = await served.call_tool("create_comment", {"task_id": 1, "content": "Over stdio"})
        assert not note.is_error and note.structured_content["thread_id"]  # type: ignore[index]


async def test_the_record_template_reads_one_comment(mcp: Client) -> None:
    note = await call(mcp, "create_comment", {"task_id": 8, "content": "As a resource"})
    templates = {t.uri_template for t in (await mcp.list_resource_templates()).resource_templates}
    assert "paymo://comments/{comment_id}" in templates
    result = await mcp.read_resource(f"paymo://comments/{note['id']}")
    record = json.loads(result.contents[0].text)  # type: ignore[union-attr]
    assert (record["id"], record["content"], record["thread_id"]) == (
        note["id"],
        "As a resource",
        note["thread_id"],
    )


# -- the sandbox follows comments.md ------------------------------------------------------------


async def test_sandbox_comment_rules(fresh: SandboxServer) -> None:
    async with paymo(fresh) as http:
        missing = await http.post("comments", json={"task_id": 1})
        assert missing.status_code == 400 and "content" in missing.json()["message"]
        nowhere = await http.post("comments", json={"content": "x"})
        assert nowhere.status_code == 400
        assert "thread_id or task_id or discussion_id or file_id" in nowhere.json()["message"]
        two = await http.post("comments", json={"content": "x", "task_id": 1, "discussion_id": 1})
        assert two.status_code == 400 and "only one of" in two.json()["message"]
        blank = await http.post("comments", json={"content": "  ", "task_id": 1})
        assert blank.status_code == 400 and "content" in blank.json()["message"]
        made = await http.post("comments", json={"content": "Docs example", "task_id": 1, "user_id": 3})
        assert made.status_code == 201 and made.headers["location"].endswith(
            f"/api/comments/{made.json()['comments'][0]['id']}"
        )
        note = made.json()["comments"][0]
        assert set(note) == {"id", "content", "thread_id", "user_id", "created_on", "updated_on"}
        assert note["user_id"] == 1  # read-only: the caller, whatever the body says
        other = await http.post("comments", json={"content": "Other task", "task_id": 2})
        other_thread = other.json()["comments"][0]["thread_id"]
        moved = await http.put(
            f"comments/{note['id']}", json={"thread_id": other_thread, "content": "Edited"}
        )
        assert moved.status_code == 200
        assert moved.json()["comments"][0]["thread_id"] == note["thread_id"]  # read-only: ignored
        assert (await http.post(f"comments/{note['id']}", json={"content": ""})).status_code == 400
        listed = await http.get("comments", params={"where": f"thread_id={note['thread_id']}"})
        assert [c["id"] for c in listed.json()["comments"]] == [note["id"]]
        threads = await http.get("threads", params={"where": "task_id=1", "include": "comments"})
        (thread,) = threads.json()["threads"]
        assert thread["id"] == note["thread_id"] and [c["content"] for c in thread["comments"]] == ["Edited"]
        hidden = await http.get("comments", params={"where": "project_id=1"})
        assert hidden.status_code == 400  # no project_id on the comment object
        assert (await http.delete(f"comments/{note['id']}")).status_code == 200
        assert (await http.get(f"comments/{note['id']}")).status_code == 404
        assert (await http.get("tasks/1")).json()["tasks"][0]["comments_count"] == 0


async def test_deleting_a_task_takes_its_thread_and_comments(mcp: Client, fresh: SandboxServer) -> None:
    note = await call(mcp, "create_comment", {"task_id": 9, "content": "Goes with the task"})
    await call(mcp, "delete_task", {"id": 9})
    assert "no such comment" in await fails(mcp, "get_comment", {"id": note["id"]})
    async with paymo(fresh) as http:
        assert (await http.get(f"threads/{note['thread_id']}")).status_code == 404
