"""The server's side of watching: the watch service in the lifespan, webhook routes, change notifications.

A delivery that stores something new tells MCP clients that `paymo://watch/<resource>` changed: on
`subscriptions/listen` streams (2026-07-28 protocol) through the server's subscription bus, and to
sessions of earlier protocol versions that sent `resources/subscribe`.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any, cast

import anyio
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.subscriptions import InMemorySubscriptionBus, ResourceUpdated
from starlette.routing import BaseRoute

from paymo_mcp.client import PaymoClient
from paymo_mcp.config import Settings
from paymo_mcp.server.context import app_context
from paymo_mcp.tools.toolkit import compact_json
from paymo_mcp.watch.resources import WATCH_RESOURCES
from paymo_mcp.watch.service import WatchService
from paymo_mcp.watch.store import WatchStore, open_store

logger = logging.getLogger(__name__)
RECENT = 20


def watch_uri(resource: str) -> str:
    return f"paymo://watch/{resource}"


class _OpenOnUse:
    """The store, opened on first use: webhook routes exist before the lifespan opens anything."""

    def __init__(self, hub: WatchHub) -> None:
        self._hub = hub

    def __getattr__(self, name: str) -> Any:
        return getattr(self._hub.store, name)


class WatchHub:
    """Owns the watch store, the subscription bus and, while the server runs, the watch service."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bus = InMemorySubscriptionBus()
        self.resources = [r for r in WATCH_RESOURCES if r in settings.toolsets]
        self._store: WatchStore | None = None
        self._legacy: dict[str, weakref.WeakSet[Any]] = {}

    @property
    def store(self) -> WatchStore:
        if self._store is None:
            self._store = open_store(self.settings.state_dir)
        return self._store

    @property
    def webhook_url(self) -> str | None:
        # Read-only mode writes nothing to Paymo, hooks included: watches then poll.
        return None if self.settings.read_only else self.settings.webhook_url

    def routes(self) -> list[BaseRoute]:
        """The webhook receiver's routes, for the HTTP app (or the stdio listener)."""
        from paymo_mcp.watch.receiver import webhook_routes

        return list(webhook_routes(cast(WatchStore, _OpenOnUse(self)), self.changed))

    @asynccontextmanager
    async def running(self, client: PaymoClient) -> AsyncIterator[WatchService]:
        """The watch service for the server's lifetime: hooks registered, the stdio listener served."""
        service = WatchService(client, self.store, webhook_url=self.webhook_url)
        if self.webhook_url:
            await service.register_hooks(self.resources)
        try:
            if self.webhook_url and self.settings.webhook_port:
                async with anyio.create_task_group() as tg:
                    server = await self._listen(tg)
                    try:
                        yield service
                    finally:
                        server.should_exit = True
            else:
                yield service
        finally:
            if self._store is not None:
                await self._store.aclose()
                self._store = None

    async def _listen(self, tg: anyio.abc.TaskGroup) -> Any:
        """On stdio, a small HTTP listener for Paymo's deliveries at --webhook-port."""
        import uvicorn
        from starlette.applications import Starlette

        app = Starlette(routes=self.routes())
        config = uvicorn.Config(
            app, host=self.settings.webhook_host, port=self.settings.webhook_port or 0, log_level="warning"
        )
        server = uvicorn.Server(config)
        tg.start_soon(server._serve)  # _serve: no signal handlers of its own, stdio owns the process
        while not server.started:
            await anyio.sleep(0.01)
        logger.info("webhook listener on %s:%s", self.settings.webhook_host, self.settings.webhook_port)
        return server

    # -- notifications --------------------------------------------------------------------

    async def changed(self, resource: str) -> None:
        """New records of `resource` are stored: tell whoever subscribed to its watch resource."""
        uri = watch_uri(resource)
        await self.bus.publish(ResourceUpdated(uri=uri))
        for session in list(self._legacy.get(uri, ())):
            with suppress(Exception):  # a closed session must not stop the others
                await session.send_resource_updated(uri)

    def add_to(self, server: MCPServer[Any]) -> None:
        """Register the watch resources and the `resources/subscribe` handlers of earlier protocols."""
        if not self.resources:
            return

        async def read_watch(resource: str, ctx: Context[Any, Any]) -> str:
            if resource not in self.resources:
                raise ValueError(f"unknown watch {resource!r}; use one of {', '.join(self.resources)}")
            service: WatchService = app_context(ctx).extras["watch"]
            recent = await service.store.recent(resource, RECENT)
            return compact_json({"resource": resource, "mode": service.mode, "recent": recent})

        server.resource(
            "paymo://watch/{resource}",
            name="watch",
            description=(
                f"The newest {RECENT} records the watch has stored for a resource; subscribe to hear of new "
                "ones, take them once per watcher with watch_new_<resource>."
            ),
            mime_type="application/json",
        )(read_watch)
        lowlevel = server._lowlevel_server

        def track(add: bool) -> Callable[..., Any]:
            async def handler(ctx: ServerRequestContext[Any, Any], params: Any) -> types.EmptyResult:
                sessions = self._legacy.setdefault(str(params.uri), weakref.WeakSet())
                (sessions.add if add else sessions.discard)(ctx.session)
                return types.EmptyResult()

            return handler

        lowlevel.add_request_handler("resources/subscribe", types.SubscribeRequestParams, track(True))
        lowlevel.add_request_handler("resources/unsubscribe", types.UnsubscribeRequestParams, track(False))
