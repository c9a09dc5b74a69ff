"""Issue 6, secrets: the API key and the password never appear in tool results, errors, log lines or
exception text — checked on the real command (`python -m paymo_mcp`, stdio, logging at DEBUG) with a
canary key and a canary password, through successes, refusals, Paymo errors, retries and lost answers.

(tests/test_secrets.py covers reprs; tests/test_watch_tools.py webhook secrets; conftest.py greps every
recorded output of the session for the canary key.)
"""

from __future__ import annotations

import sys
import tempfile
from typing import Any

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from paymo_mcp.client import PaymoClient, PaymoError
from paymo_mcp.sandbox import SandboxServer
from tests.helpers import CANARY_KEY, TRANSCRIPT, control, paymo_env

pytestmark = pytest.mark.anyio
CANARY_PASSWORD = "canary-password-3c8e1f"
WRONG_KEY = "canary-wrong-key-77d0a4"

# (tool, arguments, fault to inject first or None): every kind of answer a model can get
CALLS: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = [
    ("get_me", {}, None),
    ("list_clients", {"limit": 3}, None),
    ("get_task", {"id": 424242}, None),  # 404
    ("create_task", {"name": "x"}, None),  # Paymo's 400: no task list or project
    ("create_client", {"name": 5}, None),  # refused before sending
    ("api_call", {"path": "me", "headers": {"Authorization": "Basic x"}}, None),  # refused header
    ("api_call", {"path": "nowhere/1"}, None),  # 404 as a result
    ("list_projects", {}, {"method": "GET", "path_prefix": "/api/projects", "status": 503, "times": 1}),
    ("get_client", {"id": 1}, {"method": "GET", "path_prefix": "/api/clients", "status": 502, "times": 9}),
    ("create_client", {"name": "Lost Ltd"}, {"method": "POST", "path_prefix": "/api/clients", "reset": True}),
    ("delete_tasklist", {"id": 424242}, None),
]


def env_for(sandbox: SandboxServer, api_key: str) -> dict[str, str]:
    return paymo_env(sandbox, PAYMO_API_KEY=api_key, PAYMO_PASSWORD=CANARY_PASSWORD, PAYMO_MAX_TRIES="2")


async def session_outputs(sandbox: SandboxServer, api_key: str) -> list[str]:
    """Every text the spawned server produced: tool answers (both blocks) and its stderr at DEBUG."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "paymo_mcp", "--log-level", "DEBUG", "--no-confirm"],
        env=env_for(sandbox, api_key),
    )
    outputs: list[str] = []
    with tempfile.TemporaryFile("w+") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            for tool, arguments, fault in CALLS:
                if fault:
                    control(sandbox, "faults", {"status": 200, **fault})
                result = await client.call_tool(tool, arguments)
                outputs += [getattr(block, "text", "") for block in result.content]
                outputs.append(repr(result.structured_content))
        errlog.seek(0)
        outputs += errlog.read().splitlines()
    TRANSCRIPT.extend(outputs)
    return outputs


async def test_no_output_of_a_real_session_contains_the_key_or_password(fresh: SandboxServer) -> None:
    outputs = await session_outputs(fresh, CANARY_KEY)
    assert any("Lost Ltd" in o or "may or may not" in o for o in outputs)  # the calls really ran
    assert any("DEBUG" in o for o in outputs), "the server's debug log was not captured"
    leaks = [o for o in outputs if CANARY_KEY in o or CANARY_PASSWORD in o]
    assert leaks == [], leaks[:3]


async def test_a_rejected_key_is_not_echoed_anywhere(fresh: SandboxServer) -> None:
    outputs = await session_outputs(fresh, WRONG_KEY)
    assert any("401" in o and "PAYMO_API_KEY" in o for o in outputs)
    leaks = [o for o in outputs if WRONG_KEY in o or CANARY_PASSWORD in o]
    assert leaks == [], leaks[:3]


async def test_exception_text_and_repr_never_carry_credentials(fresh: SandboxServer) -> None:
    caught: list[PaymoError] = []
    async with PaymoClient(WRONG_KEY, fresh.base_url, password=CANARY_PASSWORD) as client:
        for path in ("me", "tasks/424242"):
            try:
                await client.request("GET", path)
            except PaymoError as exc:
                caught.append(exc)
    async with PaymoClient(fresh.api_key, fresh.base_url, password=CANARY_PASSWORD) as client:
        try:
            await client.request("GET", "tasks/424242")
        except PaymoError as exc:
            caught.append(exc)
    assert [e.status for e in caught] == [401, 401, 404]
    for error in caught:
        text = " ".join([str(error), repr(error), repr(error.args), repr(vars(error))])
        TRANSCRIPT.append(text)
        assert WRONG_KEY not in text and CANARY_PASSWORD not in text and CANARY_KEY not in text
