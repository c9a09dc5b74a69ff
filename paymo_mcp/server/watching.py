"""The server's side of watching: the watch service in the lifespan, webhook routes, change notifications.

A delivery that stores something new tells MCP clients that `paymo://watch/<resource>` changed: on
`subscriptions/listen` streams (2026-07-28 protocol) through the server's subscription bus, and to
sessions of earlier protocol versions that sent `resources/subscribe` (watch URIs only, held weakly
per client connection, so they go with it). In multi-user mode a person's delivery is told to that
person's streams and sessions only. A watch database that cannot be opened stops watching only.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from functools import partial
from typing import Any, cast

import anyio
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.server.subscriptions import ResourceUpdated
from mcp.shared.exceptions import MCPError
from starlette.routing import BaseRoute

from paymo_mcp.catalog.resources import BY_NAME
from paymo_mcp.client import PaymoClient
from paymo_mcp.config import Settings
from paymo_mcp.server.owned_bus import OwnedBus, current_person
from paymo_mcp.tools.context import app_context
from paymo_mcp.tools.toolkit import compact_json
from paymo_mcp.watch.errors import WatchStoreError
from paymo_mcp.watch.namespace import split_key
from paymo_mcp.watch.resources import WATCH_RESOURCES
from paymo_mcp.watch.retention import prune_forever
from paymo_mcp.watch.service import WatchService
from paymo_mcp.watch.store import UnavailableStore, WatchStore, open_store

logger = logging.getLogger(__name__)
RECENT = 20
LISTENER_START_S = 30.0  # a busy machine starts a listener in well under a second


def watch_uri(resource: str) -> str:
    return f"paymo://watch/{resource}"


class _OpenOnUse:
    """The store, opened on first use: webhook routes exist before the lifespan opens anything. Every
    store method is async; the opening (a file check that reads it all) runs in a worker thread."""

    def __init__(self, hub: WatchHub) -> None:
        self._hub = hub

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        async def call(*args: Any, **kwargs: Any) -> Any:
            store = await self._hub.opened_store()
            return await getattr(store, name)(*args, **kwargs)

        return call


class WatchHub:
    """Owns the watch store, the subscription bus and, while the server runs, the watch service."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.bus = OwnedBus()
        # The watchable resources whose toolset this server serves.
        self.resources = [r for r in WATCH_RESOURCES if BY_NAME[r].toolset in settings.toolsets]
        self._store: WatchStore | None = None
        # Per client connection (held weakly: it drops out when the connection ends), the watch URIs
        # it subscribed to with `resources/subscribe` (at most one per watch resource), and whose
        # connection it is (multi-user: the signed-in person; None otherwise).
        self._legacy: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
        self._owners: weakref.WeakKeyDictionary[Any, int | None] = weakref.WeakKeyDictionary()

    @property
    def store(self) -> WatchStore:
        """The store; when the file cannot be used, a stand-in whose every call says why (watch only)."""
        if self._store is None:
            try:
                self._store = open_store(self.settings.state_dir, self._database_url)
            except WatchStoreError as exc:
                logger.warning("%s", exc)
                self._store = cast(WatchStore, UnavailableStore(exc))
        return self._store

    @property
    def _database_url(self) -> str | None:
        url = self.settings.database_url
        return url.get_secret_value() if url is not None else None

    async def opened_store(self) -> WatchStore:
        """The store, opened off the event loop the first time."""
        if self._store is not None:
            return self._store
        return await anyio.to_thread.run_sync(lambda: self.store)

    @property
    def store_usable(self) -> bool:
        return not isinstance(self.store, UnavailableStore)

    @property
    def webhook_url(self) -> str | None:
        # Read-only mode writes nothing to Paymo, hooks included: watches then poll.
        return None if self.settings.read_only else self.settings.webhook_url

    def routes(self) -> list[BaseRoute]:
        """The webhook receiver's routes, for the HTTP app (or the stdio listener); in multi-user mode
        also each person's, `/webhooks/paymo/u<id>/<resource>`."""
        from paymo_mcp.watch.receiver import webhook_routes

        store = cast(WatchStore, _OpenOnUse(self))
        return list(webhook_routes(store, self.changed, people=self.settings.multi_user))

    @asynccontextmanager
    async def running(self, client: PaymoClient) -> AsyncIterator[WatchService]:
        """The watch service for the server's lifetime: the stdio listener bound first, then hooks
        registered in the background (no answer waits for Paymo's hooks endpoint), and the store
        pruned on a schedule. In multi-user mode the service registers no hooks of its own: each
        person's watch registers theirs, with their key (`auth.people`)."""
        # Opening checks the file (quick_check reads it all): in a thread, off the event loop.
        store = await self.opened_store()
        if self.store_usable:
            try:  # PostgreSQL: connect and create or migrate the schema now, not at the first call
                await store.open()
            except WatchStoreError as exc:  # down at start: each call tries again, no restart needed
                logger.warning("%s", exc)
        service = WatchService(client, store, webhook_url=self.webhook_url)
        try:
            async with anyio.create_task_group() as serving:
                server = None
                if self.store_usable and self.webhook_url and self.settings.webhook_port:
                    server = await self._listen(serving)
                try:
                    async with anyio.create_task_group() as background:
                        if self.store_usable:
                            if self.webhook_url and not self.settings.multi_user:
                                background.start_soon(service.register_hooks, self.resources)
                            background.start_soon(partial(prune_forever, self.store))
                        try:
                            yield service
                        finally:
                            background.cancel_scope.cancel()
                finally:
                    if server is not None:
                        server.should_exit = True  # it closes its socket and ends by itself
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
        # uvicorn's public serve(): while it listens, SIGINT/SIGTERM first close the listener, then reach
        # the process's own handlers (the command's clean exit), which serve() restores and re-raises.
        tg.start_soon(server.serve)
        try:
            with anyio.fail_after(LISTENER_START_S):
                while not server.started:  # uvicorn says so by this flag only
                    await anyio.sleep(0.01)
        except TimeoutError:
            server.should_exit = True
            raise RuntimeError(
                f"the webhook listener did not start on {self.settings.webhook_host}:"
                f"{self.settings.webhook_port} within {LISTENER_START_S:g} s"
            ) from None
        logger.info("webhook listener on %s:%s", self.settings.webhook_host, self.settings.webhook_port)
        return server

    def _unknown(self, resource: str) -> str:
        shown = resource if len(resource) <= 40 else resource[:37] + "..."
        return f"unknown watch resource {shown!r}; use one of {', '.join(self.resources)}"

    def subscriptions(self) -> list[set[str]]:
        """The watch URIs each live connection subscribed to (for tests and diagnostics)."""
        return [set(uris) for uris in self._legacy.values()]

    # -- notifications --------------------------------------------------------------------

    async def changed(self, key: str) -> None:
        """New records are stored under `key` (a resource, or one person's `u42/tasks`): tell whoever
        subscribed to its watch resource (for a person's key, only that person's streams and sessions)."""
        owner, resource = split_key(key)
        if owner is None and self.settings.multi_user:
            return  # a hook of the server's own key (from a single-user past): nobody here watches it
        uri = watch_uri(resource)
        await self.bus.publish(ResourceUpdated(uri=uri), owner)
        note = types.ResourceUpdatedNotification(params=types.ResourceUpdatedNotificationParams(uri=uri))
        data = note.model_dump(by_alias=True, mode="json", exclude_none=True)
        for connection, uris in list(self._legacy.items()):
            if uri in uris and (owner is None or self._owners.get(connection) == owner):
                with suppress(Exception):  # a closed connection must not stop the others
                    await connection.outbound.notify(data["method"], data.get("params"))

    def add_to(self, server: MCPServer[Any]) -> None:
        """Register the watch resources and the `resources/subscribe` handlers of earlier protocols."""
        if not self.resources:
            return

        async def read_watch(resource: str, ctx: Context[Any, Any]) -> str:
            if resource not in self.resources:
                raise ResourceNotFoundError(self._unknown(resource))
            service = app_context(ctx).watch
            if service is None:
                raise ResourceError("watching is not running in this server")
            try:
                recent = await service.store.recent(resource, RECENT)
            except WatchStoreError as exc:
                raise ResourceError(str(exc)) from None
            return compact_json({"resource": resource, "mode": service.mode(resource), "recent": recent})

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
                uri = str(params.uri)
                known = {watch_uri(r) for r in self.resources}
                if uri not in known:
                    shown = uri if len(uri) <= 60 else uri[:57] + "..."
                    raise MCPError(
                        types.INVALID_PARAMS,
                        f"cannot subscribe to {shown!r}: only {', '.join(sorted(known))} send updates",
                    )
                # The session object lives for one request; its connection for the client's session.
                connection = ctx.session._connection
                uris = self._legacy.setdefault(connection, set())
                self._owners[connection] = current_person()
                (uris.add if add else uris.discard)(uri)
                return types.EmptyResult()

            return handler

        lowlevel.add_request_handler("resources/subscribe", types.SubscribeRequestParams, track(True))
        lowlevel.add_request_handler("resources/unsubscribe", types.UnsubscribeRequestParams, track(False))
