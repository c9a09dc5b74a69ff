"""Milestones as a full resource (opt-in toolset `milestones`), through an MCP client against the sandbox
over loopback HTTP: CRUD, filters, watch (polling and webhooks), bad input, toolsets, the record URI; and
the sandbox following milestones.md (required fields, read-only fields, links, webhooks, delete)."""

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
from mcp.shared.exceptions import MCPError

from paymo_mcp.config import parse_toolsets
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import call, control, fails, settings_for
from tests.servers import free_port
from tests.test_delete_confirmation import User

pytestmark = pytest.mark.anyio

TOOLS = {
    "list_milestones",
    "get_milestone",
    "watch_new_milestones",
    "create_milestone",
    "update_milestone",
    "delete_milestone",
}


@asynccontextmanager
async def served(
    sandbox: SandboxServer, state: Path, user: User | None = None, **overrides: Any
) -> AsyncIterator[Client]:
    """A server started as `--toolsets milestones` (the same parsing as the flag), on the sandbox."""
    settings = settings_for(sandbox, toolsets=parse_toolsets("milestones"), state_dir=state, **overrides)
    async with Client(build_server(settings), elicitation_callback=user) as client:
        yield client


@pytest.fixture
async def ms(fresh: SandboxServer, tmp_path: Path) -> AsyncIterator[Client]:
    async with served(fresh, tmp_path) as client:
        yield client


def paymo(
    sandbox: SandboxServer, method: str, path: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    """A direct, authorized call to the sandbox's Paymo API."""
    return httpx.request(method, sandbox.base_url + path, json=body, auth=(sandbox.api_key, "X"), timeout=10)


def api_requests(sandbox: SandboxServer) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = control(sandbox, "requests")
    return log


async def test_create_get_list_update_delete(fresh: SandboxServer, tmp_path: Path) -> None:
    # Project 1 (Website Redesign) holds task lists 1-3; list 2 is linked to the seeded milestone 1.
    user = User("accept")
    async with served(fresh, tmp_path, user=user) as ms:
        made = await call(
            ms,
            "create_milestone",
            {
                "name": "Beta launch",
                "project_id": 1,
                "due_date": "2026-12-10",
                "user_id": 3,
                "send_reminder": 48,
                "linked_tasklists": [3],
            },
        )
        mid = made["id"]
        assert (made["name"], made["project_id"], made["due_date"], made["user_id"]) == (
            "Beta launch",
            1,
            "2026-12-10",
            3,
        )
        assert (made["send_reminder"], made["complete"], made["reminder_sent"]) == (48, False, False)
        assert made["linked_tasklists"] == [3]

        got = await call(ms, "get_milestone", {"id": mid, "include": ["project", "user", "tasklists"]})
        assert got["project"]["name"] == "Website Redesign" and got["user"]["name"] == "Sam Chen"
        assert [t["id"] for t in got["tasklists"]] == [3]

        for filters in (
            {"project_id": 1},
            {"user_id": 3},
            {"complete": False},
            {"due_after": "2026-12-10"},
            {"due_before": "2026-12-10"},
            {"search": "beta"},
        ):
            page = await call(ms, "list_milestones", filters)
            assert mid in [m["id"] for m in page["milestones"]], filters
            assert page["count"] == len(page["milestones"])
        for filters in (
            {"project_id": 2},
            {"user_id": 2},
            {"complete": True},
            {"due_after": "2026-12-11"},
            {"due_before": "2026-12-09"},
            {"search": "nothing like it"},
        ):
            page = await call(ms, "list_milestones", filters)
            assert mid not in [m["id"] for m in page["milestones"]], filters

        renamed = await call(ms, "update_milestone", {"id": mid, "name": "Public beta"})
        assert renamed["name"] == "Public beta"
        for kept in ("project_id", "due_date", "user_id", "send_reminder", "complete", "linked_tasklists"):
            assert renamed[kept] == made[kept], kept
        moved = await call(
            ms,
            "update_milestone",
            {"id": mid, "due_date": "2027-01-15", "complete": True, "user_id": None, "linked_tasklists": []},
        )
        assert (moved["due_date"], moved["complete"], moved["user_id"], moved["linked_tasklists"]) == (
            "2027-01-15",
            True,
            None,
            [],
        )
        assert moved["name"] == "Public beta"
        again = await call(ms, "get_milestone", {"id": mid})
        assert (again["name"], again["due_date"], again["complete"]) == ("Public beta", "2027-01-15", True)
        done = await call(ms, "list_milestones", {"complete": True})
        assert [m["id"] for m in done["milestones"]] == [mid]

        assert await call(ms, "delete_milestone", {"id": mid}) == {"id": mid, "deleted": True}
        error = await fails(ms, "get_milestone", {"id": mid})
        assert f"id {mid}: no such milestone" in error and "list_milestones" in error
    assert user.messages == [f"Delete milestone {mid} 'Public beta'? This cannot be undone."]


async def test_overdue_lists_open_milestones_due_before_today(ms: Client) -> None:
    late = await call(ms, "create_milestone", {"name": "Late", "project_id": 2, "due_date": "2020-01-01"})
    done = await call(
        ms, "create_milestone", {"name": "Done", "project_id": 2, "due_date": "2020-01-01", "complete": True}
    )
    soon = await call(ms, "create_milestone", {"name": "Soon", "project_id": 2, "due_date": "tomorrow"})
    overdue = [m["id"] for m in (await call(ms, "list_milestones", {"overdue": True}))["milestones"]]
    assert late["id"] in overdue and done["id"] not in overdue and soon["id"] not in overdue
    assert "overdue" in await fails(ms, "list_milestones", {"overdue": False})


async def test_a_declined_delete_deletes_nothing(fresh: SandboxServer, tmp_path: Path) -> None:
    user = User("decline")
    async with served(fresh, tmp_path, user=user) as ms:
        await fails(ms, "delete_milestone", {"id": 1})
        assert (await call(ms, "get_milestone", {"id": 1}))["name"] == "Design sign-off"
    assert user.messages == ["Delete milestone 1 'Design sign-off'? This cannot be undone."]
    assert [r for r in api_requests(fresh) if r["method"] == "DELETE"] == []


async def test_deleting_a_milestone_keeps_its_task_lists_unlinked(ms: Client, fresh: SandboxServer) -> None:
    assert (await call(ms, "get_milestone", {"id": 1}))["linked_tasklists"] == [2]
    await call(ms, "delete_milestone", {"id": 1})
    tasklist = paymo(fresh, "GET", "tasklists/2").json()["tasklists"][0]
    assert tasklist["milestone_id"] is None  # milestones.md names no cascade: the list stays


# -- watch --------------------------------------------------------------------------------------


async def test_watch_returns_a_milestone_created_after_it_started_exactly_once(ms: Client) -> None:
    first = await call(ms, "watch_new_milestones", {})
    assert first["count"] == 0 and first["mode"] == "polling"
    other = await call(ms, "watch_new_milestones", {"watcher": "brand", "project_id": 3})
    assert other["count"] == 0
    made = await call(ms, "create_milestone", {"name": "Watched", "project_id": 1, "due_date": "2026-12-01"})
    brand = await call(ms, "create_milestone", {"name": "Guide", "project_id": 3, "due_date": "2026-12-02"})
    got = await call(ms, "watch_new_milestones", {})
    assert [m["id"] for m in got["milestones"]] == [made["id"], brand["id"]]
    assert got["milestones"][0]["name"] == "Watched"
    assert (await call(ms, "watch_new_milestones", {}))["count"] == 0  # each record once
    narrowed = await call(ms, "watch_new_milestones", {"watcher": "brand", "project_id": 3})
    assert [m["id"] for m in narrowed["milestones"]] == [brand["id"]]


async def test_watch_in_instant_mode_is_fed_by_the_milestone_webhook(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    port = free_port()
    async with served(fresh, tmp_path, webhook_url=f"http://127.0.0.1:{port}", webhook_port=port) as ms:
        with anyio.fail_after(60):
            while True:
                contents = (await ms.read_resource("paymo://watch/milestones")).contents
                if json.loads(contents[0].text)["mode"] == "instant":  # type: ignore[union-attr]
                    break
                await anyio.sleep(0.02)
        hooks = paymo(fresh, "GET", "hooks").json()["hooks"]
        assert [h["event"] for h in hooks if str(port) in h["target_url"]] == ["model.insert.Milestone"]
        await call(ms, "watch_new_milestones", {})
        made = await call(
            ms, "create_milestone", {"name": "Pushed", "project_id": 1, "due_date": "2026-12-03"}
        )
        httpx.delete(fresh.base_url.replace("/api/", "/__sandbox/requests"))
        async with httpx.AsyncClient(timeout=30) as http:
            flushed = (await http.post(fresh.base_url.replace("/api/", "/__sandbox/flush_webhooks"))).json()
        assert "model.insert.Milestone" in [d["event"] for d in flushed["deliveries"]]
        got = await call(ms, "watch_new_milestones", {})
        assert [m["id"] for m in got["milestones"]] == [made["id"]] and got["mode"] == "instant"
        assert got["milestones"][0]["project"] == {"name": "Website Redesign"}  # the payload's include
        assert not [r for r in api_requests(fresh) if r["path"] == "/api/milestones"]  # no poll


# -- bad input ----------------------------------------------------------------------------------


async def test_bad_input_names_the_field_before_any_request(ms: Client, fresh: SandboxServer) -> None:
    control(fresh, "reset", {})
    for missing in ("name", "project_id", "due_date"):
        arguments = {"name": "M", "project_id": 1, "due_date": "2026-12-01"}
        del arguments[missing]
        assert missing in await fails(ms, "create_milestone", arguments)
    base = {"name": "M", "project_id": 1}
    assert "due_date" in await fails(ms, "create_milestone", {**base, "due_date": "next friday"})
    assert "send_reminder" in await fails(
        ms, "create_milestone", {**base, "due_date": "2026-12-01", "send_reminder": -1}
    )
    assert "name" in await fails(ms, "create_milestone", {**base, "name": "", "due_date": "2026-12-01"})
    assert "unknown argument 'reminder_sent'" in await fails(
        ms, "create_milestone", {**base, "due_date": "2026-12-01", "reminder_sent": True}
    )
    assert "due_date" in await fails(ms, "update_milestone", {"id": 1, "due_date": None})
    assert "Nothing to update" in await fails(ms, "update_milestone", {"id": 1})
    assert "overdue" in await fails(ms, "list_milestones", {"overdue": False})
    assert api_requests(fresh) == []


async def test_wrong_ids_say_which_tool_finds_the_right_one(ms: Client) -> None:
    for tool, arguments in (
        ("get_milestone", {"id": 999}),
        ("update_milestone", {"id": 999, "name": "x"}),
        ("delete_milestone", {"id": 999}),
    ):
        error = await fails(ms, tool, arguments)
        assert "id 999: no such milestone" in error and "find ids with list_milestones" in error, tool
    error = await fails(ms, "create_milestone", {"name": "M", "project_id": 999, "due_date": "2026-12-01"})
    assert "project_id 999: no such project" in error and "list_projects" in error
    error = await fails(
        ms, "create_milestone", {"name": "M", "project_id": 1, "due_date": "today", "user_id": 99}
    )
    assert "user_id 99: no such user" in error and "list_users" in error
    error = await fails(ms, "list_milestones", {"project_id": 999})
    assert "project_id 999: no such project" in error
    # Task list 4 is in project 2: Paymo's refusal reaches the model, and nothing was made.
    error = await fails(
        ms, "create_milestone", {"name": "M", "project_id": 1, "due_date": "today", "linked_tasklists": [4]}
    )
    assert "linked_tasklists" in error and "another project" in error
    assert [m["name"] for m in (await call(ms, "list_milestones"))["milestones"]] == ["Design sign-off"]


async def test_a_wrong_milestone_id_elsewhere_points_to_both_finders(fresh: SandboxServer) -> None:
    async with Client(build_server(settings_for(fresh))) as default:
        error = await fails(default, "create_tasklist", {"name": "L", "project_id": 1, "milestone_id": 999})
    assert "milestone_id 999: no such milestone" in error
    assert "list_milestones (or get_lookup kind=milestones)" in error


# -- toolsets, lookup, record URI ---------------------------------------------------------------


async def test_the_tools_are_opt_in_and_get_lookup_still_lists_milestones(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    async with Client(build_server(settings_for(fresh))) as default:
        names = {t.name for t in (await default.list_tools()).tools}
        templates = {t.uri_template for t in (await default.list_resource_templates()).resource_templates}
        lookup = await call(default, "get_lookup", {"kind": "milestones", "project_id": 1})
        from_resource = json.loads(
            (await default.read_resource("paymo://lookups/milestones")).contents[0].text  # type: ignore[union-attr]
        )
    assert not names & TOOLS and "get_lookup" in names
    assert "paymo://milestones/{milestone_id}" not in templates
    assert [(m["id"], m["name"], m["due_date"]) for m in lookup["records"]] == [
        (1, "Design sign-off", "2026-11-20")
    ]
    assert [m["id"] for m in from_resource] == [1]
    async with served(fresh, tmp_path) as ms:
        opted_in = {t.name for t in (await ms.list_tools()).tools}
    assert TOOLS.issubset(opted_in)
    async with Client(build_server(settings_for(fresh, toolsets=parse_toolsets("all")))) as everything:
        assert TOOLS | {"get_lookup", "list_tasks"} <= {t.name for t in (await everything.list_tools()).tools}


async def test_the_record_template_reads_one_milestone(ms: Client) -> None:
    templates = {t.uri_template for t in (await ms.list_resource_templates()).resource_templates}
    assert "paymo://milestones/{milestone_id}" in templates
    record = json.loads((await ms.read_resource("paymo://milestones/1")).contents[0].text)  # type: ignore[union-attr]
    assert (record["id"], record["name"], record["linked_tasklists"]) == (1, "Design sign-off", [2])
    with pytest.raises(MCPError) as missing:
        await ms.read_resource("paymo://milestones/999")
    assert "no milestone with id 999" in missing.value.message


# -- the sandbox against milestones.md ----------------------------------------------------------


def test_sandbox_requires_the_documented_fields_and_ignores_read_only_ones(fresh: SandboxServer) -> None:
    refused = paymo(fresh, "POST", "milestones", {"user_id": 2})
    assert refused.status_code == 400
    assert refused.json()["message"] == "Missing required params: name, project_id, due_date"
    made = paymo(
        fresh,
        "POST",
        "milestones",
        {
            "name": "Docs",
            "project_id": 1,
            "due_date": "2015-01-15",
            "user_id": 2,
            "reminder_sent": True,
            "id": 7,
        },
    )
    assert made.status_code == 201 and made.headers["location"].endswith(
        f"/api/milestones/{made.json()['milestones'][0]['id']}"
    )
    record = made.json()["milestones"][0]
    assert record["id"] != 7 and record["reminder_sent"] is False and record["send_reminder"] == 0
    assert set(record) == {
        "id", "name", "project_id", "user_id", "due_date", "send_reminder", "reminder_sent", "complete",
        "linked_tasklists", "created_on", "updated_on",
    }  # fmt: skip
    path = f"milestones/{record['id']}"
    assert (
        paymo(fresh, "PUT", path, {"due_date": "2015-02-15"}).json()["milestones"][0]["due_date"]
        == "2015-02-15"
    )
    assert paymo(fresh, "POST", path, {"complete": True}).json()["milestones"][0]["complete"] is True
    for field in ("name", "project_id", "due_date"):
        emptied = paymo(fresh, "PUT", path, {field: None})
        assert (
            emptied.status_code == 400 and emptied.json()["message"] == f"Invalid {field}: it cannot be empty"
        )
    negative = paymo(fresh, "PUT", path, {"send_reminder": -2})
    assert negative.status_code == 400 and "send_reminder" in negative.json()["message"]
    assert paymo(fresh, "PUT", path, {"send_reminder": None}).json()["milestones"][0]["send_reminder"] == 0
    deleted = paymo(fresh, "DELETE", path)
    assert (deleted.status_code, deleted.json()) == (200, {})
    assert paymo(fresh, "GET", path).status_code == 404


def test_sandbox_filters_milestones_as_the_docs_do(fresh: SandboxServer) -> None:
    paymo(
        fresh, "POST", "milestones", {"name": "Late", "project_id": 2, "due_date": "2014-09-01", "user_id": 3}
    )
    paymo(fresh, "POST", "milestones", {"name": "Later", "project_id": 2, "due_date": "2014-12-20"})

    def names(where: str) -> list[str]:
        answer = paymo(fresh, "GET", f"milestones?where={where}")
        assert answer.status_code == 200, answer.text
        return [m["name"] for m in answer.json()["milestones"]]

    assert names("due_date=2014-09-01") == ["Late"]
    assert names("due_date>2014-12-15 and complete=false") == ["Design sign-off", "Later"]
    assert names("user_id=3") == ["Late"]
    assert names("linked_tasklists=2") == ["Design sign-off"]
    assert names("linked_tasklists in (1,3)") == []
    assert names("linked_tasklists!=2") == ["Late", "Later"]


def test_sandbox_moving_a_milestone_unlinks_the_old_projects_lists(fresh: SandboxServer) -> None:
    moved = paymo(fresh, "PUT", "milestones/1", {"project_id": 2}).json()["milestones"][0]
    assert moved["project_id"] == 2 and moved["linked_tasklists"] == []
    assert paymo(fresh, "GET", "tasklists/2").json()["tasklists"][0]["milestone_id"] is None
    relinked = paymo(fresh, "PUT", "milestones/1", {"project_id": 1, "linked_tasklists": [1, 2]})
    assert relinked.json()["milestones"][0]["linked_tasklists"] == [1, 2]


async def test_sandbox_fires_milestone_webhooks_for_insert_update_and_delete(fresh: SandboxServer) -> None:
    port = free_port()
    received: list[tuple[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = dict(scope["headers"])
        received.append((headers[b"x-paymo-event"].decode(), json.loads(body)))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    from tests.servers import serving

    with serving(app, port) as url:
        hook = paymo(fresh, "POST", "hooks", {"target_url": f"{url}/hook", "event": "*.Milestone"})
        assert hook.status_code == 201
        made = paymo(
            fresh, "POST", "milestones", {"name": "Hooked", "project_id": 1, "due_date": "2026-12-01"}
        )
        mid = made.json()["milestones"][0]["id"]
        paymo(fresh, "PUT", f"milestones/{mid}", {"complete": True})
        paymo(fresh, "DELETE", f"milestones/{mid}")
        async with httpx.AsyncClient(timeout=30) as http:
            await http.post(fresh.base_url.replace("/api/", "/__sandbox/flush_webhooks"))
    events = [event for event, _ in received]
    assert events == ["model.insert.Milestone", "model.update.Milestone", "model.delete.Milestone"]
    inserted, updated, deleted = (body for _, body in received)
    assert inserted["id"] == mid and inserted["project"] == {"name": "Website Redesign"}
    assert updated["complete"] is True
    assert deleted == {"id": str(mid)}
