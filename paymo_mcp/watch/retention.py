"""How long the watch store keeps things, and the pruning the running server does on a schedule.

Delivered records are kept `RETENTION` (an answer lost on the way can be taken again with the
cursor of the answer before it, for that long); a watcher idle for `WATCHER_IDLE` is forgotten.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import anyio

from paymo_mcp.watch.errors import WatchStoreError
from paymo_mcp.watch.store import WatchStore

logger = logging.getLogger(__name__)

RETENTION = timedelta(days=7)
WATCHER_IDLE = timedelta(days=30)
PRUNE_EVERY_S = 3600.0


async def prune_expired(store: WatchStore, now: float) -> int:
    """Prune what the retention and the idle limit let go, as of `now` (Unix seconds)."""
    moment = datetime.fromtimestamp(now, UTC)
    return await store.prune(moment - RETENTION, moment - WATCHER_IDLE)


async def prune_forever(
    store: WatchStore,
    *,
    clock: Callable[[], float] = time.time,
    every_s: float = PRUNE_EVERY_S,
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
) -> None:
    """Prune now, then every `every_s`, until cancelled; a failed prune is logged and tried next time."""
    while True:
        try:
            dropped = await prune_expired(store, clock())
            logger.debug("watch store pruned: %s payloads dropped", dropped)
        except WatchStoreError as exc:
            logger.warning("pruning the watch store failed: %s", exc)
        await sleep(every_s)
