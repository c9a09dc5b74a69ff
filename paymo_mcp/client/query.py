"""Builders for Paymo's `where` and `include` query parameters (paymo-api.md §7 and §8).

Values are quoted as Paymo's docs show them: numbers and booleans bare, strings double-quoted,
lists in parentheses, datetimes as Unix timestamps, dates as YYYY-MM-DD.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

OPERATORS = ("=", "!=", "<>", ">", ">=", "<", "<=", "like", "not like", "in", "not in")
_FIELD = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")
# Include keys that end in "s" but name one record or a field (projectstatus), not a child collection.
_SINGULAR_ENDINGS = ("status", "address")
_INCLUDE = re.compile(r"^(\*|[a-z_][a-z0-9_]*(\.([a-z_][a-z0-9_]*|\*))*)$")


@dataclass(frozen=True)
class Condition:
    """One `field op value` term of a `where` expression."""

    field: str
    op: str
    value: Any

    def __post_init__(self) -> None:
        if not _FIELD.match(self.field):
            raise ValueError(f"not a Paymo field name: {self.field!r}")
        if self.op not in OPERATORS:
            raise ValueError(f"unknown where operator {self.op!r}; use one of {', '.join(OPERATORS)}")
        if self.op in ("in", "not in") and not isinstance(self.value, list | tuple | set | frozenset):
            raise ValueError(f"operator {self.op!r} needs a list of values")

    def render(self) -> str:
        value = format_value(self.value)
        if self.op[0].isalpha():
            return f"{self.field} {self.op} {value}"
        return f"{self.field}{self.op}{value}"


def format_value(value: Any) -> str:
    """Render one value the way Paymo's `where` parser reads it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return str(int(aware.timestamp()))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return "(" + ",".join(format_value(v) for v in items) + ")"
    if isinstance(value, str):
        if any(ord(c) < 32 for c in value):
            raise ValueError("where values cannot contain control characters")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise TypeError(f"cannot use a {type(value).__name__} in a where condition")


def build_where(conditions: Iterable[Condition]) -> str | None:
    """Join conditions with ` and ` (Paymo has no `or`); None when there are none."""
    terms = [c.render() for c in conditions]
    return " and ".join(terms) if terms else None


def build_include(keys: Sequence[str] | None) -> str | None:
    """Comma-join include keys, dotted paths and field names, checking their shape."""
    if not keys:
        return None
    for key in keys:
        if not _INCLUDE.match(key):
            raise ValueError(f"not an include key or field path: {key!r}")
    return ",".join(dict.fromkeys(keys))


def includes_children(include: str | None) -> bool:
    """Whether an include string embeds child collections (Paymo's are plural: tasks, entries, ...).

    Paymo empties included children past 2,500 per type in one answer, so lists that include them
    page by 100, as its maintainers advise. A plural field name counts too: a smaller page is harmless.
    """
    return any(
        segment.endswith("s") and not segment.endswith(_SINGULAR_ENDINGS)
        for part in (include or "").split(",")
        for segment in part.strip().split(".")
    )
