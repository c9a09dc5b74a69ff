"""The OAuth store: sealed at rest, single-use takes, grant-wide revocation, expiry, listing and purging;
SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import anyio
import pytest

from paymo_mcp.auth.store import STORE_FILE, PostgresOAuthStore, SqliteOAuthStore, hashed
from tests.postgres import PostgresCluster

SECRET = "test-secret-for-the-oauth-store"
KEY = "paymo-key-that-must-not-be-stored-in-clear"


async def _contract(store: object) -> None:
    s: SqliteOAuthStore = store  # type: ignore[assignment]
    await s.put("grant", "g1", {"api_key": KEY, "user_id": 2}, None, grant_id="g1")
    await s.put("access", hashed("tok-a"), {"grant_id": "g1"}, time.time() + 60, grant_id="g1")
    await s.put("refresh", hashed("tok-r"), {"grant_id": "g1"}, time.time() + 60, grant_id="g1")
    await s.put("access", hashed("tok-old"), {"grant_id": "g1"}, time.time() - 1, grant_id="g1")
    assert await s.get("grant", "g1") == {"api_key": KEY, "user_id": 2}
    assert await s.get("access", hashed("tok-a")) == {"grant_id": "g1"}
    assert await s.get("access", hashed("tok-old")) is None  # expired
    assert await s.get("access", "tok-a") is None  # looked up by hash only
    # a code or refresh token is taken once, even by concurrent takers
    await s.put("code", hashed("c1"), {"x": 1}, time.time() + 60)
    results: list[object] = []

    async def take() -> None:
        results.append(await s.take("code", hashed("c1")))

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(take)
    assert results.count({"x": 1}) == 1 and results.count(None) == 4
    # every live record of a kind, opened, with its key; the purge deletes only the expired
    assert await s.every("access") == [(hashed("tok-a"), {"grant_id": "g1"})]
    assert await s.every("grant") == [("g1", {"api_key": KEY, "user_id": 2})]
    assert await s.purge_expired() == 1  # tok-old (the taken code is deleted already)
    assert await s.purge_expired() == 0
    assert await s.delete_grant("g1") == 3
    assert await s.get("refresh", hashed("tok-r")) is None
    assert await s.get("grant", "g1") is None


def test_sqlite_store_seals_keys_and_takes_once(tmp_path: Path) -> None:
    async def main() -> None:
        store = SqliteOAuthStore(tmp_path / STORE_FILE, SECRET)
        await _contract(store)
        await store.put("grant", "g2", {"api_key": KEY}, None, grant_id="g2")
        await store.aclose()
        raw = (tmp_path / STORE_FILE).read_bytes()
        assert KEY.encode() not in raw
        rows = sqlite3.connect(tmp_path / STORE_FILE).execute("SELECT data FROM oauth_records").fetchall()
        assert rows and all(KEY.encode() not in bytes(r[0]) for r in rows)
        # another secret cannot read it; the same secret after a restart can
        assert await SqliteOAuthStore(tmp_path / STORE_FILE, "another").get("grant", "g2") is None
        assert await SqliteOAuthStore(tmp_path / STORE_FILE, SECRET).get("grant", "g2") == {"api_key": KEY}

    anyio.run(main)


def test_store_refuses_to_run_without_a_secret(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="PAYMO_MCP_SECRET"):
        SqliteOAuthStore(tmp_path / STORE_FILE, "")


def test_postgres_store_seals_keys_and_takes_once(postgres_cluster: PostgresCluster) -> None:
    async def main() -> None:
        database = await postgres_cluster.create_database()
        url = postgres_cluster.url(database)
        store = PostgresOAuthStore(url, SECRET)
        await _contract(store)
        await store.put("grant", "g3", {"api_key": KEY}, None, grant_id="g3")
        await store.aclose()
        import asyncpg

        conn = await asyncpg.connect(url)
        rows = await conn.fetch("SELECT data FROM paymo_oauth_records")
        await conn.close()
        assert rows and all(KEY.encode() not in bytes(r["data"]) for r in rows)
        again = PostgresOAuthStore(url, SECRET)
        assert await again.get("grant", "g3") == {"api_key": KEY}
        await again.aclose()

    anyio.run(main)
