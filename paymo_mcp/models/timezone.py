"""The Paymo user's time zone: a date-time without an offset means that zone's local time, not UTC;
`today`, `yesterday`, `tomorrow` and `now` are read there, when the call is made."""

from __future__ import annotations

import logging
import re
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


# Day words a date argument accepts, as offsets from the user's today.
DAY_WORDS = {"yesterday": -1, "today": 0, "tomorrow": 1}
DATE_FORMAT = "use YYYY-MM-DD or today/yesterday/tomorrow"
DATETIME_FORMAT = "use ISO 8601 (2026-05-01T09:00, offset optional), a day (YYYY-MM-DD, today...) or now"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_day_word(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() in DAY_WORDS


def parse_day(value: object) -> date:
    """A date from `YYYY-MM-DD` or a day word (the user's today, read now); ValueError naming the format."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in DAY_WORDS:
            return today(USER_TZ.get()) + timedelta(days=DAY_WORDS[text])
        if _DAY.fullmatch(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise ValueError(f"no such day; {DATE_FORMAT}") from None
    raise ValueError(DATE_FORMAT)


def parse_moment(value: object) -> datetime:
    """An aware date-time from ISO 8601 (no offset: the user's zone), a date or day word (its midnight
    there) or `now` (the moment of the call, to the second); ValueError naming the formats."""
    if isinstance(value, datetime):
        return localize(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lower() == "now":
            return datetime.now(UTC).replace(microsecond=0)
        if is_day_word(text) or _DAY.fullmatch(text):
            return datetime.combine(parse_day(text), time(0), USER_TZ.get())
        try:
            return localize(datetime.fromisoformat(text))
        except ValueError:
            pass
    raise ValueError(DATETIME_FORMAT)


def needs_zone_to_read(value: object, *, moment: bool) -> bool:
    """Whether reading this date (`moment=False`) or date-time argument depends on the user's zone."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if is_day_word(text):
        return True
    # Only a readable date-time without an offset: garbage is refused without asking Paymo anything.
    dated = _DAY.match(text) is not None
    return moment and dated and not re.search(r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$", text[10:])
