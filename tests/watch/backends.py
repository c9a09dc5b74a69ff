"""The watch store behind the contract tests: SQLite in a temporary state directory, or PostgreSQL in
a new database of the session's throwaway cluster. Tests open stores through a backend so that
"another process" or "after a restart" means a second instance over the same data on either."""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import asyncpg

from paymo_mcp.watch import SqliteWatchStore, WatchStore
from paymo_mcp.watch.postgres_store import PostgresWatchStore
from tests.postgres import PostgresCluster

# What the tests count, per backend: payloads still kept, bookkeeping rows, events (pruned or not).
SQLITE_COUNTS = {
    "payloads": "SELECT COUNT(*) FROM payloads",
    "delivered": "SELECT COUNT(*) FROM delivered",
    "events": "SELECT COUNT(*) FROM events",
}
POSTGRES_COUNTS = {
    "payloads": "SELECT COUNT(*) FROM paymo_mcp.events WHERE payload IS NOT NULL",
    "delivered": "SELECT COUNT(*) FROM paymo_mcp.delivered",
    "events": "SELECT COUNT(*) FROM paymo_mcp.events",
}


class StoreBackend(ABC):
    """Opens store instances over one set of data, and closes them all at the end."""

    name = ""

    def __init__(self) -> None:
        self.opened: list[WatchStore] = []

    @abstractmethod
    def make(self, **options: Any) -> WatchStore:
        """A new store instance over this backend's data."""

    def open(self, **options: Any) -> WatchStore:
        """Another store instance over the same data (options: clock, ...)."""
        store = self.make(**options)
        self.opened.append(store)
        return store

    @abstractmethod
    async def count(self, what: str) -> int:
        """How many rows of `what` (payloads, delivered, events) the data holds."""

    async def close(self) -> None:
        for store in self.opened:
            await store.aclose()


class SqliteBackend(StoreBackend):
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def make(self, **options: Any) -> WatchStore:
        return SqliteWatchStore(self.path, **options)

    async def count(self, what: str) -> int:
        with sqlite3.connect(self.path) as db:
            return int(db.execute(SQLITE_COUNTS[what]).fetchone()[0])


class PostgresBackend(StoreBackend):
    """One database for the session's contract tests, emptied before each (CREATE DATABASE per test
    costs a quarter second on a busy machine; emptying the store's tables, a few milliseconds)."""

    name = "postgres"
    shared: dict[int, str] = {}  # cluster port -> the contract tests' database

    def __init__(self, cluster: PostgresCluster, dbname: str) -> None:
        super().__init__()
        self.cluster = cluster
        self.dbname = dbname
        self.url = cluster.url(dbname)

    @classmethod
    async def create(cls, cluster: PostgresCluster) -> PostgresBackend:
        dbname = cls.shared.get(cluster.port)
        if dbname is None:
            dbname = cls.shared[cluster.port] = await cluster.create_database()
            first = PostgresWatchStore(cluster.url(dbname))
            await first.open()  # the schema, made by the store itself
            await first.aclose()
        backend = cls(cluster, dbname)
        await backend.empty()
        return backend

    async def empty(self) -> None:
        """Every table of the store emptied, its schema version kept."""
        conn = await asyncpg.connect(self.url)
        try:
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'paymo_mcp'"
                " AND tablename <> 'schema_migrations'"
            )
            names = ", ".join(f'paymo_mcp."{t[0]}"' for t in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY")
        finally:
            await conn.close()

    def make(self, **options: Any) -> WatchStore:
        return PostgresWatchStore(self.url, **options)

    async def count(self, what: str) -> int:
        return int(await self.fetchval(POSTGRES_COUNTS[what]))

    async def fetchval(self, sql: str, *args: Any) -> Any:
        conn = await asyncpg.connect(self.url)
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()
