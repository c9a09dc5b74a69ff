"""A watch database written by the previous version (schema 1) opens and carries on where it was."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from paymo_mcp.watch import SqliteWatchStore
from tests.watch.watch_records import make_record

pytestmark = pytest.mark.anyio

VERSION_1 = """
CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, resource TEXT NOT NULL,
    record_id INTEGER NOT NULL, created_ts REAL NOT NULL, payload_json TEXT, received_at REAL NOT NULL,
    UNIQUE (resource, record_id));
CREATE TABLE watchers (resource TEXT NOT NULL, watcher TEXT NOT NULL, floor_seq INTEGER NOT NULL,
    since_ts REAL, created_at REAL NOT NULL, last_take_at REAL NOT NULL, PRIMARY KEY (resource, watcher));
CREATE TABLE delivered (resource TEXT NOT NULL, watcher TEXT NOT NULL, record_id INTEGER NOT NULL,
    seq INTEGER NOT NULL, PRIMARY KEY (resource, watcher, record_id)) WITHOUT ROWID;
CREATE TABLE cursors (resource TEXT PRIMARY KEY, high_water INTEGER NOT NULL);
CREATE TABLE hooks (hook_id INTEGER PRIMARY KEY, resource TEXT NOT NULL, event TEXT NOT NULL,
    target_url TEXT NOT NULL, secret TEXT NOT NULL, saved_at REAL NOT NULL);
PRAGMA user_version = 1;
"""


async def test_a_version_1_file_keeps_its_watchers_and_pending_records(tmp_path: Path) -> None:
    path = tmp_path / "watch.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(VERSION_1)
        for seq in (1, 2, 3):
            record = make_record(seq, seq)
            db.execute("INSERT INTO events VALUES (?, 'tasks', ?, 0, ?, 0)", (seq, seq, json.dumps(record)))
        # Watcher "w" took record 1 (below its floor) and record 3 (a gap above it); 2 waits.
        db.execute("INSERT INTO watchers VALUES ('tasks', 'w', 1, 0, 0, 0)")
        db.execute("INSERT INTO delivered VALUES ('tasks', 'w', 3, 3)")
    store = SqliteWatchStore(path)
    try:
        first = await store.take("tasks", "w", 10)
        assert [r["id"] for r in first.records] == [2] and not first.new_watcher
        await store.add_events("tasks", [make_record(4, 4)])
        assert [r["id"] for r in (await store.take("tasks", "w", 10, cursor=first.cursor)).records] == [4]
    finally:
        await store.aclose()
