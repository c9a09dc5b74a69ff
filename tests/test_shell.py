"""`paymo-mcp tools` and `paymo-mcp call` as a person or a script runs them: a real process, --sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from pydantic import SecretStr

from paymo_mcp.config import Settings
from paymo_mcp.server.app import build_tools


def run(*args: str) -> subprocess.CompletedProcess[str]:
    # The user's own PAYMO_* settings must not leak in: --sandbox alone decides the backend.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYMO_")}
    return subprocess.run(
        [sys.executable, "-m", "paymo_mcp", "--sandbox", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


@pytest.fixture(scope="module")
def tools_listing() -> subprocess.CompletedProcess[str]:
    return run("tools")


def test_tools_lists_every_tool_once_with_a_one_line_summary(
    tools_listing: subprocess.CompletedProcess[str],
) -> None:
    assert tools_listing.returncode == 0, tools_listing.stderr
    lines = tools_listing.stdout.splitlines()
    expected = [t.name for t in build_tools(Settings(api_key=SecretStr("k")))]
    assert len(expected) >= 41 and "create_invoice_from_time" in expected and "get_lookup" in expected
    assert [line.split()[0] for line in lines] == expected
    for line in lines:
        name, _, summary = line.partition("  ")
        assert summary.strip(), f"{name} has no summary"
        assert len(line) <= 120, line
    described = dict(line.split(None, 1) for line in lines)
    assert described["list_users"].startswith("List users;")
    assert described["create_invoice_from_time"].startswith("Invoice a client's unbilled billable time")


def test_call_prints_the_result_as_json_and_exits_0() -> None:
    done = run("call", "list_clients", '{"limit": 2}')
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # the whole of stdout is the JSON answer, nothing else
    assert [c["name"] for c in result["clients"]] == ["Acme Corporation", "Globex Ltd"]
    assert (result["count"], result["more"]) == (2, True)


def test_a_bad_argument_exits_1_with_one_line_naming_it() -> None:
    done = run("call", "list_clients", '{"limt": 2}')
    assert done.returncode == 1
    assert done.stdout == ""
    message = done.stderr.strip()
    assert "\n" not in message, message
    assert "unknown argument 'limt'" in message and "limit" in message


def test_an_unknown_tool_exits_1_naming_it() -> None:
    done = run("call", "list_clientz", "{}")
    assert done.returncode == 1 and done.stdout == ""
    assert "list_clientz" in done.stderr and "\n" not in done.stderr.strip()


def test_arguments_that_are_not_a_json_object_exit_2_before_any_call() -> None:
    for raw in ("{limit: 2}", "[1, 2]"):
        done = run("call", "list_clients", raw)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.startswith("paymo-mcp: the arguments ") and done.stderr.count("\n") == 1


def test_logs_go_to_stderr_never_stdout() -> None:
    done = run("--log-level", "DEBUG", "call", "get_me")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["name"] == "Alex Admin"  # stdout: the answer alone
    assert " DEBUG " in done.stderr  # the debug logs were written, to stderr
