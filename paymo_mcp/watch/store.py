"""The watch store interface: durable events, per-watcher delivery, poll cursors and hook records."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from paymo_mcp.watch.errors import WatchStoreError
from paymo_mcp.watch.records import HookRecord, TakeResult
from paymo_mcp.watch.sqlite_store import SqliteWatchStore

if TYPE_CHECKING:
    from paymo_mcp.watch.postgres_store import PostgresWatchStore

__all__ = [
    "STORE_FILE",
    "SqliteWatchStore",
    "UnavailableStore",
    "WatchStore",
    "is_postgres_url",
    "open_store",
    "postgres_store",
]

STORE_FILE = "watch.sqlite3"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
T = TypeVar("T")


@runtime_checkable
class WatchStore(Protocol):
    """Everything the watch layer keeps; a shared database can replace the SQLite default.

    Contract for `take` (what makes watching exactly-once): the records returned are marked delivered
    to that watcher in the same transaction that selects them, so no record reaches a watcher twice,
    even from two processes; a record is never passed over because a later one was returned first.
    Each answer carries a cursor; a take with the cursor of answer N first makes what answers after N
    carried pending again (they never reached the caller), for as long as deliveries are retained.
    """

    async def add_events(self, resource: str, records: list[dict[str, Any]]) -> int:
        """Store new records (each needs an `id`), ignoring known ones; returns how many were new."""
        ...

    async def take(
        self,
        resource: str,
        watcher: str,
        limit: int,
        since: datetime | str | None = None,
        filters: Mapping[str, Any] | None = None,
        cursor: str | None = None,
    ) -> TakeResult:
        """Up to `limit` records not yet given to this watcher, oldest first, and how many more wait.

        A new watcher starts from now (records stored from here on, unless Paymo stamped them well
        before now), or at `since` (records created at or after it, whenever they are stored);
        `since` is ignored for a watcher that exists: its cursor wins. `filters` are equalities on
        top-level record fields, applied before `limit`; `remaining` counts matching records only.
        `cursor`: resume right after the answer that carried it. WatchInputError for a bad cursor
        or filter.
        """
        ...

    async def recent(self, resource: str, limit: int) -> list[dict[str, Any]]:
        """The newest stored records of a resource (newest first), without delivering them to anyone."""
        ...

    async def watcher_exists(self, resource: str, watcher: str) -> bool:
        """Whether this watcher has taken from this resource before."""
        ...

    async def high_water(self, resource: str) -> int | None:
        """The poller's cursor: the highest Paymo id it has stored for the resource, None before any poll."""
        ...

    async def set_high_water(self, resource: str, record_id: int) -> None:
        """Move the poller's cursor forward (never back: two pollers may race)."""
        ...

    async def save_hook(self, hook: HookRecord) -> None:
        """Insert or replace a hook record (by hook id)."""
        ...

    async def list_hooks(self, resource: str | None = None) -> list[HookRecord]:
        """All hook records, or those of one resource."""
        ...

    async def get_hook_by_resource(self, resource: str, target_url: str) -> HookRecord | None:
        """The hook registered for this resource and target URL, if any."""
        ...

    async def delete_hook(self, hook_id: int) -> bool:
        """Forget a hook record; whether it existed."""
        ...

    async def exclusive(self, key: str, fn: Callable[[], Awaitable[T]]) -> T:
        """Run `fn` while holding the lock named `key` for everyone who shares this store: with
        PostgreSQL, every replica of the deployment (a session advisory lock, freed if the process
        dies); with SQLite, this process. What `fn` does through the store is not part of one
        transaction: the lock only keeps two holders of `key` from running at the same time."""
        ...

    async def prune(self, older_than: datetime, idle_before: datetime | None = None) -> int:
        """Drop watchers idle since before `idle_before`, deliveries older than `older_than` (answers
        before them can no longer be resumed after), and payloads of events received before
        `older_than` that every watcher has passed.

        Their ids stay, so a repeated delivery is still recognised and never returned again.
        Returns how many events were pruned.
        """
        ...

    async def open(self) -> None:
        """Connect and create or migrate the schema now rather than at the first call (a server does
        it at start); WatchStoreError when the database cannot be used. Calls after it may retry."""
        ...

    async def aclose(self) -> None:
        """Release the store's resources."""
        ...


def is_postgres_url(database_url: str | None) -> bool:
    """Whether a PAYMO_DATABASE_URL selects the PostgreSQL store."""
    return bool(database_url) and str(database_url).strip().lower().startswith(POSTGRES_SCHEMES)


def postgres_store(database_url: str) -> PostgresWatchStore:
    """The PostgreSQL store for a URL (its driver is imported only when one is used)."""
    from paymo_mcp.watch.postgres_store import PostgresWatchStore

    return PostgresWatchStore(database_url.strip())


def open_store(state_dir: str | Path, database_url: str | None = None) -> WatchStore:
    """The store: PostgreSQL when `database_url` is a postgresql:// URL (shared by replicas; no I/O
    here, it connects and migrates at `open()` or the first call), else SQLite in
    `<state_dir>/watch.sqlite3` (the directory is created).

    WatchStoreError (naming the file or database and the fix) when the SQLite file is damaged,
    foreign or cannot be created, or `database_url` is set to something that is not PostgreSQL.
    """
    if database_url is not None and database_url.strip():
        if not is_postgres_url(database_url):
            scheme = database_url.strip().partition(":")[0][:20]
            raise WatchStoreError(
                f"{scheme}:...",
                "PAYMO_DATABASE_URL is set but is not a postgresql:// URL",
                "Fix: set it to postgresql://user:password@host:port/dbname, or unset it for SQLite "
                "under PAYMO_STATE_DIR.",
            )
        return postgres_store(database_url)
    return SqliteWatchStore(Path(state_dir) / STORE_FILE)


class UnavailableStore:
    """Stands in for a store that could not be opened: every call raises the WatchStoreError again."""

    def __init__(self, error: WatchStoreError) -> None:
        self.error = error

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        if name == "aclose":
            return _nothing

        async def unavailable(*args: Any, **kwargs: Any) -> Any:
            raise self.error

        return unavailable


async def _nothing(*args: Any, **kwargs: Any) -> None:
    return None
