"""Watching for new Paymo records: a durable event store, exactly-once takes per watcher, webhooks, polling.

Webhook deliveries (`receiver`) and polls (`poller`) feed one store (`store.WatchStore`, SQLite by
default); `watch_new_<resource>` tools take from it.
"""

from paymo_mcp.watch.poller import backfill, pages_after, poll_new, where_after
from paymo_mcp.watch.receiver import webhook_path, webhook_routes
from paymo_mcp.watch.records import HookRecord, TakeResult
from paymo_mcp.watch.resources import WATCH_RESOURCES, WatchResource, watch_resource
from paymo_mcp.watch.signature import sign, verify
from paymo_mcp.watch.sqlite_store import SqliteWatchStore
from paymo_mcp.watch.store import WatchStore, open_store

__all__ = [
    "WATCH_RESOURCES",
    "HookRecord",
    "SqliteWatchStore",
    "TakeResult",
    "WatchResource",
    "WatchStore",
    "backfill",
    "open_store",
    "pages_after",
    "poll_new",
    "sign",
    "verify",
    "watch_resource",
    "webhook_path",
    "webhook_routes",
    "where_after",
]
