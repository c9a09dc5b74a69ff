"""Builds the MCPServer from Settings: one Paymo client in the lifespan, the tools the settings allow."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from mcp.server.mcpserver import MCPServer

from paymo_mcp import __version__
from paymo_mcp.apps import views_extension
from paymo_mcp.config import Settings
from paymo_mcp.server.prompts import add_prompts
from paymo_mcp.server.resources import add_resources
from paymo_mcp.server.watching import WatchHub
from paymo_mcp.tools.context import AppContext
from paymo_mcp.tools.registry import build_tools

INSTRUCTIONS = (
    "Work in a Paymo account: tasks, task lists, projects, clients, invoices and time entries. "
    "Find ids with the list_* tools (search finds by name) before get/update/delete. Dates are "
    "YYYY-MM-DD or today/yesterday/tomorrow; date-times ISO 8601 or now; a time without an offset is "
    "in your Paymo time zone (get_me). "
    "update_* changes only the fields you pass; null clears a field."
)


class Lifespan:
    """The server's lifespan: one Paymo client and the watch, as the AppContext of every request; while
    it runs, `running()` gives that context to handlers without a request context (completion)."""

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None, hub: WatchHub) -> None:
        self.settings = settings
        self.transport = transport
        self.hub = hub
        self._app: AppContext | None = None

    def running(self) -> AppContext | None:
        return self._app

    @asynccontextmanager
    async def __call__(self, _: MCPServer[AppContext]) -> AsyncIterator[AppContext]:
        client = self.settings.paymo_client(self.transport)
        async with client, self.hub.running(client) as watch:
            self._app = app = AppContext(client=client, settings=self.settings, watch=watch)
            try:
                yield app
            finally:
                self._app = None


def build_server(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    watch_hub: WatchHub | None = None,
) -> MCPServer[AppContext]:
    """An MCPServer for `settings`; `transport` lets tests route the Paymo client in process.

    Pass `watch_hub` to serve its webhook routes on an HTTP app of your own (`watch_hub.routes()`).
    """
    if settings.api_key is None:
        raise ValueError(
            "PAYMO_API_KEY is not set. Create a key in Paymo (My Settings > API Keys) and export it, "
            "or run `paymo-mcp --sandbox` to try the server against a local sandbox."
        )
    hub = watch_hub or WatchHub(settings)
    lifespan = Lifespan(settings, transport, hub)
    tools, views = views_extension(build_tools(settings))
    server: MCPServer[AppContext] = MCPServer(
        "paymo-mcp",
        title="Paymo",
        version=__version__,
        instructions=INSTRUCTIONS,
        tools=tools,
        lifespan=lifespan,
        subscriptions=hub.bus,
        extensions=[views] if views else None,
    )
    add_prompts(server, settings.toolsets, settings.read_only)
    add_resources(server, lifespan.running, settings.toolsets)
    hub.add_to(server)
    # The SDK sets the root logger to INFO; one line per upstream request is noise (and stderr-bound).
    for name in ("httpx", "httpx2", "httpcore", "mcp.server.lowlevel.server"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return server
