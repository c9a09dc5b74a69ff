"""The watch service: the store, Paymo's hooks and the poller, wired to the shared client for the tools.

Instant mode (a public webhook URL is configured): `model.insert.<Model>` hooks are registered once,
each with its own random secret kept only in the store, and reused on later starts; deliveries feed
the store, and a take polls first when the resource was not polled in this process yet, or not for
ten minutes, to catch up on downtime and lost deliveries. Mode is per resource: until its hook is
live (and one poll after that is done), or when registering it failed, the resource is polled.
Polling mode: every take first stores what Paymo has past the poller's cursor.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from datetime import datetime
from functools import partial
from typing import Any

import anyio
from pydantic import SecretStr

from paymo_mcp.catalog.resources import HOOKS
from paymo_mcp.client import PaymoClient, PaymoError, PaymoNotFoundError
from paymo_mcp.watch.errors import WatchInputError, WatchStoreError
from paymo_mcp.watch.namespace import NamespacedStore, person_key, split_key
from paymo_mcp.watch.poller import FetchWhere, backfill, pages_after, poll_new
from paymo_mcp.watch.receiver import webhook_path
from paymo_mcp.watch.records import HookRecord, TakeResult
from paymo_mcp.watch.resources import WATCH_RESOURCES, WatchResource, watch_resource
from paymo_mcp.watch.store import WatchStore

logger = logging.getLogger(__name__)

Progress = Callable[[int], Awaitable[None]]  # records fetched so far by a catch-up
OnChange = Callable[[str], Awaitable[None]]
PAGE_SIZE = 200
# Instant mode still polls a resource this often: a delivery lost while the server was up (Paymo
# gave up, a proxy dropped it) is then found within this time, not only at the next restart.
CATCH_UP_EVERY_S = 600.0


def hook_target(webhook_url: str, key: str) -> str:
    """The URL Paymo calls for a store key (a resource, or one person's `u42/tasks`): the configured
    public base plus the receiver's path."""
    return webhook_url.rstrip("/") + webhook_path(key)


class WatchService:
    """Takes new records for watchers, exactly once each; registers and reuses Paymo hooks."""

    def __init__(
        self,
        client: PaymoClient,
        store: WatchStore,
        *,
        webhook_url: str | None = None,
        owner: int | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.webhook_url = webhook_url
        self.owner = owner  # multi-user: the person (Paymo user id) whose namespace `store` is
        self._caught_up: dict[str, float] = {}  # instant mode: resource -> when it was last polled
        self._live: set[str] = set()  # resources whose hook is registered and polled once since
        self.hook_failures: dict[str, str] = {}  # resource -> why its hook could not be registered

    @classmethod
    def for_person(
        cls, client: PaymoClient, shared: WatchStore, user_id: int, *, webhook_url: str | None = None
    ) -> WatchService:
        """Multi-user: one person's watch, with their own client, over their namespace of the shared
        store; their hooks (made with their key) call their own path, `/webhooks/paymo/u<id>/...`."""
        return cls(client, NamespacedStore(shared, user_id), webhook_url=webhook_url, owner=user_id)

    def mode(self, resource: str) -> str:
        """instant when the resource's webhook is live, else polling (Paymo is asked on every take)."""
        return "instant" if self.webhook_url and resource in self._live else "polling"

    # -- hooks ----------------------------------------------------------------------------

    async def register_hooks(self, resources: list[str] | None = None) -> list[HookRecord]:
        """Make sure each resource has one live hook of ours at the configured URL; reuse what exists.

        A stored hook that Paymo no longer has (deleted, or dropped after a 410) is registered again;
        a hook at our URL that we have no secret for (a lost state directory) is deleted, so hooks
        never pile up. The resources are handled concurrently; once a hook is live the resource is
        polled once (what was created before the hook existed), then switches to instant. A resource
        whose registration fails is logged, kept in `hook_failures` and polled on every take.
        """
        if not self.webhook_url:
            return []
        live: list[HookRecord] = []

        async def register(name: str) -> None:
            try:
                hook = await self._ensure_hook(watch_resource(name))
                await self.catch_up(name)
            except (PaymoError, WatchStoreError) as exc:
                self.hook_failures[name] = str(exc)
                logger.warning("could not register the %s webhook (polling instead): %s", name, exc)
                return
            live.append(hook)
            self._live.add(name)
            self.hook_failures.pop(name, None)

        async with anyio.create_task_group() as tg:
            for name in resources if resources is not None else list(WATCH_RESOURCES):
                tg.start_soon(register, name)
        return live

    async def _ensure_hook(self, res: WatchResource) -> HookRecord:
        """The resource's live hook, registered if needed. Checking and creating run under a lock on
        the store, so replicas starting together on one database register one hook, not one each:
        the second finds the first one's hook in the store and reuses it."""
        assert self.webhook_url is not None
        key = res.name if self.owner is None else person_key(self.owner, res.name)
        target = hook_target(self.webhook_url, key)
        return await self.store.exclusive(
            f"hook {res.name} {target}", partial(self._check_or_create, res, target)
        )

    async def _check_or_create(self, res: WatchResource, target: str) -> HookRecord:
        known = await self.store.get_hook_by_resource(res.name, target)
        if known is not None:
            try:
                await HOOKS.on(self.client).get(known.hook_id)
                return known
            except PaymoNotFoundError:
                await self.store.delete_hook(known.hook_id)
        await self._delete_orphans(res, target)
        secret = secrets.token_urlsafe(32)
        created = await HOOKS.on(self.client).create(
            {"target_url": target, "event": res.insert_event, "secret": secret}
        )
        hook = HookRecord(res.name, int(created["id"]), res.insert_event, target, SecretStr(secret))
        await self.store.save_hook(hook)
        logger.info("registered webhook %s for %s", hook.hook_id, res.insert_event)
        return hook

    async def _delete_orphans(self, res: WatchResource, target: str) -> None:
        ours = {h.hook_id for h in await self.store.list_hooks(res.name)}
        for hook in await HOOKS.on(self.client).list(limit=2500):
            same = hook.get("target_url") == target and hook.get("event") == res.insert_event
            if same and hook.get("id") not in ours:
                await HOOKS.on(self.client).delete(int(hook["id"]))

    async def _own_hooks(self) -> list[HookRecord]:
        """The hooks this service's key made: in a shared store, not the signed-in people's (their keys
        made theirs; a person's own service sees only theirs through its namespace)."""
        hooks = await self.store.list_hooks()
        return [h for h in hooks if self.owner is not None or split_key(h.resource)[0] is None]

    async def remove_hooks(self, hook_id: int | None = None) -> list[HookRecord]:
        """Delete our hooks (all, or one) in Paymo and in the store; returns those removed."""
        removed = []
        for hook in await self._own_hooks():
            if hook_id is not None and hook.hook_id != hook_id:
                continue
            with suppress(PaymoNotFoundError):  # already gone in Paymo: forget it here too
                await HOOKS.on(self.client).delete(hook.hook_id)
            await self.store.delete_hook(hook.hook_id)
            removed.append(hook)
        return removed

    async def hook_status(self) -> list[dict[str, Any]]:
        """Our hooks as Paymo sees them (no secrets): id, resource, event, target, last status, live."""
        rows = []
        for hook in await self._own_hooks():
            row: dict[str, Any] = {
                "id": hook.hook_id,
                "resource": hook.resource,
                "event": hook.event,
                "target_url": hook.target_url,
            }
            try:
                remote = await HOOKS.on(self.client).get(hook.hook_id)
                row.update(live=True, last_status_code=remote.get("last_status_code"))
            except PaymoNotFoundError:
                row["live"] = False
            rows.append(row)
        return rows

    # -- taking ---------------------------------------------------------------------------

    def _fetch_where(self, res: WatchResource, progress: Progress | None) -> FetchWhere:
        fetched = 0

        async def fetch(where: str, page: int, size: int) -> list[dict[str, Any]]:
            nonlocal fetched
            params = {"where": where, "order": "id asc"}
            records = await self.client.page(res.path, res.key, params=params, page=page, page_size=size)
            fetched += len(records)
            if progress is not None and records:
                await progress(fetched)
            return records

        return fetch

    async def catch_up(self, resource: str, progress: Progress | None = None) -> int:
        """Store what Paymo has past the poller's cursor, a page at a time; returns how many were new."""
        res = watch_resource(resource)

        async def latest_id() -> int | None:
            page = await self.client.page(res.path, res.key, params={"order": "id desc"}, page=0, page_size=1)
            return int(page[0]["id"]) if page else None

        fetch = pages_after(self._fetch_where(res, progress))
        added = await poll_new(fetch, self.store, resource, PAGE_SIZE, latest_id=latest_id)
        self._caught_up[resource] = time.monotonic()
        return added

    async def take(
        self,
        resource: str,
        watcher: str,
        limit: int,
        since: datetime | None = None,
        filters: Mapping[str, Any] | None = None,
        progress: Progress | None = None,
        cursor: str | None = None,
    ) -> TakeResult:
        """The records created since this watcher last took (or since the answer that carried
        `cursor`), oldest first, at most `limit`. `since` is for a new watcher only: WatchInputError
        for one that exists, before anything is taken."""
        if since is not None and await self.store.watcher_exists(resource, watcher):
            # Refused rather than ignored: the watcher resumes where it stopped, `since` would not apply.
            raise WatchInputError(
                f"since: watcher '{watcher}' already exists and resumes where it stopped; since only "
                "starts a new watcher (pick a new watcher name, or pass cursor to go back)"
            )
        if since is not None:
            # A new watcher asked to start in the past: fetch what was created since then.
            res = watch_resource(resource)
            await backfill(self._fetch_where(res, progress), self.store, resource, since, PAGE_SIZE)
        last_poll = self._caught_up.get(resource)
        stale = last_poll is None or time.monotonic() - last_poll > CATCH_UP_EVERY_S
        if self.mode(resource) == "polling" or stale:
            await self.catch_up(resource, progress)
        return await self.store.take(resource, watcher, limit, since, filters, cursor)
