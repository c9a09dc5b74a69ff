"""Shared fixtures: one sandbox over real loopback HTTP, MCP client sessions against it, call helpers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from mcp import Client
from pydantic import SecretStr

from paymo_mcp.config import Settings
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server

# A canary: no output of the test session may ever contain it. Every log record of the session and
# every tool answer the helpers below see is kept, and checked for it when the session ends.
CANARY_KEY = "canary-key-5d1f9e2b7a"
TRANSCRIPT: list[str] = []


class _Recorder(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            TRANSCRIPT.append(self.format(record))
        except Exception:  # a record that cannot be formatted cannot leak either
            TRANSCRIPT.append(str(record.msg))


def pytest_configure(config: pytest.Config) -> None:
    recorder = _Recorder(level=logging.DEBUG)
    recorder.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s %(exc_text)s"))
    logging.getLogger().addHandler(recorder)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    leaks = [line for line in TRANSCRIPT if CANARY_KEY in line]
    if leaks:
        print(f"\nSECRET LEAK: the canary API key appeared in {len(leaks)} outputs, e.g. {leaks[0][:200]!r}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    else:
        print(f"\ncanary check: 0 of {len(TRANSCRIPT)} recorded outputs contain the API key")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(api_key=CANARY_KEY) as server:
        yield server


def control(sandbox: SandboxServer, action: str, body: dict[str, Any] | None = None) -> Any:
    """Call a /__sandbox/ control endpoint."""
    url = sandbox.base_url.replace("/api/", f"/__sandbox/{action}")
    response = (
        httpx.post(url, json=body or {}) if body is not None or action != "requests" else httpx.get(url)
    )
    response.raise_for_status()
    return response.json() if response.content else None


@pytest.fixture
def fresh(sandbox: SandboxServer) -> SandboxServer:
    """The sandbox back in its seeded state (faults, request log and rate limit cleared)."""
    control(sandbox, "reset", {})
    return sandbox


def settings_for(sandbox: SandboxServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "api_key": SecretStr(sandbox.api_key),
        "base_url": sandbox.base_url,
        "max_tries": 3,
        "retry_budget_s": 10.0,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def mcp(fresh: SandboxServer) -> AsyncIterator[Client]:
    """An in-process MCP client session on a server whose Paymo is the fresh sandbox."""
    async with Client(build_server(settings_for(fresh))) as client:
        yield client


async def call(client: Client, tool: str, args: dict[str, Any] | None = None) -> Any:
    """The structured result of a tool call that must succeed."""
    result = await client.call_tool(tool, args or {})
    text = result.content[0].text if result.content else ""  # type: ignore[union-attr]
    TRANSCRIPT.append(text)
    assert not result.is_error, f"{tool} failed: {text}"
    return result.structured_content


async def fails(client: Client, tool: str, args: dict[str, Any] | None = None) -> str:
    """The one-line error text of a tool call that must fail."""
    result = await client.call_tool(tool, args or {})
    assert result.is_error, f"{tool} unexpectedly succeeded: {result.structured_content}"
    text: str = result.content[0].text  # type: ignore[union-attr]
    TRANSCRIPT.append(text)
    assert "Traceback" not in text and "\n" not in text.strip(), text
    return text
