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
- `payloads`: the record's JSON by `seq`, apart so that pruning deletes whole rows and the file
  shrinks (`auto_vacuum`); version 1 kept it in `events.payload_json`, which is now always NULL.
- `watchers`: per (resource, watcher) a `floor_seq` (every event with seq <= floor is done for the
  watcher, for good), `done_seq` (>= floor: every event up to it is done, though an answer above
  the floor can still be resumed after, which lowers it again; takes only look above it),
  `since_ts` (records created before it are not for the watcher: its `since`, or for a watcher
  started "from now" its start less a grace for clock skew), and `batch`, the number of its last
  answer; a cursor is `<token>.<batch>` (`token` tells this watcher from an expired namesake).
- `delivered`: what each watcher received above its floor, with the answer (`batch`) that carried
  it. Records are returned ordered by (created_on, id), not by arrival, and webhooks arrive out of
  order, so one cursor could not tell "returned" from "passed over"; the set can. A take with a
  cursor forgets the rows of later answers, which makes their records pending again. Rows are kept
  for the retention (`prune`), then the floor moves over them; `pruned_batch` is the newest answer
  that can no longer be resumed after.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
from pydantic import SecretStr

from paymo_mcp.watch.codec import (
    FIELD_NAME,
    INT64,
    NUMERIC_TEXT,
    START_GRACE_S,
    event_row,
    parse_cursor,
    resumable_batch,
)
from paymo_mcp.watch.errors import WatchInputError, WatchStoreError
from paymo_mcp.watch.records import HookRecord, TakeResult
from paymo_mcp.watch.timestamps import to_epoch

T = TypeVar("T")

SCHEMA_VERSION = 2

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
CREATE TABLE IF NOT EXISTS payloads (
    seq INTEGER PRIMARY KEY,
    json TEXT NOT NULL
);
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
# Version 2: resumable answers (cursors) and retention of what was delivered.
_ADDED_COLUMNS = {
    "watchers": (
        "token TEXT",
        "batch INTEGER NOT NULL DEFAULT 0",
        "pruned_batch INTEGER NOT NULL DEFAULT 0",
        "done_seq INTEGER NOT NULL DEFAULT 0",
    ),
    "delivered": ("batch INTEGER NOT NULL DEFAULT 0", "at REAL NOT NULL DEFAULT 0"),
}
# The columns a file must have for us to call it ours (version 1's; version 2 adds to them).
_OUR_COLUMNS = {
    "events": {"seq", "resource", "record_id", "created_ts", "payload_json", "received_at"},
    "watchers": {"resource", "watcher", "floor_seq", "since_ts", "created_at", "last_take_at"},
    "delivered": {"resource", "watcher", "record_id", "seq"},
    "cursors": {"resource", "high_water"},
    "hooks": {"hook_id", "resource", "event", "target_url", "secret", "saved_at"},
}

# An event is "done" for a watcher when it was delivered, predates the watcher's `since`, or was pruned.
_NOT_DELIVERED = (
    "NOT EXISTS (SELECT 1 FROM delivered d"
    " WHERE d.resource = e.resource AND d.watcher = ? AND d.record_id = e.record_id)"
)


def _filter_clause(filters: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
    """SQL for equality on top-level payload fields; ids match whether Paymo sent 5 or "5".

    A payload that is not valid JSON (stored by an older version) matches no filter instead of
    breaking every filtered take.
    """
    clauses: list[str] = []
    params: list[Any] = []
    for name, value in (filters or {}).items():
        if not FIELD_NAME.match(name):
            raise WatchInputError(f"filter field {name!r} is not a plain field name")
        path = f'$."{name}"'
        field = "(CASE WHEN json_valid(p.json) THEN json_extract(p.json, ?) END)"
        if isinstance(value, int) and not isinstance(value, bool) and value not in INT64:
            raise WatchInputError(f"{name}: {value} is out of range (no Paymo id is that large)")
        if value is None:
            clauses.append(f"{field} IS NULL")
            params.append(path)
        elif isinstance(value, bool):
            clauses.append(f"{field} = ?")
            params += [path, int(value)]
        elif isinstance(value, int | float):
            clauses.append(f"{field} IN (?, ?)")
            params += [path, value, str(value)]
        elif isinstance(value, str):
            alternatives: list[Any] = [value]
            if NUMERIC_TEXT.fullmatch(value):
                alternatives.append(int(value))
            clauses.append(f"{field} IN ({', '.join('?' * len(alternatives))})")
            params += [path, *alternatives]
        else:
            raise WatchInputError(f"filter {name!r} must be a single string, number, boolean or null")
    return "".join(f" AND {c}" for c in clauses), params


class SqliteWatchStore:
    """WatchStore on one SQLite file; open one per process, share it between tasks and threads.

    `clock` (Unix seconds) stamps arrivals, takes and watcher starts; tests pass a fake one.
    Opening or using a damaged or foreign file raises WatchStoreError naming the file and the fix.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout_s: float = 30.0,
        start_grace_s: float = START_GRACE_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        self.start_grace_s = start_grace_s
        self.clock = clock
        self._lock = threading.Lock()
        self._named_locks: dict[str, anyio.Lock] = {}
        self._conn: sqlite3.Connection | None = None
        try:
            self._conn = self._open(busy_timeout_s)
        except (OSError, sqlite3.Error) as exc:
            raise WatchStoreError(self.path, _reason(exc)) from None

    def __repr__(self) -> str:
        return f"SqliteWatchStore({str(self.path)!r})"

    # -- plumbing ---------------------------------------------------------------------------------

    def _open(self, busy_timeout_s: float) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with suppress(FileExistsError):
            # Hook secrets live here: readable by this user only, from the first byte on.
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        if not self.path.is_file():
            raise sqlite3.DatabaseError("it is not a regular file")
        conn = sqlite3.connect(
            self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            tables = self._check_ours(conn)
            if not tables:
                # Set before the first table: pruned pages are then given back to the file system.
                conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a webhook answered 200 must survive a power cut, not only a crash.
            conn.execute("PRAGMA synchronous = FULL")
            self._create_schema(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    @staticmethod
    def _check_ours(conn: sqlite3.Connection) -> set[str]:
        """Our tables in the file (none when it is new); DatabaseError when the file is someone else's."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(f"written by a newer paymo-mcp (schema {version})")
        tables = {
            row[0]
            for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not row[0].startswith("sqlite_")
        }
        if not tables:
            return tables
        for table, columns in _OUR_COLUMNS.items():
            have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            if not columns <= have:
                raise sqlite3.DatabaseError(
                    f"not a paymo-mcp watch database: table {table!r} is missing or different"
                )
        # A damaged page shows up here rather than in the middle of a take.
        problems = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        if problems != "ok":
            raise sqlite3.DatabaseError(f"damaged: {problems}")
        return tables

    @classmethod
    def _create_schema(cls, conn: sqlite3.Connection) -> None:
        with cls._write(conn):
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            if version < SCHEMA_VERSION:
                cls._migrate(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        """From version 1 (or a new file): the columns cursors need, payloads in their own table."""
        for table, columns in _ADDED_COLUMNS.items():
            have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                if column.split()[0] not in have:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
        conn.execute("UPDATE watchers SET done_seq = floor_seq WHERE done_seq < floor_seq")
        conn.execute(
            "INSERT OR IGNORE INTO payloads (seq, json)"
            " SELECT seq, payload_json FROM events WHERE payload_json IS NOT NULL"
        )
        conn.execute("UPDATE events SET payload_json = NULL WHERE payload_json IS NOT NULL")

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
            try:
                return fn(self._conn)
            except sqlite3.DatabaseError as exc:
                if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                    raise
                raise WatchStoreError(self.path, _reason(exc)) from None

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await anyio.to_thread.run_sync(self._call, fn)

    # -- events -----------------------------------------------------------------------------------

    async def add_events(self, resource: str, records: list[dict[str, Any]]) -> int:
        """Store new records (each needs an `id`), ignoring known ones; returns how many were new.

        UnstorableRecord, and nothing stored, when one of them could not be handed back intact.
        """
        now = self.clock()
        rows = [(resource, *event_row(r, now)) for r in records]
        if not rows:
            return 0
        return await self._run(partial(self._add_events, rows))

    @classmethod
    def _add_events(cls, rows: list[tuple[str, int, float, str, float]], conn: sqlite3.Connection) -> int:
        added = 0
        with cls._write(conn):
            for resource, record_id, created_ts, payload, received_at in rows:
                cursor = conn.execute(
                    "INSERT OR IGNORE INTO events (resource, record_id, created_ts, received_at)"
                    " VALUES (?, ?, ?, ?)",
                    (resource, record_id, created_ts, received_at),
                )
                if cursor.rowcount == 1:
                    added += 1
                    conn.execute(
                        "INSERT INTO payloads (seq, json) VALUES (?, ?)", (cursor.lastrowid, payload)
                    )
                else:
                    # A pruned record seen again (a backfill for a `since` watcher) gets its payload
                    # back under its old seq, so watchers that passed it do not get it again.
                    conn.execute(
                        "INSERT OR IGNORE INTO payloads (seq, json)"
                        " SELECT seq, ? FROM events WHERE resource = ? AND record_id = ?",
                        (payload, resource, record_id),
                    )
        return added

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

        With `cursor` (from an earlier answer), whatever later answers carried is pending again first.
        """
        if limit < 0:
            raise ValueError("limit must be 0 or more")
        since_ts = None if since is None else to_epoch(since)
        where, params = _filter_clause(filters)
        resume = None if cursor is None else parse_cursor(cursor)
        take = partial(self._take, resource, watcher, limit, since_ts, where, params, resume)
        return await self._run(take)

    def _take(
        self,
        resource: str,
        watcher: str,
        limit: int,
        since_ts: float | None,
        filter_sql: str,
        filter_params: list[Any],
        resume: tuple[str, int] | None,
        conn: sqlite3.Connection,
    ) -> TakeResult:
        now = self.clock()
        with self._write(conn):
            row = conn.execute(
                "SELECT done_seq, since_ts, token, batch, pruned_batch FROM watchers"
                " WHERE resource = ? AND watcher = ?",
                (resource, watcher),
            ).fetchone()
            new_watcher = row is None
            if row is None:
                if resume is not None:
                    raise WatchInputError(
                        f"cursor: watcher {watcher!r} has no earlier answers (new, or expired after 30 idle "
                        "days); call without cursor"
                    )
                # From now: everything stored so far is behind the floor, and records created before
                # now (less a grace for clock skew) stay out, for instance ones a backfill brings in
                # for another watcher. With `since`: only the creation time counts.
                if since_ts is None:
                    done, since_ts = self._max_seq(conn), now - self.start_grace_s
                else:
                    done = 0
                token, batch = secrets.token_hex(4), 0
                conn.execute(
                    "INSERT INTO watchers (resource, watcher, floor_seq, done_seq, since_ts, created_at,"
                    " last_take_at, token) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (resource, watcher, done, done, since_ts, now, now, token),
                )
            else:
                done, since_ts, token, batch, pruned_batch = row
                token = token or secrets.token_hex(4)  # a watcher from schema version 1
                if resume is not None:
                    done = self._resume(conn, resource, watcher, token, batch, pruned_batch, resume, done)
            batch += 1
            pending = (
                "FROM events e CROSS JOIN payloads p ON p.seq = e.seq WHERE e.resource = ? AND e.seq > ?"
                " AND (? IS NULL OR e.created_ts >= ?) AND " + _NOT_DELIVERED + filter_sql
            )
            args = [resource, done, since_ts, since_ts, watcher, *filter_params]
            total = conn.execute("SELECT COUNT(*) " + pending, args).fetchone()[0]
            picked = conn.execute(
                "SELECT e.seq, e.record_id, p.json " + pending + " ORDER BY e.created_ts, e.record_id"
                " LIMIT ?",
                [*args, limit],
            ).fetchall()
            conn.executemany(
                "INSERT INTO delivered (resource, watcher, record_id, seq, batch, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(resource, watcher, record_id, seq, batch, now) for seq, record_id, _ in picked],
            )
            self._advance_done(conn, resource, watcher, done, since_ts)
            conn.execute(
                "UPDATE watchers SET last_take_at = ?, batch = ?, token = ?"
                " WHERE resource = ? AND watcher = ?",
                (now, batch, token, resource, watcher),
            )
            # If the caller was cancelled meanwhile (a client gave up), no one will see these records:
            # raising here rolls the whole take back, so they stay pending instead of being lost.
            anyio.from_thread.check_cancelled()
        records = [json.loads(payload) for _, _, payload in picked]
        return TakeResult(
            records=records, remaining=total - len(picked), new_watcher=new_watcher, cursor=f"{token}.{batch}"
        )

    @staticmethod
    def _resume(
        conn: sqlite3.Connection,
        resource: str,
        watcher: str,
        token: str,
        batch: int,
        pruned_batch: int,
        resume: tuple[str, int],
        done: int,
    ) -> int:
        """Make what the answers after the cursor's carried pending again (they never arrived);
        returns the watcher's `done_seq`, lowered below them."""
        after = resumable_batch(watcher, token, batch, pruned_batch, resume)
        lowest = conn.execute(
            "SELECT MIN(seq) FROM delivered WHERE resource = ? AND watcher = ? AND batch > ?",
            (resource, watcher, after),
        ).fetchone()[0]
        if lowest is None:
            return done
        conn.execute(
            "DELETE FROM delivered WHERE resource = ? AND watcher = ? AND batch > ?",
            (resource, watcher, after),
        )
        # Everything delivered between here and the old `done_seq` still has its row (rows above
        # the floor are kept), so only what was just made pending comes back.
        done = min(done, lowest - 1)
        conn.execute(
            "UPDATE watchers SET done_seq = ? WHERE resource = ? AND watcher = ?", (done, resource, watcher)
        )
        return int(done)

    @staticmethod
    def _max_seq(conn: sqlite3.Connection) -> int:
        value: int | None = conn.execute("SELECT MAX(seq) FROM events").fetchone()[0]
        return value or 0

    @staticmethod
    def _just_below(conn: sqlite3.Connection, resource: str, first_open: int | None, mark: int) -> int:
        """A mark just below the first event still open, or at the resource's newest when none is."""
        if first_open is not None:
            return first_open - 1
        top: int | None = conn.execute(
            "SELECT MAX(seq) FROM events WHERE resource = ?", (resource,)
        ).fetchone()[0]
        return top or mark

    @staticmethod
    def _advance_done(
        conn: sqlite3.Connection, resource: str, watcher: str, done: int, since_ts: float | None
    ) -> None:
        """Move `done_seq` over the leading run of events that are delivered or not for the watcher."""
        first_open = conn.execute(
            "SELECT MIN(e.seq) FROM events e CROSS JOIN payloads p ON p.seq = e.seq WHERE e.resource = ?"
            " AND e.seq > ? AND (? IS NULL OR e.created_ts >= ?) AND " + _NOT_DELIVERED,
            (resource, done, since_ts, since_ts, watcher),
        ).fetchone()[0]
        new_done = SqliteWatchStore._just_below(conn, resource, first_open, done)
        if new_done > done:
            conn.execute(
                "UPDATE watchers SET done_seq = ? WHERE resource = ? AND watcher = ?",
                (new_done, resource, watcher),
            )

    async def recent(self, resource: str, limit: int) -> list[dict[str, Any]]:
        """The newest stored records of a resource (newest first), without delivering them to anyone."""

        def query(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            rows = conn.execute(
                "SELECT p.json FROM events e CROSS JOIN payloads p ON p.seq = e.seq WHERE e.resource = ?"
                " ORDER BY e.created_ts DESC, e.record_id DESC LIMIT ?",
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

    async def prune(self, older_than: datetime, idle_before: datetime | None = None) -> int:
        """Forget watchers idle since before `idle_before`, deliveries made before `older_than` (their
        answers can no longer be resumed after), and payloads of events received before `older_than`
        that every watcher has passed; returns how many payloads were dropped."""
        cutoff = to_epoch(older_than)
        idle_cutoff = None if idle_before is None else to_epoch(idle_before)
        return await self._run(partial(self._prune, cutoff, idle_cutoff))

    @classmethod
    def _prune(cls, cutoff: float, idle_cutoff: float | None, conn: sqlite3.Connection) -> int:
        with cls._write(conn):
            if idle_cutoff is not None:
                conn.execute(
                    "DELETE FROM delivered WHERE EXISTS (SELECT 1 FROM watchers w WHERE w.resource ="
                    " delivered.resource AND w.watcher = delivered.watcher AND w.last_take_at < ?)",
                    (idle_cutoff,),
                )
                conn.execute("DELETE FROM watchers WHERE last_take_at < ?", (idle_cutoff,))
            watchers = conn.execute(
                "SELECT resource, watcher, floor_seq, since_ts, pruned_batch FROM watchers"
            ).fetchall()
            for resource, watcher, floor, since_ts, pruned_batch in watchers:
                cls._retire_deliveries(conn, resource, watcher, floor, since_ts, pruned_batch, cutoff)
            dropped = conn.execute(
                "DELETE FROM payloads WHERE seq IN (SELECT e.seq FROM events e WHERE e.received_at < ?"
                " AND e.seq <= COALESCE((SELECT MIN(w.floor_seq) FROM watchers w"
                " WHERE w.resource = e.resource), e.seq))",
                (cutoff,),
            ).rowcount
        # Give the freed pages back to the file system. executescript steps the pragma to the end;
        # execute() would free a single page.
        conn.executescript("PRAGMA incremental_vacuum;")
        return dropped

    @staticmethod
    def _retire_deliveries(
        conn: sqlite3.Connection,
        resource: str,
        watcher: str,
        floor: int,
        since_ts: float | None,
        pruned_batch: int,
        cutoff: float,
    ) -> None:
        """Move the floor over the leading run of events delivered before `cutoff` (or not for the
        watcher) and forget their `delivered` rows: answers up to the newest of them become final."""
        first_kept = conn.execute(
            "SELECT MIN(e.seq) FROM events e CROSS JOIN payloads p ON p.seq = e.seq WHERE e.resource = ?"
            " AND e.seq > ? AND (? IS NULL OR e.created_ts >= ?) AND NOT EXISTS (SELECT 1 FROM delivered d"
            " WHERE d.resource = e.resource AND d.watcher = ? AND d.record_id = e.record_id AND d.at < ?)",
            (resource, floor, since_ts, since_ts, watcher, cutoff),
        ).fetchone()[0]
        new_floor = SqliteWatchStore._just_below(conn, resource, first_kept, floor)
        if new_floor <= floor:
            return
        newest = conn.execute(
            "SELECT MAX(batch) FROM delivered WHERE resource = ? AND watcher = ? AND seq <= ?",
            (resource, watcher, new_floor),
        ).fetchone()[0]
        conn.execute(
            "DELETE FROM delivered WHERE resource = ? AND watcher = ? AND seq <= ?",
            (resource, watcher, new_floor),
        )
        conn.execute(
            "UPDATE watchers SET floor_seq = ?, done_seq = MAX(done_seq, ?), pruned_batch = ?"
            " WHERE resource = ? AND watcher = ?",
            (new_floor, new_floor, max(pruned_batch, newest or 0), resource, watcher),
        )

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
                        self.clock(),
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

    async def exclusive(self, key: str, fn: Callable[[], Awaitable[T]]) -> T:
        """Run `fn` while holding the lock named `key` in this process (one SQLite file serves one
        process: there is no other replica to keep out)."""
        lock = self._named_locks.setdefault(key, anyio.Lock())
        async with lock:
            return await fn()

    # -- lifetime ---------------------------------------------------------------------------------

    async def open(self) -> None:
        """Nothing to do: the file is opened and checked when the store is made."""

    def close(self) -> None:
        """Close the connection; later calls raise."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    async def aclose(self) -> None:
        """Close the connection (after any call in flight)."""
        await anyio.to_thread.run_sync(self.close)


def _reason(exc: BaseException) -> str:
    """What went wrong, in a few words, for WatchStoreError."""
    if isinstance(exc, IsADirectoryError | NotADirectoryError | FileExistsError):
        return f"{type(exc).__name__}: {exc.strerror or exc}"
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
