"""One person's part of a shared watch store (multi-user mode): every resource key becomes `u<id>/<name>`.

Records, watchers, poll cursors, hooks and locks of one signed-in Paymo user never meet another's. The
same key names the person's webhook path, `/webhooks/paymo/u<id>/<name>`, so a delivery lands in the
namespace of the person whose hook it is.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

from paymo_mcp.watch.records import HookRecord
from paymo_mcp.watch.store import WatchStore

T = TypeVar("T")
_KEY = re.compile(r"u(\d+)/([a-z_]+)")


def person_key(user_id: int, resource: str) -> str:
    """The store key (and webhook path segment) of one person's resource: `u42/tasks`."""
    return f"u{user_id}/{resource}"


def split_key(key: str) -> tuple[int | None, str]:
    """(owner's Paymo user id, resource) of a store key; the owner is None for a shared (single-user) key."""
    found = _KEY.fullmatch(key)
    return (int(found.group(1)), found.group(2)) if found else (None, key)


class NamespacedStore:
    """A watch store seen through one person's namespace. Hook records keep the bare resource name on
    this side and the namespaced key underneath; a hook id of someone else's is neither listed nor
    deleted through it."""

    def __init__(self, store: WatchStore, user_id: int) -> None:
        self._store = store
        self.user_id = user_id
        self._prefix = person_key(user_id, "")

    def _ns(self, resource: str) -> str:
        return self._prefix + resource

    def _mine(self, hook: HookRecord) -> HookRecord | None:
        owner, resource = split_key(hook.resource)
        return replace(hook, resource=resource) if owner == self.user_id else None

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
        await self._store.save_hook(replace(hook, resource=self._ns(hook.resource)))

    async def list_hooks(self, resource: str | None = None) -> list[HookRecord]:
        hooks = await self._store.list_hooks(None if resource is None else self._ns(resource))
        return [mine for hook in hooks if (mine := self._mine(hook)) is not None]

    async def get_hook_by_resource(self, resource: str, target_url: str) -> HookRecord | None:
        hook = await self._store.get_hook_by_resource(self._ns(resource), target_url)
        return None if hook is None else self._mine(hook)

    async def delete_hook(self, hook_id: int) -> bool:
        if not any(hook.hook_id == hook_id for hook in await self.list_hooks()):
            return False
        return await self._store.delete_hook(hook_id)

    async def exclusive(self, key: str, fn: Callable[[], Awaitable[T]]) -> T:
        return await self._store.exclusive(self._prefix + key, fn)

    async def prune(self, *args: Any, **kwargs: Any) -> int:
        return await self._store.prune(*args, **kwargs)

    async def open(self) -> None:
        await self._store.open()

    async def aclose(self) -> None:
        return None  # the shared store is closed by its owner
