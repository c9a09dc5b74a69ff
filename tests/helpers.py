"""Helpers shared by the tests: the canary key, the session transcript, sandbox controls and call helpers.

Kept out of conftest.py so every test module (and conftest itself) imports the one same copy.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import anyio
import httpx
from mcp import Client
from pydantic import SecretStr

from paymo_mcp.config import Settings
from paymo_mcp.sandbox import SandboxServer

# No tool answer may be longer (about 10k tokens, where clients start to warn).
MAX_ANSWER_CHARS = 40_000

# A canary: no output of the test session may ever contain it. Every log record of the session and
# every tool answer the helpers below see is kept, and checked for it when the session ends.
CANARY_KEY = "canary-key-5d1f9e2b7a"
TRANSCRIPT: list[str] = []
# Filled by the property test over tool arguments, reported when the session ends.
FUZZ_STATS = {"cases": 0, "errors": 0}


def control(sandbox: SandboxServer, action: str, body: dict[str, Any] | None = None) -> Any:
    """Call a /__sandbox/ control endpoint."""
    url = sandbox.base_url.replace("/api/", f"/__sandbox/{action}")
    response = (
        httpx.post(url, json=body or {}) if body is not None or action != "requests" else httpx.get(url)
    )
    response.raise_for_status()
    return response.json() if response.content else None


def settings_for(sandbox: SandboxServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "api_key": SecretStr(sandbox.api_key),
        "base_url": sandbox.base_url,
        "max_tries": 3,
        "retry_budget_s": 10.0,
    }
    values.update(overrides)
    return Settings(**values)


async def call(client: Client, tool: str, args: dict[str, Any] | None = None) -> Any:
    """The structured result of a tool call that must succeed."""
    result = await client.call_tool(tool, args or {})
    text = result.content[0].text if result.content else ""  # type: ignore[union-attr]
    TRANSCRIPT.append(text)
    assert not result.is_error, f"{tool} failed: {text}"
    assert len(text) <= MAX_ANSWER_CHARS, f"{tool}: an answer of {len(text):,} characters"
    return result.structured_content


async def fails(client: Client, tool: str, args: dict[str, Any] | None = None) -> str:
    """The one-line error text of a tool call that must fail."""
    result = await client.call_tool(tool, args or {})
    assert result.is_error, f"{tool} unexpectedly succeeded: {result.structured_content}"
    text: str = result.content[0].text  # type: ignore[union-attr]
    TRANSCRIPT.append(text)
    assert "Traceback" not in text and "\n" not in text.strip(), text
    return text


def fault(sandbox: SandboxServer, **spec: Any) -> None:
    """Arm one sandbox fault (`method`, `path_prefix`, `status`, `times`, `delay_s`, `reset`, ...)."""
    control(
        sandbox,
        "faults",
        {"method": None, "times": 1, "retry_after": None, "delay_s": 0, "reset": False, **spec},
    )


def paymo_env(sandbox: SandboxServer, **extra: str) -> dict[str, str]:
    """The environment of a spawned server: PATH/HOME plus the PAYMO_* settings (stdio passes no others)."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}
    env.update(
        PAYMO_API_KEY=sandbox.api_key,
        PAYMO_BASE_URL=sandbox.base_url,
        PAYMO_STATE_DIR=tempfile.mkdtemp(prefix="paymo-mcp-test-"),
    )
    env.update(extra)
    return env


# A raw streamable-HTTP `initialize`, for tests that speak HTTP without an MCP client.
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}
MCP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


class SlowHookCreation(httpx.AsyncBaseTransport):
    """Real HTTP to the sandbox; creating a hook takes a while, as a far-away Paymo would, so two
    replicas starting together are both between "none stored yet" and "created" at once. `shared`:
    used by many clients (every person's of a multi-user replica), so none of them closes it."""

    def __init__(self, *, shared: bool = False) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.created = 0
        self.shared = shared

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/hooks"):
            self.created += 1
            await anyio.sleep(0.3)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        if not self.shared:  # a shared one's connections go with the event loop that made them
            await self.inner.aclose()
