"""The default watch store: one SQLite file (WAL), safe for several threads and several processes.

Why the calls run in worker threads (`anyio.to_thread.run_sync`) over one connection and a lock,
rather than synchronously on the event loop: a write may wait up to `busy_timeout_s` for another
process (a second replica) that holds SQLite's write lock, and each acknowledged webhook is
fsynced (`synchronous=FULL`) so that a 200 means the record is on disk. Neither wait may freeze the
event loop that serves MCP requests. Across processes, correctness rests on SQLite's own locking:
every write is one `BEGIN IMMEDIATE` transaction, so two takes never interleave. A take whose
caller is cancelled before it commits is rolled back, so its records stay pending.

Tables and why:
- `events`: one row per (resource, record id), the UNIQUE key that deduplicates repeated deliveries
  and poll/webhook overlap; `seq` (AUTOINCREMENT, never reused) is the order of arrival;
  a pruned event keeps its row without payload, so a late repeat is still recognised.
- `watchers`: per (resource, watcher) a `floor_seq` (every event with seq <= floor is done for the
  watcher) and `since_ts` (records created before it are not for the watcher: its `since`, or for
  a watcher started "from now" its start less a grace for clock skew).
- `delivered`: what each watcher received above its floor. Records are returned ordered by
  (created_on, id), not by arrival, and webhooks arrive out of order, so one cursor could not tell
  "returned" from "passed over"; the set can. After each take the floor moves over the prefix of
  done events and their `delivered` rows are dropped, so the set only holds the gaps.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import anyio.from_thread
import anyio.to_thread
from pydantic import SecretStr

from paymo_mcp.watch.records import HookRecord, TakeResult, record_id_of
from paymo_mcp.watch.timestamps import to_epoch

T = TypeVar("T")

SCHEMA_VERSION = 1
# A watcher that starts "from now" still takes records Paymo stamped up to this long before now:
# Paymo's clock and ours may differ, and a skipped record is worse than an early one.
START_GRACE_S = 300.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    resource TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    created_ts REAL NOT NULL,
    payload_json TEXT,
    received_at REAL NOT NULL,
    UNIQUE (resource, record_id)
);
CREATE INDEX IF NOT EXISTS events_by_seq ON events (resource, seq);
CREATE INDEX IF NOT EXISTS events_by_age ON events (resource, created_ts, record_id);
CREATE TABLE IF NOT EXISTS watchers (
    resource TEXT NOT NULL,
    watcher TEXT NOT NULL,
    floor_seq INTEGER NOT NULL,
    since_ts REAL,
    created_at REAL NOT NULL,
    last_take_at REAL NOT NULL,
    PRIMARY KEY (resource, watcher)
);
CREATE TABLE IF NOT EXISTS delivered (
    resource TEXT NOT NULL,
    watcher TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (resource, watcher, record_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cursors (
    resource TEXT PRIMARY KEY,
    high_water INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS hooks (
    hook_id INTEGER PRIMARY KEY,
    resource TEXT NOT NULL,
    event TEXT NOT NULL,
    target_url TEXT NOT NULL,
    secret TEXT NOT NULL,
    saved_at REAL NOT NULL
);
"""

# An event is "done" for a watcher when it was delivered, predates the watcher's `since`, or was pruned.
_NOT_DELIVERED = (
    "NOT EXISTS (SELECT 1 FROM delivered d"
    " WHERE d.resource = e.resource AND d.watcher = ? AND d.record_id = e.record_id)"
)
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _created_ts(record: Mapping[str, Any], fallback: float) -> float:
    """`created_on` in Unix seconds, else the arrival time (a record is never dropped for its date)."""
    value = record.get("created_on")
    if isinstance(value, str | datetime):
        try:
            return to_epoch(value)
        except ValueError:
            pass
    return fallback


def _filter_clause(filters: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
    """SQL for equality on top-level payload fields; ids match whether Paymo sent 5 or "5"."""
    clauses: list[str] = []
    params: list[Any] = []
    for name, value in (filters or {}).items():
        if not _FIELD.match(name):
            raise ValueError(f"filter field {name!r} is not a plain field name")
        path = f'$."{name}"'
        if value is None:
            clauses.append("json_extract(e.payload_json, ?) IS NULL")
            params.append(path)
        elif isinstance(value, bool):
            clauses.append("json_extract(e.payload_json, ?) = ?")
            params += [path, int(value)]
        elif isinstance(value, int | float):
            clauses.append("json_extract(e.payload_json, ?) IN (?, ?)")
            params += [path, value, str(value)]
        elif isinstance(value, str):
            alternatives: list[Any] = [value]
            if re.fullmatch(r"-?\d+", value):
                alternatives.append(int(value))
            clauses.append(f"json_extract(e.payload_json, ?) IN ({', '.join('?' * len(alternatives))})")
            params += [path, *alternatives]
        else:
            raise ValueError(f"filter {name!r} must be a single string, number, boolean or null")
    return "".join(f" AND {c}" for c in clauses), params


class SqliteWatchStore:
    """WatchStore on one SQLite file; open one per process, share it between tasks and threads."""

    def __init__(
        self, path: str | Path, *, busy_timeout_s: float = 30.0, start_grace_s: float = START_GRACE_S
    ) -> None:
        self.path = Path(path)
        self.start_grace_s = start_grace_s
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with suppress(FileExistsError):
            # Hook secrets live here: readable by this user only, from the first byte on.
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        conn = self._conn
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a webhook answered 200 must survive a power cut, not only a crash.
        conn.execute("PRAGMA synchronous = FULL")
        self._create_schema(conn)

    def __repr__(self) -> str:
        return f"SqliteWatchStore({str(self.path)!r})"

    # -- plumbing ---------------------------------------------------------------------------------

    @staticmethod
    def _create_schema(conn: sqlite3.Connection) -> None:
        with SqliteWatchStore._write(conn):
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @staticmethod
    @contextmanager
    def _write(conn: sqlite3.Connection) -> Iterator[None]:
        """One write transaction; IMMEDIATE takes the write lock up front, so two writers queue."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            if self._conn is None:
                raise RuntimeError("the watch store is closed")
            return fn(self._conn)

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await anyio.to_thread.run_sync(self._call, fn)

    # -- events -----------------------------------------------------------------------------------

    async def add_events(self, resource: str, records: list[dict[str, Any]]) -> int:
        """Store new records (each needs an `id`), ignoring known ones; returns how many were new."""
        now = time.time()
        rows = [
            (resource, record_id_of(r), _created_ts(r, now), json.dumps(r, separators=(",", ":")), now)
            for r in records
        ]
        if not rows:
            return 0
        return await self._run(partial(self._add_events, rows))

    @classmethod
    def _add_events(cls, rows: list[tuple[str, int, float, str, float]], conn: sqlite3.Connection) -> int:
        added = 0
        with cls._write(conn):
            for row in rows:
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO events"
                    " (resource, record_id, created_ts, payload_json, received_at) VALUES (?, ?, ?, ?, ?)",
                    row,
                )
                if cursor.rowcount == 1:
                    added += 1
                else:
                    # A pruned record seen again (a backfill for a `since` watcher) gets its payload
                    # back under its old seq, so watchers that passed it do not get it again.
                    conn.execute(
                        "UPDATE events SET payload_json = ? WHERE resource = ? AND record_id = ?"
                        " AND payload_json IS NULL",
                        (row[3], row[0], row[1]),
                    )
        return added

    async def take(
        self,
        resource: str,
        watcher: str,
        limit: int,
        since: datetime | str | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> TakeResult:
        """Up to `limit` records not yet given to this watcher, oldest first, and how many more wait."""
        if limit < 0:
            raise ValueError("limit must be 0 or more")
        since_ts = None if since is None else to_epoch(since)
        where, params = _filter_clause(filters)
        return await self._run(
            partial(self._take, resource, watcher, limit, since_ts, self.start_grace_s, where, params)
        )

    @classmethod
    def _take(
        cls,
        resource: str,
        watcher: str,
        limit: int,
        since_ts: float | None,
        start_grace_s: float,
        filter_sql: str,
        filter_params: list[Any],
        conn: sqlite3.Connection,
    ) -> TakeResult:
        now = time.time()
        with cls._write(conn):
            row = conn.execute(
                "SELECT floor_seq, since_ts FROM watchers WHERE resource = ? AND watcher = ?",
                (resource, watcher),
            ).fetchone()
            new_watcher = row is None
            if row is None:
                # From now: everything stored so far is behind the floor, and records created before
                # now (less a grace for clock skew) stay out, for instance ones a backfill brings in
                # for another watcher. With `since`: only the creation time counts.
                if since_ts is None:
                    floor, since_ts = cls._max_seq(conn), now - start_grace_s
                else:
                    floor = 0
                conn.execute(
                    "INSERT INTO watchers (resource, watcher, floor_seq, since_ts, created_at, last_take_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (resource, watcher, floor, since_ts, now, now),
                )
            else:
                floor, since_ts = row
            pending = (
                "FROM events e WHERE e.resource = ? AND e.seq > ? AND e.payload_json IS NOT NULL"
                " AND (? IS NULL OR e.created_ts >= ?) AND " + _NOT_DELIVERED + filter_sql
            )
            args = [resource, floor, since_ts, since_ts, watcher, *filter_params]
            total = conn.execute("SELECT COUNT(*) " + pending, args).fetchone()[0]
            picked = conn.execute(
                "SELECT e.seq, e.record_id, e.payload_json " + pending + " ORDER BY e.created_ts, e.record_id"
                " LIMIT ?",
                [*args, limit],
            ).fetchall()
            conn.executemany(
                "INSERT INTO delivered (resource, watcher, record_id, seq) VALUES (?, ?, ?, ?)",
                [(resource, watcher, record_id, seq) for seq, record_id, _ in picked],
            )
            cls._raise_floor(conn, resource, watcher, floor, since_ts)
            conn.execute(
                "UPDATE watchers SET last_take_at = ? WHERE resource = ? AND watcher = ?",
                (now, resource, watcher),
            )
            # If the caller was cancelled meanwhile (a client gave up), no one will see these records:
            # raising here rolls the whole take back, so they stay pending instead of being lost.
            anyio.from_thread.check_cancelled()
        records = [json.loads(payload) for _, _, payload in picked]
        return TakeResult(records=records, remaining=total - len(picked), new_watcher=new_watcher)

    @staticmethod
    def _max_seq(conn: sqlite3.Connection) -> int:
        value: int | None = conn.execute("SELECT MAX(seq) FROM events").fetchone()[0]
        return value or 0

    @staticmethod
    def _raise_floor(
        conn: sqlite3.Connection, resource: str, watcher: str, floor: int, since_ts: float | None
    ) -> None:
        """Move the floor over the leading run of done events and forget their `delivered` rows."""
        first_open = conn.execute(
            "SELECT e.seq FROM events e WHERE e.resource = ? AND e.seq > ? AND e.payload_json IS NOT NULL"
            " AND (? IS NULL OR e.created_ts >= ?) AND " + _NOT_DELIVERED + " ORDER BY e.seq LIMIT 1",
            (resource, floor, since_ts, since_ts, watcher),
        ).fetchone()
        if first_open is not None:
            new_floor = first_open[0] - 1
        else:
            top = conn.execute("SELECT MAX(seq) FROM events WHERE resource = ?", (resource,)).fetchone()[0]
            new_floor = top or floor
        if new_floor <= floor:
            return
        conn.execute(
            "UPDATE watchers SET floor_seq = ? WHERE resource = ? AND watcher = ?",
            (new_floor, resource, watcher),
        )
        conn.execute(
            "DELETE FROM delivered WHERE resource = ? AND watcher = ? AND seq <= ?",
            (resource, watcher, new_floor),
        )

    async def recent(self, resource: str, limit: int) -> list[dict[str, Any]]:
        """The newest stored records of a resource (newest first), without delivering them to anyone."""

        def query(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            rows = conn.execute(
                "SELECT payload_json FROM events WHERE resource = ? AND payload_json IS NOT NULL"
                " ORDER BY created_ts DESC, record_id DESC LIMIT ?",
                (resource, max(0, limit)),
            ).fetchall()
            return [json.loads(row[0]) for row in rows]

        return await self._run(query)

    async def watcher_exists(self, resource: str, watcher: str) -> bool:
        """Whether this watcher has taken from this resource before."""

        def query(conn: sqlite3.Connection) -> bool:
            return (
                conn.execute(
                    "SELECT 1 FROM watchers WHERE resource = ? AND watcher = ?", (resource, watcher)
                ).fetchone()
                is not None
            )

        return await self._run(query)

    async def prune(self, older_than: datetime) -> int:
        """Drop payloads of events received before `older_than` that every watcher has passed."""
        cutoff = to_epoch(older_than)

        def prune(conn: sqlite3.Connection) -> int:
            with self._write(conn):
                cursor = conn.execute(
                    "UPDATE events SET payload_json = NULL WHERE payload_json IS NOT NULL AND received_at < ?"
                    " AND seq <= COALESCE((SELECT MIN(w.floor_seq) FROM watchers w"
                    " WHERE w.resource = events.resource), seq)",
                    (cutoff,),
                )
                return cursor.rowcount

        return await self._run(prune)

    # -- poll cursor ------------------------------------------------------------------------------

    async def high_water(self, resource: str) -> int | None:
        """The poller's cursor: the highest Paymo id it has stored for the resource, None before any poll."""

        def query(conn: sqlite3.Connection) -> int | None:
            row = conn.execute("SELECT high_water FROM cursors WHERE resource = ?", (resource,)).fetchone()
            return None if row is None else int(row[0])

        return await self._run(query)

    async def set_high_water(self, resource: str, record_id: int) -> None:
        """Move the poller's cursor forward (never back: two pollers may race)."""

        def store(conn: sqlite3.Connection) -> None:
            with self._write(conn):
                conn.execute(
                    "INSERT INTO cursors (resource, high_water) VALUES (?, ?) ON CONFLICT (resource)"
                    " DO UPDATE SET high_water = MAX(high_water, excluded.high_water)",
                    (resource, record_id),
                )

        await self._run(store)

    # -- hooks ------------------------------------------------------------------------------------

    async def save_hook(self, hook: HookRecord) -> None:
        """Insert or replace a hook record (by hook id)."""

        def store(conn: sqlite3.Connection) -> None:
            with self._write(conn):
                conn.execute(
                    "INSERT OR REPLACE INTO hooks (hook_id, resource, event, target_url, secret, saved_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        hook.hook_id,
                        hook.resource,
                        hook.event,
                        hook.target_url,
                        hook.secret.get_secret_value(),
                        time.time(),
                    ),
                )

        await self._run(store)

    async def list_hooks(self, resource: str | None = None) -> list[HookRecord]:
        """All hook records, or those of one resource (newest first)."""

        def query(conn: sqlite3.Connection) -> list[HookRecord]:
            rows = conn.execute(
                "SELECT resource, hook_id, event, target_url, secret FROM hooks"
                " WHERE ? IS NULL OR resource = ? ORDER BY saved_at DESC, hook_id DESC",
                (resource, resource),
            ).fetchall()
            return [HookRecord(r, int(h), e, u, SecretStr(s)) for r, h, e, u, s in rows]

        return await self._run(query)

    async def get_hook_by_resource(self, resource: str, target_url: str) -> HookRecord | None:
        """The hook registered for this resource and target URL, if any (the newest if several)."""
        hooks = await self.list_hooks(resource)
        return next((h for h in hooks if h.target_url == target_url), None)

    async def delete_hook(self, hook_id: int) -> bool:
        """Forget a hook record; whether it existed."""

        def delete(conn: sqlite3.Connection) -> bool:
            with self._write(conn):
                return conn.execute("DELETE FROM hooks WHERE hook_id = ?", (hook_id,)).rowcount > 0

        return await self._run(delete)

    # -- lifetime ---------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection; later calls raise."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    async def aclose(self) -> None:
        """Close the connection (after any call in flight)."""
        await anyio.to_thread.run_sync(self.close)
