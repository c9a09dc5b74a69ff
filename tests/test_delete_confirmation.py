"""Deletes ask first: a client that supports elicitation is asked to confirm, naming the record and what
Paymo deletes with it; only an accepted "yes" deletes. --no-confirm / PAYMO_NO_CONFIRM (agents) and
clients without elicitation are not asked. Both protocol eras (2026-07-28 and the legacy handshake).
An api_call that deletes (DELETE, or a `_method=DELETE` override) asks the same question.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any, Literal

import mcp_types as types
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.session import ClientRequestContext
from mcp.client.stdio import stdio_client

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import TRANSCRIPT, call, control, fails, settings_for

pytestmark = pytest.mark.anyio
MODES = ["auto", "legacy"]

# what the record is called -> (delete tool, get tool, a seeded id, its name or None, what cascades)
RECORDS: dict[str, tuple[str, str, int, str | None, str]] = {
    "task": ("delete_task", "get_task", 1, "Stakeholder interviews", "all its time entries"),
    "task list": ("delete_tasklist", "get_tasklist", 1, "Discovery", "its tasks and their time entries"),
    "project": (
        "delete_project",
        "get_project",
        3,
        "Brand Guidelines",
        "its task lists, tasks, discussions, files and time entries",
    ),
    "client": (
        "delete_client",
        "get_client",
        3,
        "Initech GmbH",
        "its projects, task lists, tasks and time entries",
    ),
    "invoice": ("delete_invoice", "get_invoice", 2, None, "its items and payments"),
    "time entry": ("delete_time_entry", "get_time_entry", 1, None, ""),
}


class User:
    """The person behind an eliciting client: answers every question the same way and keeps them."""

    def __init__(
        self, action: Literal["accept", "decline", "cancel"] = "accept", confirm: bool = True
    ) -> None:
        self.action = action
        self.confirm = confirm
        self.questions: list[types.ElicitRequestParams] = []

    async def __call__(
        self, context: ClientRequestContext, params: types.ElicitRequestParams
    ) -> types.ElicitResult:
        self.questions.append(params)
        TRANSCRIPT.append(params.message)
        if self.action != "accept":
            return types.ElicitResult(action=self.action)
        return types.ElicitResult(action="accept", content={"confirm": self.confirm})

    @property
    def messages(self) -> list[str]:
        return [q.message for q in self.questions]


def deletes(sandbox: SandboxServer) -> list[str]:
    return [r["path"] for r in control(sandbox, "requests") if r["method"] == "DELETE"]


@pytest.mark.parametrize("mode", MODES)
async def test_accepting_deletes_the_record_after_a_question_naming_it(
    fresh: SandboxServer, mode: str
) -> None:
    user = User("accept")
    async with Client(build_server(settings_for(fresh)), mode=mode, elicitation_callback=user) as client:
        result = await call(client, "delete_task", {"id": 1})
        assert result == {"id": 1, "deleted": True}
        assert "404" in await fails(client, "get_task", {"id": 1})
    assert len(user.questions) == 1
    question = user.questions[0]
    assert isinstance(question, types.ElicitRequestFormParams)
    assert question.message == (
        "Delete task 1 'Stakeholder interviews'? Also deletes all its time entries. This cannot be undone."
    )
    assert question.requested_schema["properties"]["confirm"]["type"] == "boolean"
    assert deletes(fresh) == ["/api/tasks/1"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("action", "confirm"), [("decline", True), ("cancel", True), ("accept", False)])
async def test_anything_but_yes_deletes_nothing_and_says_so(
    fresh: SandboxServer, mode: str, action: Literal["accept", "decline", "cancel"], confirm: bool
) -> None:
    user = User(action, confirm)
    async with Client(build_server(settings_for(fresh)), mode=mode, elicitation_callback=user) as client:
        error = await fails(client, "delete_project", {"id": 3})
        assert error == "Error executing tool delete_project: Nothing was done: the user did not confirm."
        still = await call(client, "get_project", {"id": 3})
        assert still["name"] == "Brand Guidelines"
        tasks = await call(client, "list_tasks", {"project_id": 3})
        assert tasks["count"] > 0  # the cascade did not happen either
    assert len(user.questions) == 1 and "Delete project 3 'Brand Guidelines'?" in user.messages[0]
    assert deletes(fresh) == []


@pytest.mark.parametrize("resource", RECORDS)
async def test_each_question_names_the_record_and_what_cascades(fresh: SandboxServer, resource: str) -> None:
    tool, get_tool, record_id, name, cascade = RECORDS[resource]
    user = User("decline")
    async with Client(build_server(settings_for(fresh)), elicitation_callback=user) as client:
        await fails(client, tool, {"id": record_id})
        record = await call(client, get_tool, {"id": record_id})  # still there
    (message,) = user.messages
    assert message.startswith(f"Delete {resource} {record_id}")
    if name is not None:
        assert record["name"] == name and f"'{name}'" in message
    if cascade:
        assert f"Also deletes {cascade}." in message
    assert message.endswith("This cannot be undone.")
    assert deletes(fresh) == []


async def test_no_confirm_setting_deletes_without_asking(fresh: SandboxServer) -> None:
    user = User("decline")  # would refuse, if it were asked
    settings = settings_for(fresh, confirm_deletes=False)
    async with Client(build_server(settings), elicitation_callback=user) as client:
        assert await call(client, "delete_client", {"id": 3}) == {"id": 3, "deleted": True}
    assert user.questions == [] and deletes(fresh) == ["/api/clients/3"]


@pytest.mark.parametrize("mode", MODES)
async def test_a_client_without_elicitation_is_not_asked(fresh: SandboxServer, mode: str) -> None:
    async with Client(build_server(settings_for(fresh)), mode=mode) as client:
        assert await call(client, "delete_time_entry", {"id": 1}) == {"id": 1, "deleted": True}
    assert deletes(fresh) == ["/api/entries/1"]


async def test_a_missing_record_is_reported_without_a_question(fresh: SandboxServer) -> None:
    user = User("accept")
    async with Client(build_server(settings_for(fresh)), elicitation_callback=user) as client:
        error = await fails(client, "delete_task", {"id": 99999})
    assert "404" in error and "99999" in error
    assert user.questions == []


def writes(sandbox: SandboxServer) -> list[str]:
    return [f"{r['method']} {r['path']}" for r in control(sandbox, "requests") if r["method"] != "GET"]


CLIENT_3 = (
    "'Initech GmbH' ({request})? Also deletes its projects, task lists, tasks and time entries. "
    "This cannot be undone."
)
DELETING_CALLS: dict[str, tuple[dict[str, Any], str]] = {
    "DELETE": ({"method": "DELETE", "path": "clients/3"}, "api_call DELETE clients/3"),
    "POST as DELETE": (
        {"method": "POST", "path": "/api/clients/3", "query": {"_method": "DELETE"}},
        "api_call POST with _method=DELETE clients/3",
    ),
    "PUT as DELETE": (
        {"method": "PUT", "path": "clients/3", "query": {"_METHOD": "delete"}, "body": {}},
        "api_call PUT with _method=DELETE clients/3",
    ),
    "POST body as DELETE": (
        {"method": "POST", "path": "clients/3", "body": {"_method": "DELETE"}},
        "api_call POST with _method=DELETE clients/3",
    ),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("way", DELETING_CALLS)
async def test_an_api_call_that_deletes_asks_as_delete_client_does(
    fresh: SandboxServer, mode: str, way: str
) -> None:
    arguments, request = DELETING_CALLS[way]
    user = User("decline")
    async with Client(build_server(settings_for(fresh)), mode=mode, elicitation_callback=user) as client:
        error = await fails(client, "api_call", arguments)
        assert error == "Error executing tool api_call: Nothing was done: the user did not confirm."
        assert (await call(client, "get_client", {"id": 3}))["name"] == "Initech GmbH"
    assert user.messages == ["Delete client 3 " + CLIENT_3.format(request=request)]
    assert writes(fresh) == []


async def test_an_accepted_api_call_delete_deletes(fresh: SandboxServer) -> None:
    user = User("accept")
    async with Client(build_server(settings_for(fresh)), elicitation_callback=user) as client:
        result = await call(client, "api_call", {"method": "DELETE", "path": "clients/3"})
        assert result["status"] == 200
        assert "404" in await fails(client, "get_client", {"id": 3})
    assert len(user.questions) == 1 and writes(fresh) == ["DELETE /api/clients/3"]


async def test_an_api_call_delete_of_an_untyped_path_asks_in_general_terms(fresh: SandboxServer) -> None:
    user = User("decline")
    async with Client(build_server(settings_for(fresh)), elicitation_callback=user) as client:
        await fails(client, "api_call", {"method": "DELETE", "path": "discussions/1"})
    assert user.messages == [
        "Send api_call DELETE discussions/1 to Paymo? It deletes what that path names. This cannot be undone."
    ]
    assert writes(fresh) == []


async def test_api_calls_that_do_not_delete_ask_nothing(fresh: SandboxServer) -> None:
    user = User("decline")  # would refuse, if it were asked
    async with Client(build_server(settings_for(fresh)), elicitation_callback=user) as client:
        for arguments in (
            {"path": "clients/3"},
            {"method": "PUT", "path": "clients/3", "body": {"city": "Bonn"}},
            {"method": "POST", "path": "clients/3", "query": {"_method": "PUT"}, "body": {"city": "Köln"}},
            {"method": "PATCH", "path": "clients/3", "body": {"city": "Wien"}},
        ):
            await call(client, "api_call", arguments)
    assert user.questions == []


async def test_no_confirm_setting_lets_an_api_call_delete_without_asking(fresh: SandboxServer) -> None:
    user = User("decline")
    server = build_server(settings_for(fresh, confirm_deletes=False))
    async with Client(server, elicitation_callback=user) as client:
        assert (await call(client, "api_call", {"method": "DELETE", "path": "clients/3"}))["status"] == 200
    assert user.questions == [] and writes(fresh) == ["DELETE /api/clients/3"]


NO_CONFIRM_WAYS: dict[str, tuple[list[str], dict[str, str]]] = {
    "flag": (["--no-confirm"], {}),
    "env": ([], {"PAYMO_NO_CONFIRM": "1"}),
    "default": ([], {}),
}


DELETES_OF_TASKLIST_8 = {
    "delete_tasklist": {"id": 8},
    "api_call": {"method": "DELETE", "path": "tasklists/8"},
}


@pytest.mark.parametrize("tool", DELETES_OF_TASKLIST_8)
@pytest.mark.parametrize("way", NO_CONFIRM_WAYS)
async def test_no_confirm_flag_and_variable_on_the_real_command(
    fresh: SandboxServer, way: str, tool: str
) -> None:
    args, extra = NO_CONFIRM_WAYS[way]
    env: dict[str, Any] = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}
    env.update(
        PAYMO_API_KEY=fresh.api_key,
        PAYMO_BASE_URL=fresh.base_url,
        PAYMO_STATE_DIR=tempfile.mkdtemp(prefix="paymo-mcp-confirm-"),
        **extra,
    )
    params = StdioServerParameters(command=sys.executable, args=["-m", "paymo_mcp", *args], env=env)
    user = User("decline")
    with tempfile.TemporaryFile("w+") as errlog:
        async with Client(stdio_client(params, errlog=errlog), elicitation_callback=user) as client:
            result = await client.call_tool(tool, DELETES_OF_TASKLIST_8[tool])
        errlog.seek(0)
        TRANSCRIPT.extend(errlog.read().splitlines())
    text = result.content[0].text  # type: ignore[union-attr]
    TRANSCRIPT.append(text)
    if way == "default":  # asked, declined, kept
        assert result.is_error and "did not confirm" in text
        assert len(user.questions) == 1 and deletes(fresh) == []
    else:
        assert not result.is_error, text
        assert user.questions == [] and deletes(fresh) == ["/api/tasklists/8"]


@pytest.mark.parametrize(("tool", "get_tool", "field"), [("delete_invoice", "get_invoice", "number")])
async def test_records_without_a_name_are_named_by_what_people_know_them_by(
    fresh: SandboxServer, tool: str, get_tool: str, field: str
) -> None:
    user = User("decline")
    async with Client(build_server(settings_for(fresh)), elicitation_callback=user) as client:
        await fails(client, tool, {"id": 2})
        record = await call(client, get_tool, {"id": 2})
    (message,) = user.messages
    assert record[field] and f"{record[field]!r}" in message
