"""Shared fixtures: one sandbox over real loopback HTTP, MCP client sessions against it, the canary check."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator

import pytest
from mcp import Client

from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from tests.helpers import CANARY_KEY, FUZZ_STATS, TRANSCRIPT, control, settings_for
from tests.postgres import PostgresCluster


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
    logging.getLogger().setLevel(logging.DEBUG)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    leaks = [line for line in TRANSCRIPT if CANARY_KEY in line]
    if leaks:
        print(f"\nSECRET LEAK: the canary API key appeared in {len(leaks)} outputs, e.g. {leaks[0][:200]!r}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    else:
        print(f"\ncanary check: 0 of {len(TRANSCRIPT)} recorded outputs contain the API key")
    if FUZZ_STATS["cases"]:
        print(f"fuzz: {FUZZ_STATS['cases']} tool calls, {FUZZ_STATS['errors']} rejected cleanly, 0 crashes")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(api_key=CANARY_KEY) as server:
        yield server


@pytest.fixture
def fresh(sandbox: SandboxServer) -> SandboxServer:
    """The sandbox back in its seeded state (faults, request log and rate limit cleared)."""
    control(sandbox, "reset", {})
    return sandbox


@pytest.fixture
async def mcp(fresh: SandboxServer) -> AsyncIterator[Client]:
    """An in-process MCP client session on a server whose Paymo is the fresh sandbox."""
    async with Client(build_server(settings_for(fresh))) as client:
        yield client


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster for the session (started on first use); skipped where its
    binaries are missing, except in CI, which installs them."""
    try:
        cluster = PostgresCluster.create()
    except FileNotFoundError as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    with cluster:
        yield cluster
