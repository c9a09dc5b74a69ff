"""Where multi-user mode keeps its OAuth state: clients, sign-in requests, codes, tokens and grants.

One table, `oauth_records (kind, key, grant_id, data, expires_at)`:
- `key` is the SHA-256 of the secret for codes and tokens (a stolen database gives no usable token),
  or the client id / request id for the others;
- `data` is the record's JSON encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived
  from PAYMO_MCP_SECRET, so the Paymo API keys a grant holds are never stored in the clear;
- `grant_id` ties a person's codes and tokens to their grant, so revoking one revokes them all.

Two backends with the same methods: SQLite (`oauth.sqlite3` in the state dir, one process) and
PostgreSQL (the shared PAYMO_DATABASE_URL, for replicas). `take` reads and deletes in one
transaction: what makes a code or refresh token usable once, even across replicas.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol

import anyio.to_thread
from cryptography.fernet import Fernet, InvalidToken

STORE_FILE = "oauth.sqlite3"

_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS oauth_records (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    grant_id TEXT,
    data BLOB NOT NULL,
    expires_at REAL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS oauth_records_by_grant ON oauth_records (grant_id);
"""

_PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS paymo_oauth_records (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    grant_id TEXT,
    data BYTEA NOT NULL,
    expires_at DOUBLE PRECISION,
    PRIMARY KEY (kind, key)
);
CREATE INDEX IF NOT EXISTS paymo_oauth_records_by_grant ON paymo_oauth_records (grant_id);
"""


def fernet_for(secret: str) -> Fernet:
    """The Fernet of PAYMO_MCP_SECRET: the secret itself when it is a Fernet key, else a key derived
    from it with SHA-256 (give a long random secret, e.g. `secrets.token_urlsafe(32)`)."""
    try:
        return Fernet(secret.encode())
    except ValueError:
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))


def hashed(secret: str) -> str:
    """The lookup key of a code or token: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


class OAuthStore(Protocol):
    async def put(
        self, kind: str, key: str, data: dict[str, Any], expires_at: float | None, grant_id: str | None = None
    ) -> None: ...
    async def get(self, kind: str, key: str) -> dict[str, Any] | None: ...
    async def take(self, kind: str, key: str) -> dict[str, Any] | None: ...
    async def delete(self, kind: str, key: str) -> bool: ...
    async def delete_grant(self, grant_id: str) -> int: ...
    async def every(self, kind: str) -> list[tuple[str, dict[str, Any]]]: ...
    async def purge_expired(self) -> int: ...
    async def aclose(self) -> None: ...


class _Codec:
    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("PAYMO_MCP_SECRET is not set: multi-user mode encrypts what it stores with it")
        self._fernet = fernet_for(secret)

    def seal(self, data: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(json.dumps(data).encode())

    def open(self, blob: bytes) -> dict[str, Any] | None:
        try:
            value: dict[str, Any] = json.loads(self._fernet.decrypt(bytes(blob)))
        except InvalidToken:
            return None  # sealed under another secret: as good as absent
        return value


def _live(expires_at: float | None) -> bool:
    return expires_at is None or expires_at > time.time()


class SqliteOAuthStore(_Codec):
    """The OAuth records in a SQLite file (one process: the embedded default)."""

    def __init__(self, path: str | Path, secret: str) -> None:
        super().__init__(secret)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SQLITE_SCHEMA)
        self._lock = threading.Lock()

    async def _run(self, fn: Any) -> Any:
        def locked() -> Any:
            with self._lock:
                return fn(self._conn)

        return await anyio.to_thread.run_sync(locked)

    async def put(
        self, kind: str, key: str, data: dict[str, Any], expires_at: float | None, grant_id: str | None = None
    ) -> None:
        blob = self.seal(data)
        await self._run(
            lambda c: c.execute(
                "INSERT OR REPLACE INTO oauth_records VALUES (?, ?, ?, ?, ?)",
                (kind, key, grant_id, blob, expires_at),
            )
        )

    async def get(self, kind: str, key: str) -> dict[str, Any] | None:
        row = await self._run(
            lambda c: c.execute(
                "SELECT data, expires_at FROM oauth_records WHERE kind = ? AND key = ?", (kind, key)
            ).fetchone()
        )
        return self.open(row[0]) if row and _live(row[1]) else None

    async def take(self, kind: str, key: str) -> dict[str, Any] | None:
        def take(c: sqlite3.Connection) -> Any:
            c.execute("BEGIN IMMEDIATE")
            try:
                row = c.execute(
                    "SELECT data, expires_at FROM oauth_records WHERE kind = ? AND key = ?", (kind, key)
                ).fetchone()
                c.execute("DELETE FROM oauth_records WHERE kind = ? AND key = ?", (kind, key))
            finally:
                c.execute("COMMIT")
            return row

        row = await self._run(take)
        return self.open(row[0]) if row and _live(row[1]) else None

    async def delete(self, kind: str, key: str) -> bool:
        cur = await self._run(
            lambda c: c.execute("DELETE FROM oauth_records WHERE kind = ? AND key = ?", (kind, key))
        )
        return bool(cur.rowcount)

    async def delete_grant(self, grant_id: str) -> int:
        cur = await self._run(
            lambda c: c.execute("DELETE FROM oauth_records WHERE grant_id = ?", (grant_id,))
        )
        return int(cur.rowcount)

    async def every(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        """Every live record of a kind, opened, with its key (for sweeps and the operator's commands)."""
        query = "SELECT key, data, expires_at FROM oauth_records WHERE kind = ?"
        rows = await self._run(lambda c: c.execute(query, (kind,)).fetchall())
        opened = ((key, self.open(blob)) for key, blob, expires in rows if _live(expires))
        return [(key, data) for key, data in opened if data is not None]

    async def purge_expired(self) -> int:
        """Delete the expired records (they already read as absent); returns how many."""
        now = time.time()
        cur = await self._run(lambda c: c.execute("DELETE FROM oauth_records WHERE expires_at < ?", (now,)))
        return int(cur.rowcount)

    async def aclose(self) -> None:
        self._conn.close()


class PostgresOAuthStore(_Codec):
    """The OAuth records in the shared PostgreSQL database (replicas see the same tokens)."""

    def __init__(self, url: str, secret: str) -> None:
        super().__init__(secret)
        self._url = url
        self._pool: Any = None
        self._opening = threading.Lock()

    async def _ready(self) -> Any:
        if self._pool is None:
            import asyncpg

            pool = await asyncpg.create_pool(self._url, min_size=0, max_size=4)
            async with pool.acquire() as conn:
                await conn.execute("SELECT pg_advisory_lock(7243917)")
                try:
                    await conn.execute(_PG_SCHEMA)
                finally:
                    await conn.execute("SELECT pg_advisory_unlock(7243917)")
            if self._pool is None:
                self._pool = pool
            else:
                await pool.close()
        return self._pool

    async def put(
        self, kind: str, key: str, data: dict[str, Any], expires_at: float | None, grant_id: str | None = None
    ) -> None:
        pool = await self._ready()
        await pool.execute(
            "INSERT INTO paymo_oauth_records VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, key) DO UPDATE "
            "SET grant_id = EXCLUDED.grant_id, data = EXCLUDED.data, expires_at = EXCLUDED.expires_at",
            kind,
            key,
            grant_id,
            self.seal(data),
            expires_at,
        )

    async def get(self, kind: str, key: str) -> dict[str, Any] | None:
        pool = await self._ready()
        row = await pool.fetchrow(
            "SELECT data, expires_at FROM paymo_oauth_records WHERE kind = $1 AND key = $2", kind, key
        )
        return self.open(row["data"]) if row and _live(row["expires_at"]) else None

    async def take(self, kind: str, key: str) -> dict[str, Any] | None:
        pool = await self._ready()
        row = await pool.fetchrow(
            "DELETE FROM paymo_oauth_records WHERE kind = $1 AND key = $2 RETURNING data, expires_at",
            kind,
            key,
        )
        return self.open(row["data"]) if row and _live(row["expires_at"]) else None

    async def delete(self, kind: str, key: str) -> bool:
        pool = await self._ready()
        status = await pool.execute("DELETE FROM paymo_oauth_records WHERE kind = $1 AND key = $2", kind, key)
        return bool(status != "DELETE 0")

    async def delete_grant(self, grant_id: str) -> int:
        pool = await self._ready()
        status = await pool.execute("DELETE FROM paymo_oauth_records WHERE grant_id = $1", grant_id)
        return int(str(status).rsplit(" ", 1)[-1])

    async def every(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        """Every live record of a kind, opened, with its key (for sweeps and the operator's commands)."""
        pool = await self._ready()
        rows = await pool.fetch("SELECT key, data, expires_at FROM paymo_oauth_records WHERE kind = $1", kind)
        opened = ((r["key"], self.open(r["data"])) for r in rows if _live(r["expires_at"]))
        return [(key, data) for key, data in opened if data is not None]

    async def purge_expired(self) -> int:
        """Delete the expired records (they already read as absent); returns how many."""
        pool = await self._ready()
        status = await pool.execute("DELETE FROM paymo_oauth_records WHERE expires_at < $1", time.time())
        return int(str(status).rsplit(" ", 1)[-1])

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


def open_oauth_store(state_dir: str | Path, database_url: str | None, secret: str) -> OAuthStore:
    """PostgreSQL when PAYMO_DATABASE_URL is set (replicas share sign-ins), else SQLite in the state dir."""
    from paymo_mcp.watch.store import is_postgres_url

    if database_url and is_postgres_url(database_url):
        return PostgresOAuthStore(database_url.strip(), secret)
    return SqliteOAuthStore(Path(state_dir) / STORE_FILE, secret)


async def signed_in_keys(state_dir: str | Path, database_url: str | None, secret: str) -> dict[int, str]:
    """Each signed-in person's Paymo key (from their newest grant), by Paymo user id: what
    `paymo-mcp hooks` needs to list and remove the hooks people's watches registered."""
    store = open_oauth_store(state_dir, database_url, secret)
    try:
        grants = [grant for _, grant in await store.every("grant")]
        grants.sort(key=lambda grant: float(grant.get("created") or 0))
    finally:
        await store.aclose()
    return {int(g["user_id"]): str(g["api_key"]) for g in grants}
