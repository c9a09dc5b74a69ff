"""The Paymo user's time zone: a date-time without an offset means that zone's local time, not UTC."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

logger = logging.getLogger(__name__)

# Set by the tool layer around argument parsing (see toolkit.user_timezone); UTC until it is known.
USER_TZ: ContextVar[tzinfo] = ContextVar("paymo_user_timezone", default=UTC)


def zone(name: object) -> tzinfo:
    """The zone a Paymo `timezone` names (tz database, e.g. 'US/Eastern'); UTC when unset or unknown."""
    if not isinstance(name, str) or not name.strip():
        return UTC
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning("unknown Paymo time zone %r: times without an offset are read as UTC", name)
        return UTC


def localize(value: datetime) -> datetime:
    """An aware date-time: one without an offset is read in the user's zone."""
    return value if value.tzinfo else value.replace(tzinfo=USER_TZ.get())


def today(tz: tzinfo) -> date:
    """Today's date where the user is, not where the server runs."""
    return datetime.now(tz).date()


def day_bounds(first: date, last: date, tz: tzinfo) -> list[str]:
    """[start of `first`, start of the day after `last`) in `tz`, as UTC ISO strings for Paymo."""

    def utc(day: date) -> str:
        moment = datetime.combine(day, time(0), tz).astimezone(UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    return [utc(first), utc(last + timedelta(days=1))]
