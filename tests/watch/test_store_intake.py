"""The store refuses at intake what it could not hand back, and a bad value never breaks later takes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from paymo_mcp.watch import SqliteWatchStore, WatchStore
from paymo_mcp.watch.errors import UnstorableRecord, WatchInputError
from tests.watch.backends import StoreBackend
from tests.watch.receiver_client import Receiver
from tests.watch.watch_records import MakeRecord, make_record

pytestmark = pytest.mark.anyio


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    "record, says",
    [
        ({"id": 10**30}, "integer `id`"),
        ({"id": -1}, "integer `id`"),
        ({"id": 1, "budget_hours": float("nan")}, "NaN"),
        ({"id": 1, "budget_hours": float("inf")}, "NaN or Infinity"),
        ({"id": 1, "deep": nested(100)}, "nested more than"),
        ({"id": 1, "deep": nested(5000)}, "nested more than"),
    ],
)
async def test_a_record_the_store_could_not_serve_back_is_refused_and_nothing_is_stored(
    store: WatchStore, backend: StoreBackend, record: dict[str, Any], says: str
) -> None:
    with pytest.raises(UnstorableRecord, match=says):
        await store.add_events("tasks", [make_record(7), record])
    await store.take("tasks", "w", 0)  # the PostgreSQL schema is made at the first call
    assert await backend.count("events") == 0


async def test_an_old_payload_that_is_not_json_does_not_break_filtered_takes(
    sqlite_store: SqliteWatchStore, store_path: Path, rec: MakeRecord
) -> None:
    store = sqlite_store
    await store.take("tasks", "w", 0)
    await store.add_events("tasks", [rec(1, 1, project_id=5), rec(2, 2, project_id=5)])
    with sqlite3.connect(store_path) as db:  # what an older version stored for a NaN
        db.execute(
            "UPDATE payloads SET json = ? WHERE seq = (SELECT seq FROM events WHERE record_id = 1)",
            ('{"id":1,"x":NaN}',),
        )
    got = await store.take("tasks", "w", 10, filters={"project_id": 5})
    assert [r["id"] for r in got.records] == [2]


@pytest.mark.parametrize("value", [2**63, 10**30, -(2**63) - 1])
async def test_a_filter_id_beyond_sqlite_integers_is_one_clear_line(store: WatchStore, value: int) -> None:
    with pytest.raises(WatchInputError, match=r"project_id: .* out of range"):
        await store.take("tasks", "w", 10, filters={"project_id": value})


@pytest.mark.parametrize(
    "body, status",
    [
        (b'{"id": 1000000000000000000000000000000, "name": "x"}', 400),
        (b'{"id": 1, "deep": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5001, 400),
        (b'{"id": 1, "deep": ' + b"[" * 100 + b"]" * 100 + b"}", 422),
        (b'{"id": 1, "budget_hours": NaN}', 400),
    ],
)
async def test_a_signed_delivery_the_store_cannot_keep_gets_a_clear_4xx(
    receiver: Receiver, body: bytes, status: int
) -> None:
    response = await receiver.deliver(None, body=body)
    assert response.status_code == status
    assert json.loads(response.text)["message"]
    assert (await receiver.store.take("tasks", "w", 10)).records == []
