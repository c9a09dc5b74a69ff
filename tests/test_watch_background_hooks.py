"""Webhook registration runs in the background after the listener is bound: no answer waits for
Paymo's hooks endpoint, and a resource whose hook failed is polled on every call and says so."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client

from paymo_mcp.catalog.toolsets import DEFAULT_TOOLSETS
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from paymo_mcp.watch import WATCH_RESOURCES as ALL_WATCHED
from tests.helpers import fault, settings_for
from tests.servers import free_port
from tests.test_watch_tools import api_log, make_tasks, take, watch_modes

pytestmark = pytest.mark.anyio

# Served by the default server (opt-in resources are watchable only with --toolsets).
WATCH_RESOURCES = {n: r for n, r in ALL_WATCHED.items() if n in DEFAULT_TOOLSETS}


class HeldHooks(httpx.AsyncBaseTransport):
    """Real HTTP to the sandbox, except that hook creations wait until `release` is set."""

    def __init__(self, listener_port: int) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.release = anyio.Event()
        self.listener_port = listener_port
        self.listening_at_registration: list[bool] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/hooks"):
            self.listening_at_registration.append(listening(self.listener_port))
            await self.release.wait()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def listening(port: int) -> bool:
    """Whether something accepts connections on the loopback port."""
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@asynccontextmanager
async def instant_server(
    sandbox: SandboxServer, state: Path, transport: httpx.AsyncBaseTransport | None = None, port: int = 0
) -> AsyncIterator[Client]:
    port = port or free_port()
    settings = settings_for(
        sandbox, state_dir=state, webhook_url=f"http://127.0.0.1:{port}", webhook_port=port
    )
    async with Client(build_server(settings, transport=transport)) as client:
        yield client


async def wait_for(condition: Any) -> None:
    """Until `await condition()` is true (a guard against hanging, not a timing assertion)."""
    with anyio.fail_after(60):
        while not await condition():
            await anyio.sleep(0.02)


async def test_the_first_answer_does_not_wait_for_the_hooks_endpoint_and_failed_hooks_mean_polling(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    fault(fresh, method="POST", path_prefix="/api/hooks", status=503, times=None)
    port = free_port()
    held = HeldHooks(port)
    with anyio.fail_after(60):  # the old server never answered here: its start waited for the hooks
        async with instant_server(fresh, tmp_path, held, port) as client:
            first = await take(client)
            # Answered while the hook creations were still held back: none had reached Paymo.
            assert api_log(fresh, "POST", "/api/hooks") == []
            assert first["mode"] == "polling"
            held.release.set()

            async def all_failed() -> bool:
                return len(api_log(fresh, "POST", "/api/hooks")) == len(WATCH_RESOURCES)

            await wait_for(all_failed)
            # Each hook was created only once the listener Paymo will call was accepting connections.
            assert held.listening_at_registration == [True] * len(WATCH_RESOURCES)
            await wait_for(lambda: _noted(client))
            for n in (3, 2):  # polled on every call: each new task comes at once
                made = await make_tasks(client, n)
                got = await take(client)
                assert [t["id"] for t in got["tasks"]] == made and got["mode"] == "polling"
                assert "Webhook not registered" in got["note"] and "503" in got["note"]
            assert set((await watch_modes(client)).values()) == {"polling"}


async def _noted(client: Client) -> bool:
    return "Webhook not registered" in ((await take(client)).get("note") or "")


class TaskHookFails(httpx.AsyncBaseTransport):
    """Real HTTP to the sandbox, except that creating the tasks hook answers 503 (as Paymo may)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        hook = request.method == "POST" and request.url.path.endswith("/hooks")
        if hook and b'model.insert.Task"' in await request.aread():
            return httpx.Response(503, json={"message": "Service Unavailable"}, request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_mode_is_per_resource_when_one_hook_fails(fresh: SandboxServer, tmp_path: Path) -> None:
    async with instant_server(fresh, tmp_path, TaskHookFails()) as client:

        async def settled() -> bool:
            modes = await watch_modes(client)
            return modes["tasks"] == "polling" and list(modes.values()).count("instant") == 5

        await wait_for(settled)
        await wait_for(lambda: _noted(client))
        for n in (3, 1):
            made = await make_tasks(client, n)
            got = await take(client)
            assert [t["id"] for t in got["tasks"]] == made and got["mode"] == "polling"
        project = await take(client, "projects")
        assert project["mode"] == "instant" and "Webhook" not in (project.get("note") or "")
