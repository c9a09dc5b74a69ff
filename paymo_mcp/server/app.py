"""Builds the MCPServer from Settings: one Paymo client in the lifespan, the tools the settings allow."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools.base import Tool

from paymo_mcp import __version__
from paymo_mcp.client import PaymoClient
from paymo_mcp.config import Settings
from paymo_mcp.server.context import AppContext
from paymo_mcp.server.prompts import add_prompts
from paymo_mcp.server.resources import add_resources
from paymo_mcp.server.watching import WatchHub
from paymo_mcp.tools.assign import assign_tool
from paymo_mcp.tools.generator import resource_tools
from paymo_mcp.tools.invoice_from_time import invoice_from_time_tool
from paymo_mcp.tools.lookups import lookup_tools
from paymo_mcp.tools.payments import payment_tool
from paymo_mcp.tools.resources import RESOURCES
from paymo_mcp.tools.time_summary import summarize_time_tool
from paymo_mcp.tools.timers import timer_tools

INSTRUCTIONS = (
    "Work in a Paymo account: tasks, task lists, projects, clients, invoices and time entries. "
    "Find ids with the list_* tools (search finds by name) before get/update/delete. Dates are "
    "YYYY-MM-DD or today/yesterday/tomorrow; date-times ISO 8601 or now; a time without an offset is "
    "in your Paymo time zone (get_me). "
    "update_* changes only the fields you pass; null clears a field."
)


def build_tools(settings: Settings) -> list[Tool]:
    """Every tool the settings enable, in a stable order."""
    tools: list[Tool] = []
    for spec in RESOURCES:
        if spec.name in settings.toolsets:
            tools += resource_tools(spec, read_only=settings.read_only)
    if {"invoices", "time_entries"} <= set(settings.toolsets) and not settings.read_only:
        tools.append(invoice_from_time_tool())
    if not settings.read_only:
        tools += [assign_tool()] if "tasks" in settings.toolsets else []
        tools += timer_tools() if "timers" in settings.toolsets else []
        tools += [payment_tool()] if "payments" in settings.toolsets else []
    if "timers" in settings.toolsets:
        tools.append(summarize_time_tool())
    if "lookups" in settings.toolsets:
        tools += lookup_tools()
    if "api" in settings.toolsets:
        from paymo_mcp.tools.api_call import api_call_tool

        tools.append(api_call_tool(read_only=settings.read_only))
    return tools


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
    holder: dict[str, AppContext] = {}  # the lifespan's AppContext, for handlers without a request context
    hub = watch_hub or WatchHub(settings)

    @asynccontextmanager
    async def lifespan(_: MCPServer[AppContext]) -> AsyncIterator[AppContext]:
        client = PaymoClient.from_settings(settings, transport)
        async with client, hub.running(client) as watch:
            holder["app"] = app = AppContext(client=client, settings=settings, extras={"watch": watch})
            try:
                yield app
            finally:
                holder.pop("app", None)

    server: MCPServer[AppContext] = MCPServer(
        "paymo-mcp",
        title="Paymo",
        version=__version__,
        instructions=INSTRUCTIONS,
        tools=build_tools(settings),
        lifespan=lifespan,
        subscriptions=hub.bus,
    )
    add_prompts(server, settings.toolsets, settings.read_only)
    add_resources(server, holder, settings.toolsets)
    hub.add_to(server)
    # The SDK sets the root logger to INFO; one line per upstream request is noise (and stderr-bound).
    for name in ("httpx", "httpx2", "httpcore", "mcp.server.lowlevel.server"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return server
