"""Records shaped like Paymo's, stamped just after the test session starts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

Record = dict[str, Any]
MakeRecord = Callable[..., Record]

# Records "created" a little after the tests start, so a watcher started "from now" wants them.
BASE = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=5)


def stamp(offset_s: float = 0) -> str:
    """A Paymo created_on `offset_s` seconds after BASE."""
    return (BASE + timedelta(seconds=offset_s)).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_record(record_id: int, offset_s: float = 0, **fields: Any) -> Record:
    """A task-like record as Paymo sends it."""
    return {"id": record_id, "name": f"task {record_id}", "created_on": stamp(offset_s), **fields}
