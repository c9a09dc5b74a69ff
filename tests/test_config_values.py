"""Settings fail closed, through the real command: a boolean variable takes exactly 1/true/yes/on or
0/false/no/off (any case), a number variable a number, and anything else stops the command with one
line naming the variable (exit code 2), never a server that quietly writes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from paymo_mcp.sandbox import SandboxServer
from tests.helpers import TRANSCRIPT, paymo_env

REFUSED_FLAGS = ["y", "Y", "enabled", "2", "readonly", "1;", "tru", "-1", "nope"]
WRITE_TOOLS = ("create_task", "update_client", "delete_invoice")


def paymo_mcp(sandbox: SandboxServer, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "paymo_mcp", *args],
        env=paymo_env(sandbox, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    TRANSCRIPT.extend([done.stdout, done.stderr])
    return done


def assert_refused(done: subprocess.CompletedProcess[str], *named: str) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("paymo-mcp: ") and all(word in lines[0] for word in named), lines[0]


@pytest.mark.parametrize("value", REFUSED_FLAGS)
def test_read_only_refuses_to_start_on_anything_but_the_documented_words(
    sandbox: SandboxServer, value: str
) -> None:
    done = paymo_mcp(sandbox, "tools", PAYMO_READ_ONLY=value)
    assert_refused(done, "PAYMO_READ_ONLY", repr(value), "1/true/yes/on", "0/false/no/off")


@pytest.mark.parametrize("value", ["y", "enabled", "1;"])
def test_no_confirm_refuses_to_start_on_anything_but_the_documented_words(
    sandbox: SandboxServer, value: str
) -> None:
    assert_refused(paymo_mcp(sandbox, "tools", PAYMO_NO_CONFIRM=value), "PAYMO_NO_CONFIRM", repr(value))


def test_the_server_itself_refuses_to_start_on_a_bad_read_only_value(sandbox: SandboxServer) -> None:
    done = paymo_mcp(sandbox, PAYMO_READ_ONLY="enabled")  # stdio: exits before reading any request
    assert_refused(done, "PAYMO_READ_ONLY")


@pytest.mark.parametrize(
    ("value", "read_only"),
    [
        ("1", True),
        ("TRUE", True),
        (" yes ", True),
        ("On", True),
        ("0", False),
        ("False", False),
        ("NO", False),
        ("off", False),
    ],
)
def test_the_documented_words_are_understood_in_any_case(
    sandbox: SandboxServer, value: str, read_only: bool
) -> None:
    done = paymo_mcp(sandbox, "tools", PAYMO_READ_ONLY=value)
    assert done.returncode == 0, done.stderr
    names = {line.split()[0] for line in done.stdout.splitlines()}
    assert "list_tasks" in names
    assert names.isdisjoint(WRITE_TOOLS) if read_only else set(WRITE_TOOLS) <= names


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("PAYMO_TIMEOUT", "abc", "is not a number"),
        ("PAYMO_TIMEOUT", "nan", "is not a finite number"),
        ("PAYMO_TIMEOUT", "0", "greater than 0"),
        ("PAYMO_MAX_TRIES", "three", "is not a whole number"),
        ("PAYMO_MAX_TRIES", "20", "less than or equal to 10"),
        ("PAYMO_WEBHOOK_PORT", "80a", "is not a whole number"),
        ("PAYMO_TOOLSETS", "tasks,bogus", "unknown toolset(s) bogus"),
        ("PAYMO_LOG_LEVEL", "loud", "is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ],
)
def test_a_bad_number_list_or_level_names_its_variable(
    sandbox: SandboxServer, variable: str, value: str, says: str
) -> None:
    assert_refused(paymo_mcp(sandbox, "tools", **{variable: value}), variable, says)
