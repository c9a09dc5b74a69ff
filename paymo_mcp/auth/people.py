"""Per-person Paymo clients in multi-user mode: one AppContext per signed-in Paymo user.

Each person gets their own PaymoClient (their key, their own rate-limit pacing, their own `UserFacts`)
and their own watch service, whose store records are namespaced by the person's Paymo user id, so no
record, cursor or watcher is shared across people. Contexts are cached by user id; a new key for the
same user (signed in again) replaces the old client.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx

from paymo_mcp.config import Settings
from paymo_mcp.tools.context import AppContext
from paymo_mcp.watch.records import HookRecord
from paymo_mcp.watch.service import WatchService
from paymo_mcp.watch.store import WatchStore


class NamespacedStore:
    """A watch store seen through one person's namespace: every resource name becomes `u<id>/<name>`."""

    def __init__(self, store: WatchStore, user_id: int) -> None:
        self._store = store
        self._prefix = f"u{user_id}/"

    def _ns(self, resource: str) -> str:
        return self._prefix + resource

    async def add_events(self, resource: str, records: list[dict[str, Any]]) -> int:
        return await self._store.add_events(self._ns(resource), records)

    async def take(self, resource: str, watcher: str, limit: int, *args: Any, **kwargs: Any) -> Any:
        return await self._store.take(self._ns(resource), watcher, limit, *args, **kwargs)

    async def recent(self, resource: str, limit: int) -> list[dict[str, Any]]:
        return await self._store.recent(self._ns(resource), limit)

    async def watcher_exists(self, resource: str, watcher: str) -> bool:
        return await self._store.watcher_exists(self._ns(resource), watcher)

    async def high_water(self, resource: str) -> int | None:
        return await self._store.high_water(self._ns(resource))

    async def set_high_water(self, resource: str, record_id: int) -> None:
        await self._store.set_high_water(self._ns(resource), record_id)

    async def save_hook(self, hook: HookRecord) -> None:
        # A person's WatchService has no webhook URL, so it never registers a hook to save here.
        raise RuntimeError("multi-user watches poll each person's Paymo: no hook is registered for them")

    async def list_hooks(self, resource: str | None = None) -> list[HookRecord]:
        return []

    async def get_hook_by_resource(self, resource: str, target_url: str) -> HookRecord | None:
        return None

    async def delete_hook(self, hook_id: int) -> bool:
        return False

    async def exclusive(self, key: str, fn: Callable[[], Awaitable[Any]]) -> Any:
        return await self._store.exclusive(self._prefix + key, fn)

    async def prune(self, *args: Any, **kwargs: Any) -> int:
        return await self._store.prune(*args, **kwargs)

    async def open(self) -> None:
        await self._store.open()

    async def aclose(self) -> None:
        return None  # the shared store is closed by its owner


def _fingerprint(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


class People:
    """The signed-in people's AppContexts, by Paymo user id."""

    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.transport = transport
        self.store: WatchStore | None = None  # the shared watch store, set by the lifespan
        self._people: dict[int, tuple[str, AppContext]] = {}
        self._lock = anyio.Lock()

    def check_client(self, api_key: str) -> Any:
        """A short-lived client to check a key with GET /me (the sign-in form)."""
        return self.settings.model_copy(update={"api_key": _secret(api_key)}).paymo_client(self.transport)

    async def context(self, user_id: int, api_key: str) -> AppContext:
        """This person's AppContext, made on first use (and again when their key changed)."""
        fingerprint = _fingerprint(api_key)
        async with self._lock:
            known = self._people.get(user_id)
            if known is not None and known[0] == fingerprint:
                return known[1]
            client = self.check_client(api_key)
            watch = WatchService(client, NamespacedStore(self.store, user_id)) if self.store else None
            app = AppContext(client=client, settings=self.settings, watch=watch)
            app.user.user_id = user_id
            self._people[user_id] = (fingerprint, app)
            if known is not None:
                await known[1].client.aclose()
            return app

    async def forget(self, user_id: int) -> None:
        async with self._lock:
            known = self._people.pop(user_id, None)
        if known is not None:
            await known[1].client.aclose()

    async def aclose(self) -> None:
        async with self._lock:
            people, self._people = list(self._people.values()), {}
        for _, app in people:
            await app.client.aclose()


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)
