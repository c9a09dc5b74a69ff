"""Field kinds and their conversions: request value -> stored value -> SQLite column -> JSON output."""

from __future__ import annotations

import enum
import json
import re
from datetime import UTC, date, datetime
from typing import Any

from paymo_mcp.sandbox.errors import bad_request
from paymo_mcp.sandbox.uploads import Upload

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT = re.compile(r"^-?\d+$")


class Kind(enum.Enum):
    """How a field is validated, stored and compared."""

    INT = "int"
    DECIMAL = "decimal"
    TEXT = "text"
    BOOL = "bool"
    DATE = "date"  # YYYY-MM-DD
    DATETIME = "datetime"  # stored as YYYY-MM-DDTHH:MM:SSZ so text order is time order
    IDS = "ids"  # a list of integer ids (users, managers)
    JSON = "json"  # any JSON value, opaque

    @property
    def sql_type(self) -> str:
        return {Kind.INT: "INTEGER", Kind.BOOL: "INTEGER", Kind.DECIMAL: "REAL"}.get(self, "TEXT")


def iso(moment: datetime) -> str:
    """A datetime as Paymo writes it: UTC, whole seconds, `Z`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601 (Z, offset or naive = UTC), a date (midnight UTC) or a Unix timestamp; None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if _INT.match(text):
        return parse_datetime(int(text))
    if _DATE.match(text):
        text += "T00:00:00Z"
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_date(value: Any) -> str | None:
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        return None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "false", "0"):
        return value.strip().lower() in ("true", "1")
    return None


def _as_number(value: Any, integral: bool) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if integral:
            return int(value) if value.is_integer() else None
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            return None
        if integral:
            return int(number) if number.is_integer() else None
        return int(number) if _INT.match(text) else number
    return None


def coerce(kind: Kind, name: str, value: Any) -> Any:
    """Validate one request value for a field; raise 400 naming the field when it cannot be one."""
    if value is None:
        return None
    if isinstance(value, Upload):
        raise bad_request(f"Invalid value for {name}: a file upload is not accepted here")
    result: Any
    if kind is Kind.INT:
        result = _as_number(value, integral=True)
    elif kind is Kind.DECIMAL:
        result = _as_number(value, integral=False)
    elif kind is Kind.TEXT:
        result = value if isinstance(value, str) else (None if isinstance(value, dict | list) else str(value))
    elif kind is Kind.BOOL:
        result = _as_bool(value)
    elif kind is Kind.DATE:
        result = parse_date(value)
    elif kind is Kind.DATETIME:
        moment = parse_datetime(value)
        result = iso(moment) if moment else None
    elif kind is Kind.IDS:
        items = [v for v in value.split(",") if v.strip()] if isinstance(value, str) else value
        if isinstance(items, list):
            ids = [_as_number(v, integral=True) for v in items]
            result = None if any(i is None for i in ids) else list(dict.fromkeys(ids))
        else:
            result = None
    else:
        result = value
    if result is None:
        raise bad_request(f"Invalid value for {name}: {json.dumps(value)[:80]} is not a valid {kind.value}")
    return result


def to_sql(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind is Kind.BOOL:
        return 1 if value else 0
    if kind in (Kind.IDS, Kind.JSON):
        return json.dumps(value, separators=(",", ":"))
    return value


def from_sql(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind is Kind.BOOL:
        return bool(value)
    if kind in (Kind.IDS, Kind.JSON):
        return json.loads(value)
    if kind is Kind.DECIMAL and isinstance(value, float) and value.is_integer():
        return int(value)
    return value
