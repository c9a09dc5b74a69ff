"""What the server's lifespan owns and every tool reaches through its MCP context: typed, no locator."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError

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
    multi_user: bool = False  # the lifespan's context in multi-user mode: each call uses its caller's


def _callers_context(ctx: Context[Any, Any]) -> AppContext:
    """Multi-user mode: the AppContext of the person whose access token this request carries (set by the
    OAuth provider when it checked the token); never the lifespan's."""
    request = ctx.request_context.request
    scope = getattr(request, "scope", None) or {}
    token = getattr(scope.get("user"), "access_token", None)
    person = getattr(token, "_person", None)
    if not isinstance(person, AppContext):
        raise ToolError("This server needs each person to sign in (OAuth); this request carried no sign-in.")
    return person


def app_context(ctx: Context[Any, Any]) -> AppContext:
    """The lifespan's AppContext for the request this tool call serves."""
    app = ctx.request_context.lifespan_context
    if not isinstance(app, AppContext):
        raise RuntimeError("the paymo-mcp lifespan did not run")
    return _callers_context(ctx) if app.multi_user else app
