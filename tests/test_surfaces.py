"""Surfaces: --read-only / PAYMO_READ_ONLY and --toolsets / PAYMO_TOOLSETS, through the real command line.

The flag and the variable are each tested on a spawned `python -m paymo_mcp` (stdio, against the test
sandbox), so the CLI's parsing is what is tested, not a Settings object built by hand.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError
from pydantic import SecretStr, ValidationError

from paymo_mcp.config import DEFAULT_TOOLSETS, TOOLSETS, Settings, parse_toolsets
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import TRANSCRIPT, control, fails, paymo_env, settings_for

pytestmark = pytest.mark.anyio

RESOURCE_TOOLS = {
    "tasks": ("tasks", "task"),
    "tasklists": ("tasklists", "tasklist"),
    "projects": ("projects", "project"),
    "clients": ("clients", "client"),
    "invoices": ("invoices", "invoice"),
    "time_entries": ("time_entries", "time_entry"),
    # opt-in resources (served with --toolsets or all)
    "comments": ("comments", "comment"),
    "expenses": ("expenses", "expense"),
    "milestones": ("milestones", "milestone"),
}
LOOKUP_TOOLS = {
    "get_me",
    "list_users",
    "get_lookup",
}
WRITE_PREFIXES = ("create_", "update_", "delete_")


def expected_tools(toolsets: tuple[str, ...], *, read_only: bool = False) -> set[str]:
    """The tool names the issue promises for these toolsets, written out independently of the server."""
    names: set[str] = set()
    for toolset in toolsets:
        if toolset in RESOURCE_TOOLS:
            plural, one = RESOURCE_TOOLS[toolset]
            names |= {f"list_{plural}", f"get_{one}", f"watch_new_{plural}"}
            if not read_only:
                names |= {f"create_{one}", f"update_{one}", f"delete_{one}"}
    if {"invoices", "time_entries"} <= set(toolsets) and not read_only:
        names.add("create_invoice_from_time")
    if "tasks" in toolsets and not read_only:
        names.add("assign_task")
    if "timers" in toolsets:
        names |= (
            {"summarize_time"} if read_only else {"summarize_time", "start_timer", "stop_timer", "log_time"}
        )
    if "payments" in toolsets and not read_only:
        names.add("record_invoice_payment")
    if "lookups" in toolsets:
        names |= LOOKUP_TOOLS
    if "api" in toolsets:
        names.add("api_call")
    return names


@asynccontextmanager
async def spawned(args: list[str], env: dict[str, str]) -> AsyncIterator[Client]:
    """An MCP session with `python -m paymo_mcp <args>` over stdio; its stderr joins the canary transcript."""
    params = StdioServerParameters(command=sys.executable, args=["-m", "paymo_mcp", *args], env=env)
    with tempfile.TemporaryFile("w+") as errlog:
        try:
            async with Client(stdio_client(params, errlog=errlog)) as client:
                yield client
        finally:
            errlog.seek(0)
            TRANSCRIPT.extend(errlog.read().splitlines())


def clear_log(sandbox: SandboxServer) -> None:
    httpx.delete(sandbox.base_url.replace("/api/", "/__sandbox/requests")).raise_for_status()


READ_ONLY_WAYS = {"flag": (["--read-only"], {}), "env": ([], {"PAYMO_READ_ONLY": "1"})}


@pytest.mark.parametrize("way", READ_ONLY_WAYS)
async def test_read_only_registers_no_writing_tool_and_api_call_allows_only_get(
    fresh: SandboxServer, way: str
) -> None:
    args, extra = READ_ONLY_WAYS[way]
    async with spawned(args, paymo_env(fresh, **extra)) as client:
        tools = (await client.list_tools()).tools
        names = {t.name for t in tools}
        assert names == expected_tools(DEFAULT_TOOLSETS, read_only=True)
        assert not [n for n in names if n.startswith(WRITE_PREFIXES)]
        api_call = next(t for t in tools if t.name == "api_call")
        assert api_call.input_schema["properties"]["method"]["enum"] == ["GET"]

        clear_log(fresh)
        for method, body in (("POST", {"name": "Sneaky Ltd"}), ("PUT", {"name": "X"}), ("DELETE", None)):
            path = "clients" if method == "POST" else "clients/1"
            arguments: dict[str, Any] = {"method": method, "path": path}
            if body is not None:
                arguments["body"] = body
            error = await fails(client, "api_call", arguments)
            assert "read-only" in error and f"not {method}" in error and "Nothing was sent" in error
        for override in ("DELETE", "put", "POST"):  # a GET that asks Paymo to act as a write
            arguments = {"method": "GET", "path": "clients/1", "query": {"_method": override}}
            error = await fails(client, "api_call", arguments)
            assert f"not GET with _method={override.upper()}" in error and "Nothing was sent" in error
        assert control(fresh, "requests") == [], "a refused api_call reached Paymo"

        read = await client.call_tool("api_call", {"method": "GET", "path": "clients/1"})
        assert not read.is_error and read.structured_content["status"] == 200  # type: ignore[index]
        assert [(r["method"], r["path"]) for r in control(fresh, "requests")] == [("GET", "/api/clients/1")]


def test_read_only_env_values() -> None:
    for value, expected in (("1", True), ("true", True), ("yes", True), ("0", False), ("no", False)):
        assert Settings.from_env({"PAYMO_READ_ONLY": value}).read_only is expected, value
    assert Settings.from_env({}).read_only is False


@pytest.mark.parametrize("way", READ_ONLY_WAYS)
def test_hooks_remove_is_refused_in_read_only_mode_and_sends_nothing(fresh: SandboxServer, way: str) -> None:
    args, extra = READ_ONLY_WAYS[way]
    clear_log(fresh)
    command = [sys.executable, "-m", "paymo_mcp", *args, "hooks", "remove"]
    done = subprocess.run(command, env=paymo_env(fresh, **extra), capture_output=True, text=True, timeout=60)
    TRANSCRIPT.extend([done.stdout, done.stderr])
    assert done.returncode == 2 and done.stdout == "", done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "read-only" in line and "nothing was removed" in line
    assert control(fresh, "requests") == []
    listed = subprocess.run(  # listing writes nothing: still allowed
        [*command[:-1], "list"], env=paymo_env(fresh, **extra), capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0, listed.stderr


TOOLSET_WAYS = {
    "flag": (["--toolsets", "tasks, invoices"], {}),
    "env": ([], {"PAYMO_TOOLSETS": "tasks,invoices"}),
}


@pytest.mark.parametrize("way", TOOLSET_WAYS)
async def test_toolsets_shrink_tools_list_to_the_named_resources(fresh: SandboxServer, way: str) -> None:
    args, extra = TOOLSET_WAYS[way]
    async with spawned(args, paymo_env(fresh, **extra)) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert names == expected_tools(("tasks", "invoices"))
        assert names == {
            "list_tasks", "get_task", "create_task", "update_task", "delete_task", "watch_new_tasks",
            "assign_task", "list_invoices", "get_invoice", "create_invoice", "update_invoice",
            "delete_invoice", "watch_new_invoices",
        }  # fmt: skip
        missing = await client.call_tool("list_projects", {})
        assert missing.is_error
        tasks = await client.call_tool("list_tasks", {"limit": 2})
        assert not tasks.is_error and tasks.structured_content["count"] == 2  # type: ignore[index]


@pytest.mark.parametrize(
    "toolsets",
    [
        ("time_entries", "invoices", "api"),
        ("lookups",),
        ("projects", "clients"),
        ("tasks",),
        TOOLSETS,
    ],
    ids=lambda t: "+".join(t),
)
async def test_each_toolset_combination_lists_exactly_its_tools(toolsets: tuple[str, ...]) -> None:
    server = build_server(Settings(api_key=SecretStr("surface-key"), toolsets=toolsets))
    async with Client(server) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert names == expected_tools(toolsets)


async def test_toolsets_and_read_only_combine() -> None:
    settings = Settings(api_key=SecretStr("surface-key"), toolsets=("tasks", "api"), read_only=True)
    async with Client(build_server(settings)) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert names == {"list_tasks", "get_task", "watch_new_tasks", "api_call"}


@pytest.mark.parametrize(
    ("args", "extra"),
    [(["--toolsets", "tasks,bogus"], {}), ([], {"PAYMO_TOOLSETS": "tasks, bogus"})],
    ids=["flag", "env"],
)
def test_an_unknown_toolset_is_a_clear_one_line_error(
    sandbox: SandboxServer, args: list[str], extra: dict[str, str]
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "paymo_mcp", *args, "tools"],
        env=paymo_env(sandbox, **extra),
        capture_output=True,
        text=True,
        timeout=60,
    )
    TRANSCRIPT.extend([done.stdout, done.stderr])
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "unknown toolset(s) bogus" in lines[0]
    assert all(name in lines[0] for name in TOOLSETS)  # says what would have been right


def test_toolset_names_are_checked_wherever_settings_come_from() -> None:
    assert parse_toolsets("all") == TOOLSETS
    assert parse_toolsets(" tasks , invoices ") == ("tasks", "invoices")
    with pytest.raises(ValueError, match="unknown toolset"):
        parse_toolsets("task")
    with pytest.raises(ValidationError, match="unknown toolset"):
        Settings(api_key=SecretStr("k"), toolsets=("tasks", "bogus"))
    with pytest.raises(ValueError, match="unknown toolset"):
        Settings.from_env({"PAYMO_API_KEY": "k"}, toolsets=("invoice",))


async def test_a_hidden_tool_cannot_be_called(fresh: SandboxServer) -> None:
    async with Client(build_server(settings_for(fresh, read_only=True, toolsets=("clients",)))) as client:
        clear_log(fresh)
        result = await client.call_tool("delete_client", {"id": 1})
        assert result.is_error
    assert control(fresh, "requests") == []
    async with Client(build_server(settings_for(fresh))) as client:
        assert (await client.call_tool("get_client", {"id": 1})).structured_content["id"] == 1  # type: ignore[index]


async def test_prompts_and_resource_templates_follow_toolsets_and_read_only(fresh: SandboxServer) -> None:
    async def surface(**overrides: Any) -> tuple[set[str], set[str]]:
        async with Client(build_server(settings_for(fresh, **overrides))) as client:
            prompts = {p.name for p in (await client.list_prompts()).prompts}
            templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        return prompts, templates

    prompts, templates = await surface()
    assert prompts == {"log_time", "weekly_timesheet", "invoice_unbilled_time"}
    expected = {"paymo://invoices/{invoice_id}", "paymo://lookups/{name}", "paymo://watch/{resource}"}
    assert expected <= templates
    prompts, templates = await surface(toolsets=("tasks",))
    assert prompts == set()
    assert templates == {"paymo://tasks/{task_id}", "paymo://watch/{resource}"}
    prompts, _ = await surface(read_only=True)
    assert prompts == {"weekly_timesheet"}  # the others tell the model to create records


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("paymo://tasks/²", "task_id must be a number such as 42, got '²'"),
        ("paymo://projects/٣", "project_id must be a number such as 42, got '٣'"),
        ("paymo://tasks/" + "9" * 5000, "task_id must be at most 9223372036854775807, got a number of 5000"),
        ("paymo://clients/" + "1" * 20, "client_id must be at most 9223372036854775807, got a number of 20"),
    ],
    ids=["superscript", "arabic-indic", "5000-digits", "20-digits"],
)
async def test_a_record_uri_with_an_unusable_id_gets_one_clear_line(
    mcp: Client, fresh: SandboxServer, uri: str, expected: str
) -> None:
    clear_log(fresh)
    with pytest.raises(MCPError) as raised:
        await mcp.read_resource(uri)
    message = raised.value.error.message
    TRANSCRIPT.append(message)
    assert message.startswith(expected) and "\n" not in message and len(message) < 200, message
    assert raised.value.error.code != -32603  # not an internal error
    assert control(fresh, "requests") == []  # refused before asking Paymo


async def test_a_record_uri_with_leading_zeros_reads_the_record(mcp: Client) -> None:
    result = await mcp.read_resource("paymo://tasks/001")
    assert '"id":1' in result.contents[0].text  # type: ignore[union-attr]
