"""Polling Paymo for records past the stored high-water id, a page at a time (when no webhook reaches us).

The Paymo calls are injected, so this module never talks HTTP. The server builds them on the shared
client, e.g. `fetch_where = lambda where, page, size: client.list(path, key, where=where,
order="id asc", page=page, page_size=size)` and `fetch_page = pages_after(fetch_where)`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

from paymo_mcp.watch.records import record_id_of
from paymo_mcp.watch.store import WatchStore
from paymo_mcp.watch.timestamps import to_epoch

# (after_id, page, page_size) -> records with id > after_id, in id order.
FetchPage = Callable[[int, int, int], Awaitable[list[dict[str, Any]]]]
# (where, page, page_size) -> records matching a Paymo `where` string, in id order.
FetchWhere = Callable[[str, int, int], Awaitable[list[dict[str, Any]]]]
# () -> the highest id that exists now (list ordered "id desc", one record), None when there is none.
LatestId = Callable[[], Awaitable[int | None]]


def where_after(after_id: int, since: datetime | str | None = None) -> str:
    """The Paymo `where` for records past an id, optionally created at or after `since`."""
    where = f"id>{int(after_id)}"
    if since is not None:
        # Paymo compares datetime fields with Unix seconds; it stores whole seconds, so round down.
        where = f"created_on>={int(to_epoch(since))} and {where}"
    return where


def pages_after(fetch_where: FetchWhere) -> FetchPage:
    """A FetchPage on top of a FetchWhere."""

    async def fetch_page(after_id: int, page: int, page_size: int) -> list[dict[str, Any]]:
        return await fetch_where(where_after(after_id), page, page_size)

    return fetch_page


async def _walk(fetch: FetchPage, after_id: int, page_size: int) -> AsyncIterator[list[dict[str, Any]]]:
    """Pages of records past `after_id`, keyset-paged: each request asks for ids past the last one seen.

    Keyset rather than page numbers because a record deleted between two requests would shift every
    later offset by one and a record would be skipped; so the page number is always 0.
    """
    while True:
        records = await fetch(after_id, 0, page_size)
        fresh = [r for r in records if record_id_of(r) > after_id]
        if fresh:
            yield fresh
            after_id = max(record_id_of(r) for r in fresh)
        # A short page is the last; a page with nothing past the cursor means the source ignores it.
        if len(records) < page_size or not fresh:
            return


async def poll_new(
    fetch_page: FetchPage,
    store: WatchStore,
    resource: str,
    page_size: int = 100,
    *,
    baseline: bool = True,
    latest_id: LatestId | None = None,
) -> int:
    """Store records past the high-water id, page by page; returns how many were new to the store.

    The high-water mark moves only after a page is stored, so a crash repeats (deduplicated) work
    rather than losing records. The first run for a resource with `baseline` only records where
    Paymo is now ("from now"): through `latest_id` in one request, else by walking the ids without
    storing them. Without `baseline` the first run stores everything that exists.
    """
    if page_size < 1:
        raise ValueError("page_size must be 1 or more")
    high = await store.high_water(resource)
    if high is None and baseline:
        if latest_id is not None:
            top = await latest_id() or 0
        else:
            top = 0
            # Set only at the end: a walk cut short must not leave old records looking new.
            async for page in _walk(fetch_page, 0, page_size):
                top = max(record_id_of(r) for r in page)
        await store.set_high_water(resource, top)
        return 0
    added = 0
    async for page in _walk(fetch_page, high or 0, page_size):
        added += await store.add_events(resource, page)
        await store.set_high_water(resource, max(record_id_of(r) for r in page))
    return added


async def backfill(
    fetch_where: FetchWhere, store: WatchStore, resource: str, since: datetime | str, page_size: int = 100
) -> int:
    """Store the records created at or after `since`, page by page (for a new watcher's `since`).

    The high-water mark is left alone: it is the poller's, and these records may lie below it.
    Returns how many were new to the store.
    """
    if page_size < 1:
        raise ValueError("page_size must be 1 or more")

    async def fetch(after_id: int, page: int, size: int) -> list[dict[str, Any]]:
        return await fetch_where(where_after(after_id, since), page, size)

    added = 0
    async for page in _walk(fetch, 0, page_size):
        added += await store.add_events(resource, page)
    return added
