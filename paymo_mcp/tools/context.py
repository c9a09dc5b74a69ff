"""What the server's lifespan owns and every tool reaches through its MCP context: typed, no locator."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from mcp.server.mcpserver import Context

from paymo_mcp.client import PaymoClient
from paymo_mcp.config import Settings
from paymo_mcp.watch.service import WatchService


@dataclass
class UserFacts:
    """What GET /me told about the API key's user, read once per server life (None: not read yet)."""

    timezone: tzinfo | None = None
    user_id: int | None = None


@dataclass
class AppContext:
    """The shared Paymo client and settings, the watch service (None where nothing watches, e.g. the
    `call` sub-command before the lifespan) and the facts about the user."""

    client: PaymoClient
    settings: Settings
    watch: WatchService | None = None
    user: UserFacts = field(default_factory=UserFacts)


def app_context(ctx: Context[Any, Any]) -> AppContext:
    """The lifespan's AppContext for the request this tool call serves."""
    app = ctx.request_context.lifespan_context
    if not isinstance(app, AppContext):
        raise RuntimeError("the paymo-mcp lifespan did not run")
    return app
