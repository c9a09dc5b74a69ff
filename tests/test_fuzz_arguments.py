"""Property test over every tool's input schema: valid and broken arguments never crash the server,
never leak a traceback, and a write that failed wrote nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp.server.mcpserver import MCPServer
from pydantic import SecretStr

from paymo_mcp.config import Settings
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import CANARY_KEY, FUZZ_STATS, TRANSCRIPT, control
from tests.schema_strategies import from_schema

pytestmark = pytest.mark.anyio
WRITES = ("POST", "PUT", "DELETE")
_SERVERS: dict[str, MCPServer] = {}


def _server(sandbox: SandboxServer) -> MCPServer:
    """One server for all cases (building one is the slow part); each case still opens its own session."""
    if sandbox.base_url not in _SERVERS:
        settings = Settings(
            api_key=SecretStr(sandbox.api_key), base_url=sandbox.base_url, confirm_deletes=False, max_tries=1
        )
        _SERVERS[sandbox.base_url] = build_server(settings)
    return _SERVERS[sandbox.base_url]


def _surface() -> list[tuple[str, dict[str, Any]]]:
    server = build_server(Settings(api_key=SecretStr("x"), confirm_deletes=False))
    return [(t.name, t.parameters) for t in server._tool_manager.list_tools()]


TOOLS = _surface()


def broken(valid: st.SearchStrategy[dict[str, Any]], schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Arguments made wrong in the ways a model gets them wrong."""
    props = list(schema.get("properties", {}))
    junk = st.one_of(
        st.none(),
        st.integers(-5, 5),
        st.text(max_size=8),
        st.lists(st.integers(), max_size=2),
        st.booleans(),
        st.floats(allow_nan=True),
    )
    mutate = st.tuples(
        valid,
        st.sampled_from(["drop", "extra", "retype", "negative"]),
        st.sampled_from(props or ["id"]),
        junk,
    )

    def apply(args: tuple[dict[str, Any], str, str, Any]) -> dict[str, Any]:
        data, how, key, value = args
        data = dict(data)
        if how == "drop":
            data.pop(key, None)
        elif how == "extra":
            data[f"{key}_x"] = value
        elif how == "retype":
            data[key] = value
        else:
            data[key] = -abs(value) if isinstance(value, int) and not isinstance(value, bool) else -1
        return data

    return mutate.map(apply)


@pytest.mark.parametrize(("name", "schema"), TOOLS, ids=[n for n, _ in TOOLS])
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
async def test_any_arguments_get_a_clean_answer(
    sandbox: SandboxServer, name: str, schema: dict[str, Any], data: st.DataObject
) -> None:
    valid = from_schema(schema)
    args = data.draw(st.one_of(valid, broken(valid, schema)), label="arguments")
    if name == "api_call":
        args = {**args, "method": "GET"} if isinstance(args, dict) else args
    httpx.delete(sandbox.base_url.replace("/api/", "/__sandbox/requests"))
    async with Client(_server(sandbox)) as client:
        result = await client.call_tool(name, args)
    FUZZ_STATS["cases"] += 1
    text = " ".join(getattr(b, "text", "") for b in result.content)
    TRANSCRIPT.append(text)
    assert "Traceback" not in text and CANARY_KEY not in text
    if result.is_error:
        FUZZ_STATS["errors"] += 1
        assert text.startswith(f"Error executing tool {name}:"), text
        assert "Error executing tool" in text and text.strip() != f"Error executing tool {name}", text
        wrote = [r for r in control(sandbox, "requests") if r["method"] in WRITES and r["status"] < 400]
        assert not wrote, f"{name} failed but wrote: {wrote}"
    else:
        json.loads(result.content[0].text)  # type: ignore[union-attr]
