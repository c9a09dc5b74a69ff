"""`resources/subscribe` takes only watch URIs, a session holds at most one per watch resource and
drops them when it ends; an unknown watch resource or an out-of-range filter id is one clear line."""

from __future__ import annotations

import gc
import warnings
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from paymo_mcp.catalog.toolsets import DEFAULT_TOOLSETS
from paymo_mcp.sandbox import SandboxServer
from paymo_mcp.server.app import build_server
from paymo_mcp.server.watching import WatchHub, watch_uri
from paymo_mcp.watch import WATCH_RESOURCES as ALL_WATCHED
from tests.helpers import fails, settings_for

pytestmark = pytest.mark.anyio

# Served by the default server (opt-in resources are watchable only with --toolsets).
WATCH_RESOURCES = {n: r for n, r in ALL_WATCHED.items() if n in DEFAULT_TOOLSETS}

UNKNOWN = ["paymo://watch/users", "paymo://tasks/1", "paymo://watch/" + "t" * 600_000, "file:///etc/passwd"]


def live_subscriptions(hub: WatchHub) -> int:
    return sum(len(uris) for uris in hub.subscriptions())


async def test_subscribe_refuses_unknown_uris_and_keeps_at_most_one_per_watch(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    hub = WatchHub(settings_for(fresh, state_dir=tmp_path))
    warnings.simplefilter("ignore")  # resources/subscribe is deprecated in the SDK, still served
    heard: list[str] = []

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            heard.append(message.params.uri)

    server = build_server(hub.settings, watch_hub=hub)
    async with Client(server, mode="legacy", message_handler=on_message) as client:
        for uri in UNKNOWN:
            with pytest.raises(MCPError, match="cannot subscribe") as refused:
                await client.subscribe_resource(uri)
            assert len(refused.value.message) < 300
        for _ in range(50):  # the same URIs again and again: still one subscription each
            for name in WATCH_RESOURCES:
                await client.subscribe_resource(watch_uri(name))
        assert hub.subscriptions() == [{watch_uri(name) for name in WATCH_RESOURCES}]
        await client.unsubscribe_resource(watch_uri("tasks"))
        assert live_subscriptions(hub) == len(WATCH_RESOURCES) - 1
        await hub.changed("projects")  # a delivery stored a new project: the subscriber hears of it
        with anyio.fail_after(30):
            while not heard:
                await anyio.sleep(0.01)
        assert heard == [watch_uri("projects")]
    gc.collect()
    assert live_subscriptions(hub) == 0  # the session ended: its subscriptions went with it


async def test_an_unknown_watch_resource_is_one_clear_line(fresh: SandboxServer, tmp_path: Path) -> None:
    async with Client(build_server(settings_for(fresh, state_dir=tmp_path))) as client:
        for name in ("users", "x" * 5000):
            with pytest.raises(MCPError) as refused:
                await client.read_resource(f"paymo://watch/{name}")
            message = refused.value.message
            assert "unknown watch resource" in message and "tasks" in message and len(message) < 300


async def test_a_watch_filter_id_beyond_any_paymo_id_is_one_clear_line(
    fresh: SandboxServer, tmp_path: Path
) -> None:
    async with Client(build_server(settings_for(fresh, state_dir=tmp_path))) as client:
        for value in (2**63, 10**30):
            message = await fails(client, "watch_new_tasks", {"project_id": value})
            assert "project_id" in message and "too large for a Paymo id" in message and "\n" not in message
