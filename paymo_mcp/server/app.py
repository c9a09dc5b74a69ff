"""Builds the MCPServer from Settings: one Paymo client in the lifespan, the tools the settings allow."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio
import httpx
from mcp.server.mcpserver import MCPServer

from paymo_mcp import __version__
from paymo_mcp.apps import views_extension
from paymo_mcp.client import PaymoClient
from paymo_mcp.config import Settings
from paymo_mcp.server.prompts import add_prompts
from paymo_mcp.server.resources import add_resources
from paymo_mcp.server.watching import WatchHub
from paymo_mcp.tools.context import AppContext
from paymo_mcp.tools.registry import build_tools

if TYPE_CHECKING:
    from paymo_mcp.auth.people import People

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

    def __init__(
        self,
        settings: Settings,
        transport: httpx.AsyncBaseTransport | None,
        hub: WatchHub,
        people: People | None = None,
        chores: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
    ) -> None:
        self.settings = settings
        self.transport = transport
        self.hub = hub
        self.people = people
        self.chores = chores  # multi-user: background work for the server's lifetime (the sign-in sweep)
        self._app: AppContext | None = None

    def running(self) -> AppContext | None:
        return None if self.people is not None else self._app  # multi-user: no one's account is "the" one

    @asynccontextmanager
    async def __call__(self, _: MCPServer[AppContext]) -> AsyncIterator[AppContext]:
        if self.people is not None:
            # Multi-user: the lifespan holds the shared watch store; each call gets its caller's context,
            # and each person's hooks are registered (with their key) when that context is made.
            unused = PaymoClient("", self.settings.base_url)  # never sends: the hub registers no hooks here
            async with self.hub.running(unused) as watch, anyio.create_task_group() as background:
                webhook_url = self.hub.webhook_url if self.hub.store_usable else None
                self.people.attach(
                    watch.store, background, webhook_url=webhook_url, resources=self.hub.resources
                )
                for chore in self.chores:
                    background.start_soon(chore)
                try:
                    yield AppContext(client=unused, settings=self.settings, watch=None, multi_user=True)
                finally:
                    background.cancel_scope.cancel()
                    await self.people.aclose()
            return
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
    issuer_url: str | None = None,
) -> MCPServer[AppContext]:
    """An MCPServer for `settings`; `transport` lets tests route the Paymo client in process.

    Pass `watch_hub` to serve its webhook routes on an HTTP app of your own (`watch_hub.routes()`).
    """
    if settings.multi_user:
        return _build_multi_user(settings, transport, watch_hub, issuer_url)
    if settings.api_key is None:
        raise ValueError(
            "PAYMO_API_KEY is not set. Create a key in Paymo (My Settings > API Keys) and export it, "
            "or run `paymo-mcp --sandbox` to try the server against a local sandbox."
        )
    hub = watch_hub or WatchHub(settings)
    return _assemble(settings, hub, Lifespan(settings, transport, hub))


def _assemble(settings: Settings, hub: WatchHub, lifespan: Lifespan, **auth: Any) -> MCPServer[AppContext]:
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
        **auth,
    )
    add_prompts(server, settings.toolsets, settings.read_only)
    add_resources(server, lifespan.running, settings.toolsets)
    hub.add_to(server)
    # The SDK sets the root logger to INFO; one line per upstream request is noise (and stderr-bound).
    for name in ("httpx", "httpx2", "httpcore", "mcp.server.lowlevel.server"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return server


def _build_multi_user(
    settings: Settings,
    transport: httpx.AsyncBaseTransport | None,
    watch_hub: WatchHub | None,
    issuer_url: str | None,
) -> MCPServer[AppContext]:
    """Multi-user mode: the server is the OAuth 2.1 authorization server (the SDK's routes, our provider),
    and every call runs with the signed-in person's own Paymo client."""
    from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions, RevocationOptions

    from paymo_mcp.auth.people import People
    from paymo_mcp.auth.provider import PaymoOAuthProvider
    from paymo_mcp.auth.store import open_oauth_store

    secret = settings.mcp_secret.get_secret_value().strip() if settings.mcp_secret else ""
    if not secret:
        raise ValueError(
            "--multi-user needs PAYMO_MCP_SECRET, the secret that encrypts the Paymo keys it stores "
            "(a long random string; keep it, the same on every replica)"
        )
    issuer = (issuer_url or settings.public_url or "http://127.0.0.1:8000").rstrip("/")
    # The store is shared, namespaced per person; with PAYMO_WEBHOOK_URL each person's hooks are made
    # with their own key and call their own path on this HTTP app (no separate listener).
    settings = settings.model_copy(update={"webhook_port": None})
    hub = watch_hub or WatchHub(settings)
    people = People(settings, transport)
    database_url = settings.database_url.get_secret_value() if settings.database_url else None
    store = open_oauth_store(settings.state_dir, database_url, secret)
    provider = PaymoOAuthProvider(store, people, issuer, key_header=settings.key_header)
    auth = AuthSettings(
        issuer_url=issuer,
        resource_server_url=f"{issuer}/mcp",
        client_registration_options=ClientRegistrationOptions(enabled=True),
        revocation_options=RevocationOptions(enabled=True),
        validate_token_resource=False,
    )
    server = _assemble(
        settings,
        hub,
        Lifespan(settings, transport, hub, people, chores=[provider.sweep_forever]),
        auth=auth,
        auth_server_provider=provider,
    )
    for route in provider.routes():
        server._custom_starlette_routes.append(route)  # served without a token, like the SDK's auth routes
    server.oauth_provider = provider  # type: ignore[attr-defined]
    return server
