"""What the server's lifespan owns and every tool reaches through its MCP context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver import Context

from paymo_mcp.client import PaymoClient
from paymo_mcp.config import Settings


@dataclass
class AppContext:
    """The shared Paymo client and settings; `extras` holds optional services (e.g. the watch service)."""

    client: PaymoClient
    settings: Settings
    extras: dict[str, Any] = field(default_factory=dict)


def app_context(ctx: Context[Any, Any]) -> AppContext:
    """The lifespan's AppContext for the request this tool call serves."""
    app = ctx.request_context.lifespan_context
    if not isinstance(app, AppContext):
        raise RuntimeError("the paymo-mcp lifespan did not run")
    return app
