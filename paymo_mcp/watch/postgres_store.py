"""The shared watch store: PostgreSQL, for several replicas of the server (`PAYMO_DATABASE_URL`).

It keeps the contract of `WatchStore` exactly as `SqliteWatchStore` does (read that module for the
meaning of `floor_seq`, `done_seq`, `since_ts`, batches and cursors); what differs is how the
guarantees are reached when many processes on many machines write at once:

- One take is one transaction that first locks its watcher's row (`SELECT ... FOR UPDATE`): two
  takes of the same watcher, from any replica, run one after the other, and the second sees what
  the first delivered. Takes of different watchers do not wait for each other.
- `seq` (an identity column) is handed out in the order adds commit, per resource: every add takes
  an exclusive transaction-scoped advisory lock on its resource before it inserts. Without it, an
  add could take seq 10, commit after another's seq 11, and a take in between would move a
  watcher's `done_seq` over 10 for good. Statements that move `done_seq` see one snapshot each.
- Pruning takes a store-wide advisory lock exclusively (adds and new watchers take it shared), so
  no floor moves over an event still being added, and two replicas never prune at once.
- The schema lives in its own PostgreSQL schema (`paymo_mcp`), is created and migrated by the
  store on first use (or `open()`), and its version is kept in `paymo_mcp.schema_migrations`;
  a transaction-scoped advisory lock lets one of several replicas starting together migrate.
- Hook records are unique per (resource, target URL) for the whole deployment: saving a new hook
  for a pair replaces the one that held it.
- Payloads are kept as the same JSON text SQLite keeps (handed back unchanged); the top-level scalar
  fields go beside them as `jsonb` for filters (text jsonb cannot hold stands in as `{}`).

Connections come from an asyncpg pool created on the running event loop at first use. A database
that is down or restarting fails each call with one WatchStoreError line naming host:port/dbname
(never the password); the pool reconnects by itself once it is back. A call that finds its
connection dead before committing (the server restarted in between) is run once more on a new one;
a connection lost while committing is not retried (the answer could have been stored: a take's
records are then pending again with the previous cursor).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar
from urllib.parse import parse_qs, urlsplit

import anyio
import asyncpg
from pydantic import SecretStr

from paymo_mcp.watch.codec import (
    FIELD_NAME,
    NUMERIC_TEXT,
    START_GRACE_S,
    check_filters,
    event_row,
    parse_cursor,
    resumable_batch,
)
from paymo_mcp.watch.errors import WatchInputError, WatchStoreError
from paymo_mcp.watch.records import HookRecord, TakeResult
from paymo_mcp.watch.timestamps import to_epoch

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    Conn: TypeAlias = PoolConnectionProxy[asyncpg.Record]  # what the pool hands out

T = TypeVar("T")

SCHEMA_VERSION = 1
COMPONENT = "watch"
URL_SCHEMES = ("postgresql", "postgres")
# Advisory lock keys. The migration lock is a bigint key; the others are (namespace, key) pairs,
# which PostgreSQL keeps apart from bigint keys.
MIGRATION_LOCK = 0x7061796D6F6D6370  # "paymomcp"
STORE_LOCK = 0x70796D31  # (STORE_LOCK, 0): shared by adds and new watchers, exclusive for pruning
RESOURCE_LOCK = 0x70796D32  # (RESOURCE_LOCK, hashtext(resource)): one add per resource at a time
HOOK_LOCK = 0x70796D33  # (HOOK_LOCK, hashtext(resource target)): one save per hook target at a time
NAMED_LOCK = 0x70796D34  # (NAMED_LOCK, hashtext(key)): `exclusive(key, ...)`, held for a session

_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE paymo_mcp.events (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            resource text NOT NULL,
            record_id bigint NOT NULL,
            created_ts double precision NOT NULL,
            received_at double precision NOT NULL,
            payload text,
            fields jsonb,
            UNIQUE (resource, record_id)
        )""",
        "CREATE INDEX events_by_seq ON paymo_mcp.events (resource, seq)",
        "CREATE INDEX events_by_age ON paymo_mcp.events (resource, created_ts, record_id)",
        """CREATE TABLE paymo_mcp.watchers (
            resource text NOT NULL,
            watcher text NOT NULL,
            floor_seq bigint NOT NULL,
            done_seq bigint NOT NULL,
            since_ts double precision,
            created_at double precision NOT NULL,
            last_take_at double precision NOT NULL,
            token text NOT NULL,
            batch bigint NOT NULL DEFAULT 0,
            pruned_batch bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (resource, watcher)
        )""",
        """CREATE TABLE paymo_mcp.delivered (
            resource text NOT NULL,
            watcher text NOT NULL,
            record_id bigint NOT NULL,
            seq bigint NOT NULL,
            batch bigint NOT NULL,
            at double precision NOT NULL,
            PRIMARY KEY (resource, watcher, record_id)
        )""",
        """CREATE TABLE paymo_mcp.poll_cursors (
            resource text PRIMARY KEY,
            high_water bigint NOT NULL
        )""",
        """CREATE TABLE paymo_mcp.hooks (
            hook_id bigint PRIMARY KEY,
            resource text NOT NULL,
            event text NOT NULL,
            target_url text NOT NULL,
            secret text NOT NULL,
            saved_at double precision NOT NULL,
            UNIQUE (resource, target_url)
        )""",
    ),
}

# What a failure to reach or use the database looks like, whatever layer raised it.
_DATABASE_ERRORS = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    OSError,
)
# Failures that leave the connection unusable (the server went away, or the protocol lost its
# place when it did: "another operation is in progress"): it is closed, never reused.
_BROKEN = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up, admin shutdown
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    OSError,
)
# Failures after which the transaction is known to be rolled back and may simply run again.
_RETRYABLE = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)


class _Args:
    """Numbered parameters ($1, $2, ...) collected while a statement is written."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def _representable(text: str) -> bool:
    """Whether jsonb can hold this text (no NUL, no lone surrogate)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def fields_json(record: Mapping[str, Any]) -> str:
    """The record's top-level fields as filters see them (jsonb text): scalars as they are; objects,
    lists and text jsonb cannot hold as `{}`, which equals no filter value and is not null."""
    doc: dict[str, Any] = {}
    for name, value in record.items():
        if not isinstance(name, str) or not FIELD_NAME.match(name):
            continue  # no filter can name it
        if (
            value is None
            or isinstance(value, bool | int | float)
            or (isinstance(value, str) and _representable(value))
        ):
            doc[name] = value
        else:
            doc[name] = {}
    return json.dumps(doc, separators=(",", ":"))


def _filter_sql(filters: list[tuple[str, Any]], arg: _Args) -> str:
    """Equalities on top-level fields, with SQLite's matching: ids match whether Paymo sent 5 or
    "5", numbers compare by value (5 = 5.0), true is also 1, null also means absent."""
    clauses: list[str] = []
    for name, value in filters:
        field = f"(e.fields -> {arg(name)})"
        if value is None:
            clauses.append(f"COALESCE({field}, 'null'::jsonb) = 'null'::jsonb")
            continue
        alternatives: list[str] = []
        if isinstance(value, bool):
            alternatives = ["true", "1"] if value else ["false", "0"]
        elif isinstance(value, int | float):
            alternatives = [json.dumps(str(value))]
            if value == value and value not in (float("inf"), float("-inf")):
                alternatives.append(json.dumps(value))
        else:
            if _representable(value):
                alternatives.append(json.dumps(value))
            if NUMERIC_TEXT.fullmatch(value):
                alternatives.append(str(int(value)))
        if alternatives:
            clauses.append(f"{field} = ANY({arg(alternatives)}::jsonb[])")
        else:
            clauses.append("false")
    return "".join(f" AND {c}" for c in clauses)


def _pending_sql(
    arg: _Args, resource: str, watcher: str, done: int, since_ts: float | None, filter_sql: str = ""
) -> str:
    """FROM/WHERE of the events still to give this watcher (above `done`, not delivered, not pruned)."""
    sql = (
        f"FROM paymo_mcp.events e WHERE e.resource = {arg(resource)} AND e.seq > {arg(done)}"
        " AND e.payload IS NOT NULL"
    )
    if since_ts is not None:
        sql += f" AND e.created_ts >= {arg(since_ts)}"
    # OFFSET 0 keeps NOT EXISTS a per-row probe of delivered's primary key. As an anti-join, the
    # planner, misled by a young table's missing statistics, was seen to rescan every delivered row
    # for every event (a take of 10 from a backlog of 2,000: 400 ms instead of 4).
    return (
        sql + " AND NOT EXISTS (SELECT 1 FROM paymo_mcp.delivered d WHERE d.resource = e.resource"
        f" AND d.watcher = {arg(watcher)} AND d.record_id = e.record_id OFFSET 0)" + filter_sql
    )


def describe_url(url: str) -> str:
    """host:port/dbname of a PostgreSQL URL, without user or password: how errors name the database."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    hosts = parts.netloc.rpartition("@")[2] or ",".join(query.get("host", [])) or "localhost"
    dbname = parts.path.lstrip("/") or ",".join(query.get("dbname", [])) or "(default database)"
    return f"{hosts}/{dbname}"


def _secrets_of(url: str) -> list[str]:
    parts = urlsplit(url)
    found = [parts.password] if parts.password else []
    return found + [p for p in parse_qs(parts.query).get("password", []) if p]


def _closed(conn: Conn) -> bool:
    """Whether a pooled connection is gone (a connection the server closed is taken from its proxy)."""
    try:
        return conn.is_closed()
    except asyncpg.InterfaceError:
        return True


async def _reset(conn: asyncpg.Connection[asyncpg.Record]) -> None:
    """What a connection needs before it goes back to the pool: no open transaction (the store sets
    no session state and takes only transaction-scoped locks, so asyncpg's full reset is not needed)."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


class PostgresWatchStore:
    """WatchStore on PostgreSQL; open one per process (per event loop), share it between tasks.

    Construction does no I/O: the pool is made, and the schema created or migrated, on the first
    call or `open()`. `clock` (Unix seconds) stamps arrivals, takes and watcher starts.
    """

    def __init__(
        self,
        url: str,
        *,
        clock: Callable[[], float] = time.time,
        start_grace_s: float = START_GRACE_S,
        max_connections: int = 10,
        connect_timeout_s: float = 5.0,
    ) -> None:
        self._url = url
        self.where = describe_url(url)
        if urlsplit(url).scheme.lower() not in URL_SCHEMES:
            raise WatchStoreError(
                self.where,
                "not a postgresql:// URL",
                "Fix: set PAYMO_DATABASE_URL to postgresql://user:password@host:port/dbname.",
            )
        self._hidden = _secrets_of(url)
        self.clock = clock
        self.start_grace_s = start_grace_s
        self.max_connections = max_connections
        self.connect_timeout_s = connect_timeout_s
        self._pool: asyncpg.Pool[asyncpg.Record] | None = None
        self._ready = False
        self._closed = False
        self._opening = anyio.Lock()

    def __repr__(self) -> str:
        return f"PostgresWatchStore({self.where!r})"

    # -- plumbing ---------------------------------------------------------------------------------

    def _error(self, exc: BaseException, *, connecting: bool = False) -> WatchStoreError:
        """One line for any failure to reach or use the database; the password never appears."""
        if isinstance(exc, WatchStoreError):
            return exc
        text = " ".join((str(exc) or type(exc).__name__).split())
        if isinstance(exc, TimeoutError):
            text = f"no answer within {self.connect_timeout_s:g} s"
        if connecting:
            text = f"cannot connect: {text}"
        elif isinstance(exc, OSError | asyncpg.InterfaceError | asyncpg.exceptions.InternalClientError):
            text = f"the connection broke, as when PostgreSQL stops or restarts: {text}"
        for hidden in self._hidden:
            text = text.replace(hidden, "***")
        if len(text) > 160:
            text = text[:157] + "..."
        return WatchStoreError(
            self.where,
            text,
            "Fix: check that PostgreSQL is running and PAYMO_DATABASE_URL is right; paymo-mcp "
            "reconnects by itself, no restart needed.",
        )

    async def open(self) -> None:
        """Connect and create or migrate the schema now (the first call does it otherwise).

        WatchStoreError when the database cannot be reached or holds a newer schema; calls after a
        failed open try again.
        """
        await self._ready_pool()

    async def _ready_pool(self) -> asyncpg.Pool[asyncpg.Record]:
        if self._ready and self._pool is not None:
            return self._pool
        async with self._opening:
            if self._closed:
                raise RuntimeError("the watch store is closed")
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._url,
                    min_size=0,  # nothing connects before it is needed, so nothing retries in the background
                    max_size=self.max_connections,
                    max_inactive_connection_lifetime=300.0,
                    timeout=self.connect_timeout_s,
                    reset=_reset,
                    server_settings={"application_name": "paymo-mcp"},
                )
            if not self._ready:
                await self._transact(self._pool, self._migrate)
                self._ready = True
            return self._pool

    async def _run(self, fn: Callable[[Conn], Awaitable[T]]) -> T:
        if self._closed:
            raise RuntimeError("the watch store is closed")
        return await self._transact(await self._ready_pool(), fn)

    async def _transact(self, pool: asyncpg.Pool[asyncpg.Record], fn: Callable[[Conn], Awaitable[T]]) -> T:
        """`fn` in one transaction; once more on a fresh connection if it failed before committing
        because its connection broke (a restarted server) or it lost a deadlock. A failure while
        committing is not retried: the transaction may have been stored."""
        for attempt in (1, 2):
            try:
                conn = await pool.acquire()
            except (*_DATABASE_ERRORS, ValueError) as exc:  # ValueError: a URL asyncpg cannot read
                raise self._error(exc, connecting=True) from None
            committing = broken = False
            try:
                transaction = conn.transaction()
                await transaction.start()
                try:
                    result = await fn(conn)
                except Exception:
                    if not _closed(conn):
                        with suppress(*_DATABASE_ERRORS):
                            await transaction.rollback()
                    raise
                # A cancelled call is rolled back when its connection goes back to the pool.
                committing = True
                await transaction.commit()
                return result
            except _DATABASE_ERRORS as exc:
                broken = _closed(conn) or isinstance(exc, _BROKEN)
                if broken:
                    if not _closed(conn):
                        conn.terminate()  # never back into the pool
                    await pool.expire_connections()  # the others are likely as dead: connect afresh
                if attempt == 1 and not committing and (broken or isinstance(exc, _RETRYABLE)):
                    continue
                raise self._error(exc) from None
            finally:
                await pool.release(conn)
        raise AssertionError("unreachable")

    async def _migrate(self, conn: Conn) -> None:
        """Create or upgrade the schema; of several replicas starting at once, one does it."""
        version = await self._schema_version(conn)
        if version == SCHEMA_VERSION:
            return
        if version < SCHEMA_VERSION:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await conn.execute("CREATE SCHEMA IF NOT EXISTS paymo_mcp")
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS paymo_mcp.schema_migrations (component text NOT NULL,"
                " version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),"
                " PRIMARY KEY (component, version))"
            )
            version = await self._schema_version(conn)  # what another replica did while we waited
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[step]:
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO paymo_mcp.schema_migrations (component, version) VALUES ($1, $2)",
                    COMPONENT,
                    step,
                )
        if version > SCHEMA_VERSION:
            raise WatchStoreError(
                self.where,
                f"its watch schema is version {version}, written by a newer paymo-mcp",
                "Fix: upgrade paymo-mcp on this machine to the version the other replicas run.",
            )

    @staticmethod
    async def _schema_version(conn: Conn) -> int:
        if await conn.fetchval("SELECT to_regclass('paymo_mcp.schema_migrations')") is None:
            return 0
        value = await conn.fetchval(
            "SELECT COALESCE(MAX(version), 0) FROM paymo_mcp.schema_migrations WHERE component = $1",
            COMPONENT,
        )
        return int(value)

    # -- events -----------------------------------------------------------------------------------

    async def add_events(self, resource: str, records: list[dict[str, Any]]) -> int:
        """Store new records (each needs an `id`), ignoring known ones; returns how many were new.

        UnstorableRecord, and nothing stored, when one of them could not be handed back intact.
        """
        now = self.clock()
        rows: dict[int, tuple[float, str, str]] = {}
        for record in records:
            record_id, created, payload, _ = event_row(record, now)
            rows.setdefault(record_id, (created, payload, fields_json(record)))  # the first one is kept
        if not rows:
            return 0

        async def add(conn: Conn) -> int:
            await conn.execute(
                "SELECT pg_advisory_xact_lock_shared($1, 0), pg_advisory_xact_lock($2, hashtext($3))",
                STORE_LOCK,
                RESOURCE_LOCK,
                resource,
            )
            ids = list(rows)
            added = await conn.fetch(
                "INSERT INTO paymo_mcp.events (resource, record_id, created_ts, received_at, payload, fields)"
                " SELECT $1, r.id, r.ts, $2, r.payload, r.fields::jsonb"
                " FROM unnest($3::bigint[], $4::float8[], $5::text[], $6::text[])"
                " WITH ORDINALITY AS r(id, ts, payload, fields, n) ORDER BY r.n"
                " ON CONFLICT (resource, record_id) DO NOTHING RETURNING record_id",
                resource,
                now,
                ids,
                [rows[i][0] for i in ids],
                [rows[i][1] for i in ids],
                [rows[i][2] for i in ids],
            )
            new = {row[0] for row in added}
            known = [i for i in ids if i not in new]
            if known:
                # A pruned record seen again (a backfill for a `since` watcher) gets its payload back
                # under its old seq, so watchers that passed it do not get it again.
                await conn.execute(
                    "UPDATE paymo_mcp.events e SET payload = r.payload, fields = r.fields::jsonb"
                    " FROM unnest($2::bigint[], $3::text[], $4::text[]) AS r(id, payload, fields)"
                    " WHERE e.resource = $1 AND e.record_id = r.id AND e.payload IS NULL",
                    resource,
                    known,
                    [rows[i][1] for i in known],
                    [rows[i][2] for i in known],
                )
            return len(new)

        return await self._run(add)

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
        checked = check_filters(filters)
        resume = None if cursor is None else parse_cursor(cursor)

        async def take(conn: Conn) -> TakeResult:
            return await self._take(conn, resource, watcher, limit, since_ts, checked, resume)

        return await self._run(take)

    async def _take(
        self,
        conn: Conn,
        resource: str,
        watcher: str,
        limit: int,
        since_ts: float | None,
        filters: list[tuple[str, Any]],
        resume: tuple[str, int] | None,
    ) -> TakeResult:
        now = self.clock()
        select_watcher = (
            "SELECT done_seq, since_ts, token, batch, pruned_batch FROM paymo_mcp.watchers"
            " WHERE resource = $1 AND watcher = $2 FOR UPDATE"
        )
        row = await conn.fetchrow(select_watcher, resource, watcher)
        new_watcher = False
        if row is None:
            if resume is not None:
                raise WatchInputError(
                    f"cursor: watcher {watcher!r} has no earlier answers (new, or expired after 30 idle "
                    "days); call without cursor"
                )
            # Shared with adds, exclusive for pruning: no prune moves floors while the watcher starts.
            await conn.execute("SELECT pg_advisory_xact_lock_shared($1, 0)", STORE_LOCK)
            # From now: everything stored so far is behind the floor (an add still running holds a
            # higher seq), and records created before now, less a grace for clock skew, stay out.
            # With `since`: only the creation time counts.
            start_ts = now - self.start_grace_s if since_ts is None else since_ts
            token = secrets.token_hex(4)
            created = await conn.fetchrow(
                "INSERT INTO paymo_mcp.watchers (resource, watcher, floor_seq, done_seq, since_ts,"
                " created_at, last_take_at, token)"
                " SELECT $1, $2, m.done, m.done, $3, $4, $4, $5 FROM (SELECT CASE WHEN $6 THEN"
                " COALESCE(MAX(seq), 0) ELSE 0 END AS done FROM paymo_mcp.events WHERE resource = $1) m"
                " ON CONFLICT (resource, watcher) DO NOTHING RETURNING done_seq",
                resource,
                watcher,
                start_ts,
                now,
                token,
                since_ts is None,
            )
            if created is not None:
                new_watcher = True
                done, since_ts, batch = int(created[0]), start_ts, 0
            else:  # the same watcher's first take on another replica won: take after it
                row = await conn.fetchrow(select_watcher, resource, watcher)
                assert row is not None
        if row is not None:
            done, since_ts, token, batch, pruned_batch = row
            if resume is not None:
                done = await self._resume(conn, resource, watcher, token, batch, pruned_batch, resume, done)
        batch += 1
        records: list[dict[str, Any]] = []
        remaining: int | None = None
        if limit > 0:
            # One scan picks the oldest `limit` pending records, counts all of them (the window is
            # taken before the LIMIT) and marks the picked ones delivered with this answer's batch.
            arg = _Args()
            pending = _pending_sql(arg, resource, watcher, done, since_ts, _filter_sql(filters, arg))
            picked = await conn.fetch(
                "WITH picked AS (SELECT e.seq, e.record_id, e.created_ts, e.payload,"
                " COUNT(*) OVER () AS total "
                + pending
                + f" ORDER BY e.created_ts, e.record_id LIMIT {arg(limit)}),"
                " gave AS (INSERT INTO paymo_mcp.delivered (resource, watcher, record_id, seq, batch, at)"
                f" SELECT {arg(resource)}, {arg(watcher)}, record_id, seq, {arg(batch)}, {arg(now)}"
                " FROM picked)"
                " SELECT payload, total FROM picked ORDER BY created_ts, record_id",
                *arg.values,
            )
            records = [json.loads(r[0]) for r in picked]
            remaining = int(picked[0][1]) - len(picked) if picked else 0
        # One statement, so one snapshot: `done_seq` moves over the leading run of events that are
        # delivered or not for the watcher, and never over one an add commits meanwhile.
        arg = _Args()
        open_sql = _pending_sql(arg, resource, watcher, done, since_ts)
        update = (
            f"UPDATE paymo_mcp.watchers SET last_take_at = {arg(now)}, batch = {arg(batch)},"
            f" token = {arg(token)}, done_seq = GREATEST({arg(done)}::bigint, COALESCE("
            f"(SELECT MIN(e.seq) - 1 {open_sql}),"
            f" (SELECT MAX(seq) FROM paymo_mcp.events WHERE resource = {arg(resource)}), 0))"
            f" WHERE resource = {arg(resource)} AND watcher = {arg(watcher)}"
        )
        if remaining is None:  # limit 0: only the count
            count_sql = _pending_sql(arg, resource, watcher, done, since_ts, _filter_sql(filters, arg))
            remaining = int(
                await conn.fetchval(f"{update} RETURNING (SELECT COUNT(*) {count_sql})", *arg.values)
            )
        else:
            await conn.execute(update, *arg.values)
        return TakeResult(
            records=records, remaining=remaining, new_watcher=new_watcher, cursor=f"{token}.{batch}"
        )

    @staticmethod
    async def _resume(
        conn: Conn,
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
        lowest = await conn.fetchval(
            "WITH gone AS (DELETE FROM paymo_mcp.delivered WHERE resource = $1 AND watcher = $2"
            " AND batch > $3 RETURNING seq) SELECT MIN(seq) FROM gone",
            resource,
            watcher,
            after,
        )
        # Everything delivered between here and the old `done_seq` still has its row (rows above
        # the floor are kept), so only what was just made pending comes back.
        return done if lowest is None else min(done, int(lowest) - 1)

    async def recent(self, resource: str, limit: int) -> list[dict[str, Any]]:
        """The newest stored records of a resource (newest first), without delivering them to anyone."""

        async def query(conn: Conn) -> list[dict[str, Any]]:
            rows = await conn.fetch(
                "SELECT payload FROM paymo_mcp.events WHERE resource = $1 AND payload IS NOT NULL"
                " ORDER BY created_ts DESC, record_id DESC LIMIT $2",
                resource,
                max(0, limit),
            )
            return [json.loads(row[0]) for row in rows]

        return await self._run(query)

    async def watcher_exists(self, resource: str, watcher: str) -> bool:
        """Whether this watcher has taken from this resource before."""

        async def query(conn: Conn) -> bool:
            found = await conn.fetchval(
                "SELECT 1 FROM paymo_mcp.watchers WHERE resource = $1 AND watcher = $2", resource, watcher
            )
            return found is not None

        return await self._run(query)

    async def prune(self, older_than: datetime, idle_before: datetime | None = None) -> int:
        """Forget watchers idle since before `idle_before`, deliveries made before `older_than` (their
        answers can no longer be resumed after), and payloads of events received before `older_than`
        that every watcher has passed; returns how many payloads were dropped."""
        cutoff = to_epoch(older_than)
        idle_cutoff = None if idle_before is None else to_epoch(idle_before)

        async def prune(conn: Conn) -> int:
            return await self._prune(conn, cutoff, idle_cutoff)

        return await self._run(prune)

    async def _prune(self, conn: Conn, cutoff: float, idle_cutoff: float | None) -> int:
        # Exclusive: adds and new watchers wait, and so does another replica's prune.
        await conn.execute("SELECT pg_advisory_xact_lock($1, 0)", STORE_LOCK)
        watchers = await conn.fetch(
            "SELECT resource, watcher, floor_seq, since_ts, pruned_batch, last_take_at"
            " FROM paymo_mcp.watchers ORDER BY resource, watcher FOR UPDATE"
        )
        if idle_cutoff is not None:
            await conn.execute(
                "DELETE FROM paymo_mcp.delivered d USING paymo_mcp.watchers w WHERE w.resource = d.resource"
                " AND w.watcher = d.watcher AND w.last_take_at < $1",
                idle_cutoff,
            )
            await conn.execute("DELETE FROM paymo_mcp.watchers WHERE last_take_at < $1", idle_cutoff)
            watchers = [w for w in watchers if w["last_take_at"] >= idle_cutoff]
        for resource, watcher, floor, since_ts, pruned_batch, _ in watchers:
            await self._retire_deliveries(conn, resource, watcher, floor, since_ts, pruned_batch, cutoff)
        status = await conn.execute(
            "UPDATE paymo_mcp.events e SET payload = NULL, fields = NULL WHERE e.payload IS NOT NULL"
            " AND e.received_at < $1 AND e.seq <= COALESCE((SELECT MIN(w.floor_seq)"
            " FROM paymo_mcp.watchers w WHERE w.resource = e.resource), e.seq)",
            cutoff,
        )
        return int(status.rpartition(" ")[2] or 0)

    @staticmethod
    async def _retire_deliveries(
        conn: Conn,
        resource: str,
        watcher: str,
        floor: int,
        since_ts: float | None,
        pruned_batch: int,
        cutoff: float,
    ) -> None:
        """Move the floor over the leading run of events delivered before `cutoff` (or not for the
        watcher) and forget their `delivered` rows: answers up to the newest of them become final."""
        arg = _Args()
        sql = (
            f"SELECT COALESCE(MIN(e.seq) - 1, (SELECT MAX(seq) FROM paymo_mcp.events"
            f" WHERE resource = {arg(resource)}), {arg(floor)}::bigint)"
            f" FROM paymo_mcp.events e WHERE e.resource = {arg(resource)} AND e.seq > {arg(floor)}"
            " AND e.payload IS NOT NULL"
        )
        if since_ts is not None:
            sql += f" AND e.created_ts >= {arg(since_ts)}"
        sql += (
            " AND NOT EXISTS (SELECT 1 FROM paymo_mcp.delivered d WHERE d.resource = e.resource"
            f" AND d.watcher = {arg(watcher)} AND d.record_id = e.record_id AND d.at < {arg(cutoff)}"
            " OFFSET 0)"
        )
        new_floor = int(await conn.fetchval(sql, *arg.values))
        if new_floor <= floor:
            return
        newest = await conn.fetchval(
            "WITH gone AS (DELETE FROM paymo_mcp.delivered WHERE resource = $1 AND watcher = $2"
            " AND seq <= $3 RETURNING batch) SELECT MAX(batch) FROM gone",
            resource,
            watcher,
            new_floor,
        )
        await conn.execute(
            "UPDATE paymo_mcp.watchers SET floor_seq = $3, done_seq = GREATEST(done_seq, $3),"
            " pruned_batch = GREATEST(pruned_batch, $4) WHERE resource = $1 AND watcher = $2",
            resource,
            watcher,
            new_floor,
            max(pruned_batch, newest or 0),
        )

    # -- poll cursor ------------------------------------------------------------------------------

    async def high_water(self, resource: str) -> int | None:
        """The poller's cursor: the highest Paymo id it has stored for the resource, None before any poll."""

        async def query(conn: Conn) -> int | None:
            value = await conn.fetchval(
                "SELECT high_water FROM paymo_mcp.poll_cursors WHERE resource = $1", resource
            )
            return None if value is None else int(value)

        return await self._run(query)

    async def set_high_water(self, resource: str, record_id: int) -> None:
        """Move the poller's cursor forward (never back: two pollers may race)."""

        async def store(conn: Conn) -> None:
            await conn.execute(
                "INSERT INTO paymo_mcp.poll_cursors (resource, high_water) VALUES ($1, $2)"
                " ON CONFLICT (resource) DO UPDATE"
                " SET high_water = GREATEST(poll_cursors.high_water, excluded.high_water)",
                resource,
                record_id,
            )

        await self._run(store)

    # -- hooks ------------------------------------------------------------------------------------

    async def save_hook(self, hook: HookRecord) -> None:
        """Insert or replace a hook record (by hook id); a hook saved for a (resource, target URL)
        that another hook id held replaces that one: one hook per target for the whole deployment."""

        async def store(conn: Conn) -> None:
            await conn.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext($2 || ' ' || $3))",
                HOOK_LOCK,
                hook.resource,
                hook.target_url,
            )
            await conn.execute(
                "DELETE FROM paymo_mcp.hooks WHERE resource = $1 AND target_url = $2 AND hook_id <> $3",
                hook.resource,
                hook.target_url,
                hook.hook_id,
            )
            await conn.execute(
                "INSERT INTO paymo_mcp.hooks (hook_id, resource, event, target_url, secret, saved_at)"
                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (hook_id) DO UPDATE SET"
                " resource = excluded.resource, event = excluded.event, target_url = excluded.target_url,"
                " secret = excluded.secret, saved_at = excluded.saved_at",
                hook.hook_id,
                hook.resource,
                hook.event,
                hook.target_url,
                hook.secret.get_secret_value(),
                self.clock(),
            )

        await self._run(store)

    async def list_hooks(self, resource: str | None = None) -> list[HookRecord]:
        """All hook records, or those of one resource (newest first)."""

        async def query(conn: Conn) -> list[HookRecord]:
            rows = await conn.fetch(
                "SELECT resource, hook_id, event, target_url, secret FROM paymo_mcp.hooks"
                " WHERE $1::text IS NULL OR resource = $1 ORDER BY saved_at DESC, hook_id DESC",
                resource,
            )
            return [HookRecord(r, int(h), e, u, SecretStr(s)) for r, h, e, u, s in rows]

        return await self._run(query)

    async def get_hook_by_resource(self, resource: str, target_url: str) -> HookRecord | None:
        """The hook registered for this resource and target URL, if any."""

        async def query(conn: Conn) -> HookRecord | None:
            row = await conn.fetchrow(
                "SELECT hook_id, event, secret FROM paymo_mcp.hooks WHERE resource = $1 AND target_url = $2",
                resource,
                target_url,
            )
            if row is None:
                return None
            return HookRecord(resource, int(row[0]), row[1], target_url, SecretStr(row[2]))

        return await self._run(query)

    async def delete_hook(self, hook_id: int) -> bool:
        """Forget a hook record; whether it existed."""

        async def delete(conn: Conn) -> bool:
            status = await conn.execute("DELETE FROM paymo_mcp.hooks WHERE hook_id = $1", hook_id)
            return bool(status != "DELETE 0")

        return await self._run(delete)

    # -- deployment-wide locks ----------------------------------------------------------------------

    async def exclusive(self, key: str, fn: Callable[[], Awaitable[T]]) -> T:
        """Run `fn` while holding the lock named `key` for every replica on this database.

        A session-level advisory lock on a connection kept for the purpose: it does not hold a
        transaction open while `fn` talks to Paymo, and it is freed by PostgreSQL if this process dies
        (its connection ends). The store calls `fn` makes use other connections.
        """
        pool = await self._ready_pool()
        try:
            conn = await pool.acquire()
        except (*_DATABASE_ERRORS, ValueError) as exc:
            raise self._error(exc, connecting=True) from None
        locked = False
        try:
            try:
                await conn.execute("SELECT pg_advisory_lock($1, hashtext($2))", NAMED_LOCK, key)
            except _DATABASE_ERRORS as exc:
                raise self._error(exc) from None
            locked = True
            return await fn()
        finally:
            # Shielded: a cancelled holder still lets go (or drops the connection, which also does).
            with anyio.CancelScope(shield=True):
                unlocked = False
                if locked and not _closed(conn):
                    with suppress(*_DATABASE_ERRORS), anyio.move_on_after(5):
                        await conn.execute("SELECT pg_advisory_unlock($1, hashtext($2))", NAMED_LOCK, key)
                        unlocked = True
                if not unlocked and not _closed(conn):
                    conn.terminate()  # a lock of unknown state never goes back into the pool
                await pool.release(conn)

    # -- lifetime ---------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the pool (after the calls in flight); later calls raise."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            with anyio.move_on_after(10):
                await pool.close()
                return
            pool.terminate()
