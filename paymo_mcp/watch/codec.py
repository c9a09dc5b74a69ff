"""What every watch store does the same way: a record's stored JSON, its creation time, the cursor
format and the checks on filters, so that SQLite and PostgreSQL refuse and accept the same things."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from paymo_mcp.watch.errors import UnstorableRecord, WatchInputError
from paymo_mcp.watch.records import record_id_of
from paymo_mcp.watch.timestamps import to_epoch

# A watcher that starts "from now" still takes records Paymo stamped up to this long before now:
# Paymo's clock and ours may differ, and a skipped record is worse than an early one.
START_GRACE_S = 300.0
# A payload nested deeper than this is refused at intake: SQLite's JSON functions stop at 1000
# levels, and no Paymo record comes close.
MAX_DEPTH = 64

FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
INT64 = range(-(2**63), 2**63)
# A text filter value of this shape also matches the number (Paymo sends ids as 5 or as "5").
NUMERIC_TEXT = re.compile(r"-?\d{1,18}")


def created_ts(record: Mapping[str, Any], fallback: float) -> float:
    """`created_on` in Unix seconds, else the arrival time (a record is never dropped for its date)."""
    value = record.get("created_on")
    if isinstance(value, str | datetime):
        try:
            return to_epoch(value)
        except (ValueError, OverflowError):
            return fallback
    return fallback


def depth_exceeds(value: Any, limit: int) -> bool:
    """Whether JSON-like `value` nests deeper than `limit` (iterative: no recursion to run out of)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            stack += [(child, depth + 1) for child in (node.values() if isinstance(node, dict) else node)]
    return False


def payload_json(record: Mapping[str, Any]) -> str:
    """The JSON the store keeps for a record; UnstorableRecord when it could not be served back intact."""
    try:
        record_id = record_id_of(record)
    except ValueError as exc:
        raise UnstorableRecord(str(exc)) from None
    if depth_exceeds(record, MAX_DEPTH):
        raise UnstorableRecord(f"record {record_id} is nested more than {MAX_DEPTH} levels deep")
    try:
        return json.dumps(record, separators=(",", ":"), allow_nan=False)
    except ValueError:
        raise UnstorableRecord(f"record {record_id} holds NaN or Infinity, which JSON cannot carry") from None
    except (TypeError, OverflowError) as exc:
        raise UnstorableRecord(f"record {record_id} is not plain JSON ({exc})") from None


def event_row(record: Mapping[str, Any], now: float) -> tuple[int, float, str, float]:
    """(record id, created, payload, received) for the events table; UnstorableRecord if it cannot be."""
    payload = payload_json(record)
    return record_id_of(record), created_ts(record, now), payload, now


def check_filters(filters: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    """The (field, value) equalities of a take; WatchInputError, naming the filter, for one no store
    can apply: a field that is not a plain name, a value that is not a single scalar, an int beyond
    64 bits."""
    checked: list[tuple[str, Any]] = []
    for name, value in (filters or {}).items():
        if not FIELD_NAME.match(name):
            raise WatchInputError(f"filter field {name!r} is not a plain field name")
        if isinstance(value, int) and not isinstance(value, bool) and value not in INT64:
            raise WatchInputError(f"{name}: {value} is out of range (no Paymo id is that large)")
        if value is not None and not isinstance(value, str | int | float):
            raise WatchInputError(f"filter {name!r} must be a single string, number, boolean or null")
        checked.append((name, value))
    return checked


def parse_cursor(cursor: str) -> tuple[str, int]:
    """(token, batch) of a cursor `<token>.<batch>`; WatchInputError for anything else."""
    token, _, number = cursor.partition(".")
    if not token or not number.isdigit() or len(number) > 18:
        raise WatchInputError("cursor: not a cursor this tool gave out; pass one back unchanged")
    return token, int(number)


def resumable_batch(watcher: str, token: str, batch: int, pruned_batch: int, resume: tuple[str, int]) -> int:
    """The batch a cursor resumes after, when it is this watcher's and still within retention;
    WatchInputError otherwise. `token`/`batch`: the watcher's now; `resume`: the cursor's."""
    their_token, after = resume
    if their_token != token or after > batch:
        raise WatchInputError(
            f"cursor: not from an answer to watcher {watcher!r} on this resource (or that watcher "
            "expired); pass the cursor of its last answer, or call without cursor"
        )
    if after < pruned_batch:
        raise WatchInputError("cursor: that answer is older than the retention (7 days); call without cursor")
    return after
