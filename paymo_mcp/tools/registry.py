"""Which tools a server offers: each spec's generated tools in its toolset, then the hand-written groups.

A hand-written group names the toolsets it needs and whether it writes; nothing else decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mcp.server.mcpserver.tools import Tool

from paymo_mcp.catalog.resources import RESOURCES
from paymo_mcp.config import Settings
from paymo_mcp.tools.api_call import api_call_tool
from paymo_mcp.tools.assign import assign_tool
from paymo_mcp.tools.generator import resource_tools
from paymo_mcp.tools.invoice_from_time import invoice_from_time_tool
from paymo_mcp.tools.lookups import lookup_tools
from paymo_mcp.tools.payments import payment_tool
from paymo_mcp.tools.time_summary import summarize_time_tool
from paymo_mcp.tools.timers import timer_tools


@dataclass(frozen=True)
class ToolGroup:
    """Hand-written tools, served when every toolset in `needs` is (and, if they write, not read-only)."""

    make: Callable[[bool, frozenset[str]], list[Tool]]  # (read_only, served toolsets) -> the tools
    needs: tuple[str, ...]
    writes: bool


HAND_WRITTEN: tuple[ToolGroup, ...] = (
    ToolGroup(lambda *_: [invoice_from_time_tool()], ("invoices", "time_entries"), writes=True),
    ToolGroup(lambda *_: [assign_tool()], ("tasks",), writes=True),
    ToolGroup(lambda *_: timer_tools(), ("timers",), writes=True),
    ToolGroup(lambda *_: [payment_tool()], ("payments",), writes=True),
    ToolGroup(lambda *_: [summarize_time_tool()], ("timers",), writes=False),
    ToolGroup(lambda *_: lookup_tools(), ("lookups",), writes=False),
    ToolGroup(lambda read_only, served: [api_call_tool(read_only, served)], ("api",), writes=False),
)


def build_tools(settings: Settings) -> list[Tool]:
    """Every tool the settings enable, in a stable order: resources in catalog order, then the rest."""
    served = frozenset(settings.toolsets)
    tools: list[Tool] = []
    for spec in RESOURCES:
        if spec.toolset in served:
            tools += resource_tools(spec, read_only=settings.read_only)
    for group in HAND_WRITTEN:
        if set(group.needs) <= served and not (group.writes and settings.read_only):
            tools += group.make(settings.read_only, served)
    return tools
