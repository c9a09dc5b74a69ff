"""Time entries by the day they belong to in the user's time zone: a bulk entry's `date`, a timed one's
local start. Paymo's `time_interval` is asked for a day more on each side, then trimmed here."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from paymo_mcp.catalog.resources import TIME_ENTRIES
from paymo_mcp.client import Condition, PaymoClient, build_where
from paymo_mcp.client.paymo import MAX_PAGE_SIZE
from paymo_mcp.models.timezone import day_bounds

MAX_PAGES = 20  # 10,000 entries: the most one answer reads


def entry_day(entry: dict[str, Any], tz: tzinfo) -> date | None:
    """The user's day of an entry: `date` for a bulk entry, the local date of `start_time` otherwise."""
    start = entry.get("start_time")
    if entry.get("is_bulk") or not isinstance(start, str):
        day = entry.get("date")
        return date.fromisoformat(str(day)[:10]) if day else None
    moment = datetime.fromisoformat(start.replace("Z", "+00:00"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(tz).date()


def utc_now() -> str:
    """Now, as Paymo writes times."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def entries_between(
    client: PaymoClient, first: date, last: date, tz: tzinfo, conditions: list[Condition]
) -> tuple[list[dict[str, Any]], bool]:
    """The entries whose day (in `tz`) is in [first, last] and that meet `conditions`, page by page.

    Returns them and whether the bound (MAX_PAGES pages) stopped the reading early.
    """
    wide = day_bounds(first - timedelta(days=1), last + timedelta(days=1), tz)
    where = build_where([*conditions, Condition("time_interval", "in", wide)])
    found: list[dict[str, Any]] = []
    for page in range(MAX_PAGES):
        batch = await TIME_ENTRIES.on(client).page(
            params={"where": where}, page=page, page_size=MAX_PAGE_SIZE
        )
        found += batch
        if len(batch) < MAX_PAGE_SIZE:
            break
    else:
        return _within(found, first, last, tz), True
    return _within(found, first, last, tz), False


def _within(entries: list[dict[str, Any]], first: date, last: date, tz: tzinfo) -> list[dict[str, Any]]:
    inside = []
    for entry in entries:
        day = entry_day(entry, tz)
        if day is not None and first <= day <= last:
            inside.append(entry)
    return inside
