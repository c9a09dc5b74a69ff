"""Records shaped like Paymo's, stamped relative to the start of the current test (never at import).

The store leaves out records created well before a new watcher started, so a base taken at import
would go stale on a slow run; `begin_test()` (an autouse fixture) takes the clock at each test start.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

Record = dict[str, Any]
MakeRecord = Callable[..., Record]

_base: datetime | None = None


def begin_test() -> datetime:
    """Records "created" a little after now, so a watcher started "from now" wants them."""
    global _base
    _base = datetime.fromtimestamp(time.time(), UTC).replace(microsecond=0) + timedelta(seconds=5)
    return _base


def stamp(offset_s: float = 0) -> str:
    """A Paymo created_on `offset_s` seconds after this test's base."""
    base = _base if _base is not None else begin_test()
    return (base + timedelta(seconds=offset_s)).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_record(record_id: int, offset_s: float = 0, **fields: Any) -> Record:
    """A task-like record as Paymo sends it."""
    return {"id": record_id, "name": f"task {record_id}", "created_on": stamp(offset_s), **fields}
