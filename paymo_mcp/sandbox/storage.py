"""SQLite storage: one table per resource, one typed column per field, indexes on every `*_id`."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from paymo_mcp.sandbox.schema import Record, Resource
from paymo_mcp.sandbox.values import from_sql, to_sql


def q(name: str) -> str:
    """A quoted SQL identifier (fields such as `where` and `date` are SQL words)."""
    return '"' + name.replace('"', '""') + '"'


class Storage:
    """A SQLite database (in memory, or a file) shared by the server thread and the test thread."""

    def __init__(self, path: str | None, resources: Mapping[str, Resource]) -> None:
        self.resources = resources
        self.lock = threading.RLock()
        self._depth = 0
        self.conn = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA synchronous=OFF")
        # SQLite's LIKE folds ASCII only; Paymo's MySQL collation folds every letter (Ü like ü).
        self.conn.create_function(
            "fold", 1, lambda v: v.casefold() if isinstance(v, str) else v, deterministic=True
        )
        if path:
            self.conn.execute("PRAGMA journal_mode=WAL")

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    # -- schema ----------------------------------------------------------------------------------

    def ensure_schema(self) -> bool:
        """Create missing tables and columns; True when the database was empty (needs seeding)."""
        with self.lock:
            existing = {
                row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            empty = "_kv" not in existing
            self.conn.execute("CREATE TABLE IF NOT EXISTS _kv (key TEXT PRIMARY KEY, value TEXT)")
            for res in self.resources.values():
                if res.name not in existing:
                    cols = ", ".join(
                        f"{q(f.name)} {f.kind.sql_type}"
                        + (" PRIMARY KEY AUTOINCREMENT" if f.name == "id" else "")
                        for f in res.fields
                    )
                    self.conn.execute(f"CREATE TABLE {q(res.name)} ({cols})")
                else:
                    have = {row[1] for row in self.conn.execute(f"PRAGMA table_info({q(res.name)})")}
                    for f in res.fields:
                        if f.name not in have:
                            self.conn.execute(
                                f"ALTER TABLE {q(res.name)} ADD COLUMN {q(f.name)} {f.kind.sql_type}"
                            )
                for f in res.fields:
                    if f.index:
                        index = q(f"ix_{res.name}_{f.name}")
                        self.conn.execute(
                            f"CREATE INDEX IF NOT EXISTS {index} ON {q(res.name)} ({q(f.name)})"
                        )
            return empty

    def drop_all(self) -> None:
        with self.lock:
            tables = [
                row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            for name in tables:
                if not name.startswith("sqlite_"):
                    self.conn.execute(f"DROP TABLE {q(name)}")
            if "sqlite_sequence" in tables:
                self.conn.execute("DELETE FROM sqlite_sequence")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: nested uses join the outer transaction."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN")
            self._depth = 1
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._depth = 0

    # -- rows ------------------------------------------------------------------------------------

    def _encode(self, res: Resource, values: Mapping[str, Any]) -> tuple[list[str], list[Any]]:
        names = [n for n in values if n in res.by_name]
        return names, [to_sql(res.by_name[n].kind, values[n]) for n in names]

    def insert(self, resource: str, values: Mapping[str, Any]) -> int:
        res = self.resources[resource]
        names, params = self._encode(res, values)
        sql = f"INSERT INTO {q(resource)} ({', '.join(map(q, names))}) VALUES ({', '.join('?' * len(names))})"
        with self.lock:
            cursor = self.conn.execute(sql, params)
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def insert_many(self, resource: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert rows sharing one set of keys; returns their ids in order."""
        if not rows:
            return []
        res = self.resources[resource]
        names = [n for n in rows[0] if n in res.by_name]
        kinds = [res.by_name[n].kind for n in names]
        data = [[to_sql(k, row.get(n)) for n, k in zip(names, kinds, strict=True)] for row in rows]
        sql = f"INSERT INTO {q(resource)} ({', '.join(map(q, names))}) VALUES ({', '.join('?' * len(names))})"
        with self.transaction():
            before = self.conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {q(resource)}").fetchone()[0]
            self.conn.executemany(sql, data)
            ids = [
                r[0]
                for r in self.conn.execute(f"SELECT id FROM {q(resource)} WHERE id > ? ORDER BY id", [before])
            ]
        return ids

    def update(self, resource: str, record_id: int, values: Mapping[str, Any]) -> None:
        res = self.resources[resource]
        names, params = self._encode(res, values)
        if not names:
            return
        sets = ", ".join(f"{q(n)} = ?" for n in names)
        with self.lock:
            self.conn.execute(f"UPDATE {q(resource)} SET {sets} WHERE id = ?", [*params, record_id])

    def delete(self, resource: str, ids: Iterable[int]) -> None:
        ids = list(ids)
        with self.lock:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                self.conn.execute(
                    f"DELETE FROM {q(resource)} WHERE id IN ({', '.join('?' * len(chunk))})", chunk
                )

    def select(
        self,
        resource: str,
        where: str = "",
        params: Sequence[Any] = (),
        order: str = "t.id",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Record]:
        """Records of `resource` (table alias `t`) matching the SQL `where`, decoded to Python values."""
        res = self.resources[resource]
        sql = f"SELECT * FROM {q(resource)} AS t"
        if where:
            sql += f" WHERE {where}"
        sql += f" ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        with self.lock:
            cursor = self.conn.execute(sql, list(params))
            names = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
        kinds = [res.by_name[n].kind for n in names]
        return [{n: from_sql(k, v) for n, k, v in zip(names, kinds, row, strict=True)} for row in rows]

    def get(self, resource: str, record_id: int) -> Record | None:
        found = self.select(resource, "t.id = ?", [record_id])
        return found[0] if found else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.lock:
            row = self.conn.execute(sql, list(params)).fetchone()
        return row[0] if row else None

    # -- settings (the company object, counters) -------------------------------------------------

    def kv_get(self, key: str) -> Any:
        raw = self.scalar("SELECT value FROM _kv WHERE key = ?", [key])
        return None if raw is None else json.loads(raw)

    def kv_set(self, key: str, value: Any) -> None:
        with self.lock:
            self.conn.execute(
                "INSERT INTO _kv (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, json.dumps(value)],
            )
