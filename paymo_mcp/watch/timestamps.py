"""Paymo datetimes ("2014-07-25T11:16:24Z", or with an offset) to aware UTC datetimes and Unix seconds."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_datetime(value: str | datetime) -> datetime:
    """An aware UTC datetime from an ISO 8601 string or datetime; naive values are taken as UTC."""
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not an ISO 8601 date-time: {value!r}") from None
    else:
        parsed = value
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def to_epoch(value: str | datetime) -> float:
    """Unix seconds of an ISO 8601 string or datetime (naive means UTC)."""
    return parse_datetime(value).timestamp()
